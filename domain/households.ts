import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { z } from 'zod';
import type { PrismaClient } from '../db/client.js';
import { householdNumberSchema, householdProfileSchema } from '../policy/household-profile.js';
import { householdCategorySchema } from '../policy/household-types.js';
import { singleLine } from '../policy/plain-text.js';
import { supervisionEnded } from '../policy/vocabulary.js';
import { householdWorkflowId } from '../workflows/household/definitions.js';
import { DomainError } from './errors.js';
import { profileColumns, replaceMembers } from './household-profile-rows.js';
import { startSupervision } from './supervision.js';

/** What registration takes (page form, API): the household's identity and its whole profile. */
export const registerHouseholdSchema = householdProfileSchema.unwrap().extend({
  number: householdNumberSchema,
  headName: singleLine('户主姓名', 40),
  villageName: singleLine('所属村', 40),
  category: householdCategorySchema,
});

export type RegisterHouseholdInput = z.infer<typeof registerHouseholdSchema>;

export interface HouseholdDeps {
  prisma: PrismaClient;
  temporal: Client;
  taskQueue: string;
}

/**
 * Writes the household with its profile (members, labour class, causes, needs, 一户一策, phone)
 * and starts its supervision workflow `household-<number>`.
 * A number already under supervision is a conflict: never a second row, never a second workflow.
 */
export async function registerHousehold(deps: HouseholdDeps, input: RegisterHouseholdInput) {
  const { prisma } = deps;
  const existing = await prisma.household.findUnique({ where: { number: input.number } });
  if (existing?.workflowId) throw new DomainError('CONFLICT', `户编号 ${input.number} 已在挂牌督战中`);

  const village = await prisma.village.upsert({
    where: { name: input.villageName },
    create: { id: randomUUID(), name: input.villageName },
    update: {},
  });
  // A household left registered without a workflow (its start failed) takes the new facts.
  const household = await prisma.$transaction(async (tx) => {
    const row = {
      headName: input.headName,
      villageId: village.id,
      category: input.category,
      ...profileColumns(input),
    };
    const written = existing
      ? await tx.household.update({ where: { id: existing.id }, data: row })
      : await tx.household.create({ data: { id: input.number, number: input.number, ...row } });
    await replaceMembers(tx, written.id, input.members);
    return written;
  });
  if (!(await startSupervision(deps, household.id))) {
    throw new DomainError('CONFLICT', `户编号 ${input.number} 的督战流程已存在`);
  }
  return prisma.household.update({ where: { id: household.id }, data: { status: 'SUPERVISED' } });
}

/**
 * 回退 or a new risk: puts a household whose supervision has ended (stably out, or cancelled) under
 * supervision again, as a new run of `household-<id>`. The stable-exit assessment, if any, is kept
 * and marked rolled back. Refused while the household's workflow is still running.
 */
export async function readmitHousehold(deps: HouseholdDeps, householdId: string, reason: string, by: string) {
  const { prisma } = deps;
  const household = await prisma.household.findUnique({ where: { id: householdId } });
  if (!household) throw new DomainError('NOT_FOUND', `没有编号为 ${householdId} 的农户`);
  if (!supervisionEnded(household.status)) {
    throw new DomainError('CONFLICT', `该户仍在挂牌督战中（${household.status}），不能重新纳入`);
  }
  if (!(await startSupervision(deps, householdId, { readmission: true }))) {
    throw new DomainError('CONFLICT', '该户的督战流程仍在运行');
  }
  const now = new Date();
  await prisma.$transaction([
    prisma.exitAssessment.updateMany({
      where: { householdId, rolledBackAt: null },
      data: { rolledBackAt: now },
    }),
    prisma.auditLog.create({
      data: {
        actor: by,
        action: 'READMITTED',
        householdId,
        workflowId: householdWorkflowId(householdId),
        detail: { reason, previous: household.status },
      },
    }),
  ]);
}
