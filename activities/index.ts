import type { PrismaClient } from '../db/client.js';
import { createAuditActivities } from './audit.js';

/** Every activity the worker registers, bound to its dependencies. */
export function createActivities(deps: { prisma: PrismaClient }) {
  return {
    ...createAuditActivities(deps.prisma),
  };
}

export type Activities = ReturnType<typeof createActivities>;
