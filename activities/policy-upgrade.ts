// The policy upgrade's side effects: listing the households to upgrade from PostgreSQL, and sending
// one of them the `upgradePolicy` update through the worker's Temporal client.
import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import type { PrismaClient } from '../db/client.js';
import type { Policy } from '../policy/index.js';
import { householdWorkflowId, upgradePolicyUpdate } from '../workflows/household/definitions.js';
import {
  type HouseholdUpgradeOutcome,
  type PolicyUpgradeSelection,
  policyUpgradeUpdateId,
} from '../workflows/policy-upgrade/definitions.js';

/** Households whose supervision workflow runs (paused and closing ones included). */
const RUNNING_STATUSES = ['SUPERVISED', 'PAUSED', 'CLOSING'];

export interface PolicyUpgradeTarget {
  householdId: string;
  workflowId: string;
}

function selected(selection: PolicyUpgradeSelection) {
  return {
    status: { in: RUNNING_STATUSES },
    ...(selection.villageIds?.length ? { villageId: { in: selection.villageIds } } : {}),
    ...(selection.categories?.length ? { category: { in: selection.categories } } : {}),
  };
}

const notOn = (version: string) => ({ OR: [{ policyVersion: null }, { policyVersion: { not: version } }] });

export function createPolicyUpgradeActivities(prisma: PrismaClient) {
  return {
    /** How many running households the selection holds, and how many of them are on the version. */
    async countPolicyUpgradeTargets(input: {
      version: string;
      selection: PolicyUpgradeSelection;
    }): Promise<{ total: number; alreadyOnVersion: number }> {
      const where = selected(input.selection);
      const [total, alreadyOnVersion] = await Promise.all([
        prisma.household.count({ where }),
        prisma.household.count({ where: { ...where, policyVersion: input.version } }),
      ]);
      return { total, alreadyOnVersion };
    },

    /** The next page of households not yet on the version, after `afterId`, by id. */
    async listPolicyUpgradeTargets(input: {
      version: string;
      selection: PolicyUpgradeSelection;
      afterId: string | null;
      limit: number;
    }): Promise<PolicyUpgradeTarget[]> {
      const rows = await prisma.household.findMany({
        where: {
          ...selected(input.selection),
          ...notOn(input.version),
          ...(input.afterId !== null ? { id: { gt: input.afterId } } : {}),
        },
        orderBy: { id: 'asc' },
        take: input.limit,
        select: { id: true },
      });
      return rows.map((r) => ({ householdId: r.id, workflowId: householdWorkflowId(r.id) }));
    },

    /**
     * Moves one household to the policy. Safe to repeat: a household already on the version is left
     * alone, and the update id is the same on every attempt, so Temporal answers a repeated update
     * with the first one's outcome. A household that refuses (its supervision has ended, it is still
     * being admitted) is a FAILED outcome with its reason; anything else is retried.
     */
    async upgradeHouseholdPolicy(input: {
      householdId: string;
      workflowId: string;
      policy: Policy;
      by: string;
    }): Promise<HouseholdUpgradeOutcome> {
      const { householdId } = input;
      const household = await prisma.household.findUnique({
        where: { id: householdId },
        select: { policyVersion: true },
      });
      if (household?.policyVersion === input.policy.version) return { householdId, outcome: 'ALREADY' };
      const handle = Context.current().client.workflow.getHandle(input.workflowId);
      try {
        await handle.executeUpdate(upgradePolicyUpdate, {
          args: [{ policy: input.policy, by: input.by }],
          updateId: policyUpgradeUpdateId(input.policy.version),
        });
        return { householdId, outcome: 'UPGRADED' };
      } catch (error) {
        if (error instanceof WorkflowUpdateFailedError)
          return { householdId, outcome: 'FAILED', reason: error.cause?.message ?? error.message };
        if (error instanceof WorkflowNotFoundError)
          return { householdId, outcome: 'FAILED', reason: '该户的督战流程不在运行' };
        throw error;
      }
    },
  };
}
