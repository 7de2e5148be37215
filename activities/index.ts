import type { PrismaClient } from '../db/client.js';
import { createAssignmentActivities } from './assignment.js';
import { createAuditActivities } from './audit.js';
import { createHouseholdFactsActivities } from './household-facts.js';
import { createNotifyActivities } from './notify.js';
import { createSupervisionActivities } from './supervision.js';
import { createTaskActivities } from './tasks.js';

export interface ActivityDeps {
  prisma: PrismaClient;
  /** Base of the links in notifications. */
  publicUrl: string;
}

/** Every activity the worker registers, bound to its dependencies. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createAuditActivities(deps.prisma),
    ...createHouseholdFactsActivities(deps.prisma),
    ...createAssignmentActivities(deps.prisma),
    ...createTaskActivities(deps.prisma),
    ...createSupervisionActivities(deps.prisma),
    ...createNotifyActivities(deps.prisma, deps.publicUrl),
  };
}

export type Activities = ReturnType<typeof createActivities>;
