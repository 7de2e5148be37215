// The household's facts (members, labour class, causes, needs, 一户一策, phone) changed after
// registration. Under a running workflow the change is an `updateFacts` update: the workflow
// re-evaluates its caps, findings and exit criteria and writes the facts itself. A household not
// (yet) under a workflow has no one to tell: its facts are written here.
import { type HouseholdProfile, householdProfileSchema } from '../../policy/household-profile.js';
import { multiLine } from '../../policy/plain-text.js';
import { updateFactsUpdate } from '../../workflows/household/definitions.js';
import { DomainError } from '../errors.js';
import { writeProfile } from '../household-profile-rows.js';
import { type ActionDeps, type HouseholdActionResult, updateHouseholdWorkflow } from './workflow-calls.js';

export const factsReasonSchema = multiLine('修改说明', 200).optional();

export type UpdateFactsResult =
  | { householdId: string; via: 'WORKFLOW'; result: HouseholdActionResult }
  | { householdId: string; via: 'REGISTER' };

/** Sends the new profile to the household's workflow, or writes it when no workflow runs yet. */
export async function updateHouseholdFacts(
  deps: ActionDeps,
  householdId: string,
  input: HouseholdProfile,
  by: string,
  reason?: string,
): Promise<UpdateFactsResult> {
  const parsed = householdProfileSchema.safeParse(input);
  if (!parsed.success) throw new DomainError('INVALID', parsed.error.issues[0]?.message ?? '输入有误');
  const profile = parsed.data;
  const why = factsReasonSchema.safeParse(reason);
  if (!why.success) throw new DomainError('INVALID', why.error.issues[0]?.message ?? '修改说明有误');

  const found = await deps.prisma.household.findUnique({
    where: { id: householdId },
    select: { id: true, workflowId: true },
  });
  if (!found) throw new DomainError('NOT_FOUND', `没有编号为 ${householdId} 的农户`);
  if (!found.workflowId) {
    await deps.prisma.$transaction(async (tx) => {
      await writeProfile(tx, householdId, profile);
      await tx.auditLog.create({
        data: {
          actor: by,
          action: 'FACTS_UPDATED',
          householdId,
          detail: { reason: why.data ?? '', members: profile.members.length },
        },
      });
    });
    return { householdId, via: 'REGISTER' };
  }

  const result = await updateHouseholdWorkflow(deps, householdId, updateFactsUpdate, {
    profile,
    by,
    ...(why.data ? { reason: why.data } : {}),
  });
  return { householdId, via: 'WORKFLOW', result };
}
