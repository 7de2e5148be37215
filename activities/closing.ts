import { ApplicationFailure } from '@temporalio/activity';
import type { PrismaClient } from '../db/client.js';
import { CLOSING_STEP_APPROVERS, type DecidedClosingStep } from '../policy/index.js';
import type { CadreRef } from '../workflows/household/definitions.js';
import { holdersOfRank } from './village-leaders.js';

export function createClosingActivities(prisma: PrismaClient) {
  return {
    /**
     * Who is told about a closing step at rung `rung` of its approvers (policy/closing-procedure.ts):
     * the holders of that rank for the household's village or township, and for the 民主评议's
     * first rung also the household's own cadres. Read-only; empty when nobody holds the rung.
     */
    async closingStepRecipients(input: {
      householdId: string;
      step: DecidedClosingStep;
      rung: number;
      householdCadreIds: string[];
    }): Promise<CadreRef[]> {
      const household = await prisma.household.findUnique({
        where: { id: input.householdId },
        select: { villageId: true },
      });
      if (!household)
        throw ApplicationFailure.nonRetryable(`没有编号为 ${input.householdId} 的农户`, 'NotFound');
      const rank = CLOSING_STEP_APPROVERS[input.step][input.rung];
      if (!rank) return [];
      const holders = await holdersOfRank(prisma, household.villageId, rank);
      const own =
        input.step === 'VILLAGE_REVIEW' && input.rung === 0
          ? await prisma.cadre.findMany({
              where: { id: { in: input.householdCadreIds }, active: true },
              select: { id: true, name: true },
              orderBy: { id: 'asc' },
            })
          : [];
      const seen = new Set<string>();
      return [...holders, ...own]
        .filter((c) => !seen.has(c.id) && seen.add(c.id))
        .map((c) => ({ id: c.id, name: c.name }));
    },
  };
}
