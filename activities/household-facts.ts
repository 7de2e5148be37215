import { ApplicationFailure } from '@temporalio/activity';
import type { PrismaClient } from '../db/client.js';
import {
  factsOfProfile,
  type HouseholdCategory,
  type HouseholdFacts,
  type HouseholdMember,
  type HouseholdProfile,
  type LabourAbility,
} from '../policy/index.js';

export interface FactsChange {
  householdId: string;
  workflowId: string;
  /** Deterministic, from the workflow: also the audit row's idempotency key. */
  key: string;
  profile: HouseholdProfile;
  by: string;
  reason?: string;
  at: string;
}

type StoredMember = { id: string; name: string; relation: string };

/**
 * Gives each member of the new list the id of a stored member: the same name (and relation, when
 * two share a name) first, then the remaining stored members in order (a corrected name keeps its
 * row); members beyond those get new ids. Stored members left over are removed.
 */
function matchMembers(
  stored: readonly StoredMember[],
  members: readonly HouseholdMember[],
  newId: (index: number) => string,
): { ids: string[]; removed: string[] } {
  const free = [...stored];
  const take = (found: StoredMember | undefined) => {
    if (found) free.splice(free.indexOf(found), 1);
    return found?.id;
  };
  const byName = members.map((m) =>
    take(
      free.find((s) => s.name === m.name && s.relation === m.relation) ?? free.find((s) => s.name === m.name),
    ),
  );
  const ids = byName.map((id, i) => id ?? take(free[0]) ?? newId(i));
  return { ids, removed: free.map((s) => s.id) };
}

/**
 * What the workflow needs to apply the policy: category, size, labour (one rule: factsOfProfile).
 * Also read by the admission's one write (activities/transitions.ts).
 */
export async function readHouseholdFacts(prisma: PrismaClient, householdId: string): Promise<HouseholdFacts> {
  const household = await prisma.household.findUnique({
    where: { id: householdId },
    include: { members: true },
  });
  if (!household) throw ApplicationFailure.nonRetryable(`没有编号为 ${householdId} 的农户`, 'NotFound');
  return factsOfProfile(household.category as HouseholdCategory, {
    labourClass: household.labourClass as HouseholdProfile['labourClass'],
    members: household.members.map((m) => ({
      name: m.name,
      relation: m.relation,
      age: m.age,
      labourAbility: m.labourAbility as LabourAbility,
      inSchool: m.inSchool,
      chronicIllness: m.chronicIllness,
    })),
  });
}

export function createHouseholdFactsActivities(prisma: PrismaClient) {
  return {
    /** What the workflow needs to apply the policy: category, size, labour (one rule: factsOfProfile). */
    async loadHousehold({ householdId }: { householdId: string }): Promise<HouseholdFacts> {
      return readHouseholdFacts(prisma, householdId);
    },

    /**
     * Writes the register's facts (members, labour class, causes, needs, 一户一策, phone) and the
     * FACTS_CHANGED audit row for the household's timeline, in one transaction, once per key.
     * Members keep their ids (see matchMembers), so what refers to a member still finds it.
     */
    async updateHouseholdFacts(change: FactsChange): Promise<void> {
      const { profile } = change;
      await prisma.$transaction(async (tx) => {
        if (await tx.auditLog.findUnique({ where: { idempotencyKey: change.key } })) return;
        const household = await tx.household.findUnique({
          where: { id: change.householdId },
          include: { members: { orderBy: { id: 'asc' } } },
        });
        if (!household)
          throw ApplicationFailure.nonRetryable(`没有编号为 ${change.householdId} 的农户`, 'NotFound');
        const { ids, removed } = matchMembers(
          household.members,
          profile.members,
          (i) => `${change.key}/m${i}`,
        );
        await tx.householdMember.deleteMany({ where: { id: { in: removed } } });
        for (const [i, member] of profile.members.entries()) {
          const id = ids[i] ?? `${change.key}/m${i}`;
          const fields = { ...member, householdId: household.id };
          await tx.householdMember.upsert({ where: { id }, create: { id, ...fields }, update: fields });
        }
        await tx.household.update({
          where: { id: household.id },
          data: {
            labourClass: profile.labourClass,
            causes: profile.causes,
            needs: profile.needs,
            plan: profile.plan,
            phone: profile.phone,
          },
        });
        const before = factsOfProfile(household.category as HouseholdCategory, {
          labourClass: household.labourClass as HouseholdProfile['labourClass'],
          members: household.members.map((m) => ({ ...m, labourAbility: m.labourAbility as LabourAbility })),
        });
        const after = factsOfProfile(household.category as HouseholdCategory, profile);
        await tx.auditLog.create({
          data: {
            at: new Date(change.at),
            actor: change.by,
            action: 'FACTS_CHANGED',
            householdId: household.id,
            workflowId: change.workflowId,
            detail: {
              reason: change.reason ?? '',
              members: { from: household.members.length, to: profile.members.length },
              labourClass: { from: household.labourClass, to: profile.labourClass },
              hasLabour: { from: before.hasLabour, to: after.hasLabour },
            },
            idempotencyKey: change.key,
          },
        });
      });
    },
    /** The household's village, shown and searched in Temporal (the `Village` search attribute). */
    async loadVillage({ householdId }: { householdId: string }): Promise<{ id: string; name: string }> {
      const household = await prisma.household.findUnique({
        where: { id: householdId },
        select: { village: { select: { id: true, name: true } } },
      });
      if (!household) throw ApplicationFailure.nonRetryable(`没有编号为 ${householdId} 的农户`, 'NotFound');
      return household.village;
    },
  };
}
