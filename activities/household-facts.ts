import { ApplicationFailure } from '@temporalio/activity';
import type { PrismaClient } from '../db/client.js';
import type { HouseholdCategory, HouseholdFacts, LabourClass } from '../policy/index.js';

export function createHouseholdFactsActivities(prisma: PrismaClient) {
  return {
    /** What the workflow needs to apply the policy: category, size, labour. Read-only. */
    async loadHousehold({ householdId }: { householdId: string }): Promise<HouseholdFacts> {
      const household = await prisma.household.findUnique({
        where: { id: householdId },
        include: { members: true },
      });
      if (!household) throw ApplicationFailure.nonRetryable(`没有编号为 ${householdId} 的农户`, 'NotFound');
      const members = household.members;
      return {
        category: household.category as HouseholdCategory,
        labourClass: household.labourClass as LabourClass,
        // A household registered without members counts as one person, able to work.
        memberCount: Math.max(1, members.length),
        hasLabour: members.length === 0 || members.some((m) => m.labourAbility !== 'NONE'),
      };
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
