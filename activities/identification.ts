// The identification workflow's writes and reads (识别纳入): the case and its steps in the read model,
// who acts on a step, the home check's facts, and the start of supervision once the county approved.
// Every write is keyed by the workflow (a case id, a step) so a retried activity writes it once.
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { PrismaClient } from '../db/client.js';
import { profileColumns, replaceMembers } from '../domain/household-profile-rows.js';
import { startSupervision } from '../domain/supervision.js';
import {
  type DecidedIdentificationStep,
  type HouseholdCategory,
  type HouseholdProfile,
  IDENTIFICATION_STEP_ASSIGNEE,
  type IdentificationStep,
  type Policy,
} from '../policy/index.js';
import { holdersOfRank } from './village-leaders.js';

export interface CadreRef {
  id: string;
  name: string;
}

async function caseOf(prisma: PrismaClient, caseId: string) {
  const found = await prisma.identificationCase.findUnique({
    where: { id: caseId },
    include: { household: { select: { id: true, villageId: true } } },
  });
  if (!found) throw ApplicationFailure.nonRetryable(`识别纳入案件 ${caseId} 不存在`, 'NotFound');
  return found;
}

export function createIdentificationActivities(prisma: PrismaClient) {
  return {
    /**
     * Who acts on a step: for the home check the cadre who raised the case when they are one of the
     * village's 帮扶责任人, else the village's first; then the village's 分管负责人 (信息比对, 乡镇审核),
     * its 包村领导 (民主评议) and the first county approver (县级审批), as the leaders' map says.
     * Undefined when nobody holds the rank (the step then waits for an admin to act on it).
     */
    async identificationStepAssignee(input: {
      caseId: string;
      step: DecidedIdentificationStep;
    }): Promise<CadreRef | undefined> {
      const found = await caseOf(prisma, input.caseId);
      const villageId = found.household.villageId;
      if (input.step === 'HOME_CHECK' && found.raisedByCadreId) {
        const raiser = await prisma.cadre.findFirst({
          where: {
            id: found.raisedByCadreId,
            active: true,
            rank: 'ASSISTANCE_CADRE',
            villages: { some: { id: villageId } },
          },
          select: { id: true, name: true },
        });
        if (raiser) return raiser;
      }
      const [holder] = await holdersOfRank(prisma, villageId, IDENTIFICATION_STEP_ASSIGNEE[input.step]);
      return holder ? { id: holder.id, name: holder.name } : undefined;
    },

    /** A step began: its row (once) and the case's current step and deadline. */
    async recordIdentificationStepStarted(input: {
      caseId: string;
      step: IdentificationStep;
      taskId?: string;
      assigneeId?: string;
      startedAt: string;
      dueAt: string;
      raisedAt?: string;
      limitAt?: string;
    }): Promise<void> {
      await prisma.$transaction([
        prisma.identificationCaseStep.createMany({
          data: [
            {
              id: `${input.caseId}/${input.step}`,
              caseId: input.caseId,
              step: input.step,
              taskId: input.taskId ?? null,
              assigneeId: input.assigneeId ?? null,
              startedAt: new Date(input.startedAt),
              dueAt: new Date(input.dueAt),
            },
          ],
          skipDuplicates: true,
        }),
        prisma.identificationCase.update({
          where: { id: input.caseId },
          data: {
            step: input.step,
            stepDueAt: new Date(input.dueAt),
            ...(input.raisedAt ? { raisedAt: new Date(input.raisedAt) } : {}),
            ...(input.limitAt ? { limitAt: new Date(input.limitAt) } : {}),
          },
        }),
      ]);
    },

    /** A step ended: approved, refused, objected to, or (the notice) came down. Written once. */
    async recordIdentificationStepEnded(input: {
      caseId: string;
      step: IdentificationStep;
      at: string;
      decision: 'APPROVED' | 'REFUSED' | 'OBJECTED' | 'ENDED';
      decidedBy?: string;
      note?: string;
    }): Promise<void> {
      await prisma.identificationCaseStep.updateMany({
        where: { id: `${input.caseId}/${input.step}`, completedAt: null },
        data: {
          completedAt: new Date(input.at),
          decision: input.decision,
          decidedBy: input.decidedBy ?? null,
          note: input.note ?? '',
        },
      });
    },

    /**
     * The home check's findings become the household's register: category, members, labour class,
     * causes, needs, phone (the facts its supervision will start from). Written before the
     * household has a workflow; again the same on a retry.
     */
    async saveHomeCheckFacts(input: {
      caseId: string;
      householdId: string;
      category: HouseholdCategory;
      profile: HouseholdProfile;
      at: string;
      by: string;
    }): Promise<void> {
      await prisma.$transaction(async (tx) => {
        await tx.household.update({
          where: { id: input.householdId },
          data: { category: input.category, ...profileColumns(input.profile) },
        });
        await replaceMembers(tx, input.householdId, input.profile.members);
        await tx.auditLog.createMany({
          data: [
            {
              at: new Date(input.at),
              actor: input.by,
              action: 'IDENTIFICATION_HOME_CHECKED',
              householdId: input.householdId,
              detail: { caseId: input.caseId, members: input.profile.members.length },
              idempotencyKey: `identification-${input.caseId}/home-check`,
            },
          ],
          skipDuplicates: true,
        });
      });
    },

    /** The case ended: recognised or refused (不予纳入, with the reason); the household may have a new case. */
    async endIdentificationCase(input: {
      caseId: string;
      status: 'RECOGNISED' | 'REFUSED';
      reason?: string;
      at: string;
    }): Promise<void> {
      const found = await caseOf(prisma, input.caseId);
      if (found.status !== 'OPEN') return;
      await prisma.$transaction([
        prisma.identificationCase.update({
          where: { id: input.caseId },
          data: {
            status: input.status,
            outcomeReason: input.reason ?? '',
            closedAt: new Date(input.at),
            openHouseholdId: null,
            stepDueAt: null,
          },
        }),
        prisma.auditLog.createMany({
          data: [
            {
              at: new Date(input.at),
              actor: 'workflow',
              action: input.status === 'RECOGNISED' ? 'IDENTIFICATION_RECOGNISED' : 'IDENTIFICATION_REFUSED',
              householdId: found.householdId,
              workflowId: found.workflowId,
              detail: { caseId: input.caseId, reason: input.reason ?? '' },
              idempotencyKey: `${found.workflowId}/ended`,
            },
          ],
          skipDuplicates: true,
        }),
      ]);
    },

    /**
     * 县级审批 approved (公告, 纳入监测): the household's supervision starts through the one start path
     * (domain/supervision.ts), on the case's policy, with the 帮扶责任人 the home check named (kept
     * by the household's admission, which pairs its leader). Idempotent: a retry after the start
     * finds the workflow already there.
     */
    async admitIdentifiedHousehold(input: {
      caseId: string;
      householdId: string;
      assistanceCadreId?: string;
      policy: Policy;
      at: string;
    }): Promise<void> {
      const { client, info } = Context.current();
      const household = await prisma.household.findUnique({
        where: { id: input.householdId },
        select: { status: true },
      });
      if (!household)
        throw ApplicationFailure.nonRetryable(`没有编号为 ${input.householdId} 的农户`, 'NotFound');
      if (input.assistanceCadreId && household.status === 'REGISTERED') {
        const current = await prisma.assignment.findFirst({
          where: { householdId: input.householdId, role: 'ASSISTANCE', to: null },
        });
        if (!current)
          await prisma.assignment.createMany({
            data: [
              {
                id: `identification-${input.caseId}/ASSISTANCE`,
                householdId: input.householdId,
                cadreId: input.assistanceCadreId,
                role: 'ASSISTANCE',
                from: new Date(input.at),
              },
            ],
            skipDuplicates: true,
          });
      }
      await startSupervision({ prisma, temporal: client, taskQueue: info.taskQueue }, input.householdId, {
        policy: input.policy,
      });
    },
  };
}
