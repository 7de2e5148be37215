// The admission's writes: the household marked supervised with its audit row and the ASSIGNED
// notices (`recordAdmission`, after the pairing's own activity), or all of it in one activity with
// the pairing and the first visit task (`admitHousehold`, patched 'admission-in-one-activity').
// Every row keeps its deterministic id or idempotency key, so a retried activity writes nothing twice.
import type { PrismaClient } from '../db/client.js';
import type { HouseholdFacts } from '../policy/index.js';
import type { CadreRef, CadreRole } from '../workflows/household/definitions.js';
import { createAssignmentActivities, refuseIfCancelled } from './assignment.js';
import { readHouseholdFacts } from './household-facts.js';
import { type NotifyInput, type NotifySettings, renderNotification, startDeliveries } from './notify.js';
import { auditRowOf, type HouseholdChange, householdFieldsOf } from './supervision.js';
import type { TaskRow } from './tasks.js';
import { createTaskRow } from './transitions.js';

export interface AdmissionWrite {
  /** SUPERVISION_STARTED: the household's status and policy version, its audit row (keyed). */
  change: HouseholdChange & { at: string };
  /** The two cadres told of their assignment. */
  notices: NotifyInput[];
}

export interface AdmittedHousehold {
  facts: HouseholdFacts;
  village: { id: string; name: string };
}

/** A row addressed to whichever cadre the pairing gives the role (not known when the workflow asks). */
type ForRole<T> = Omit<T, 'cadreId' | 'assigneeId'> & { recipient: CadreRole };

export interface AdmissionInOneWrite {
  /** The pairing's key and instant (assignCadres' input). */
  pairing: { householdId: string; key: string; at: string };
  /** SUPERVISION_STARTED; its detail is given the two cadres paired. */
  change: HouseholdChange & { at: string };
  notices: Array<ForRole<NotifyInput>>;
  /** The first visit task, for the cadre of its role, with its TASK_OPENED notice to that cadre. */
  firstTask: { task: ForRole<TaskRow>; notice: ForRole<NotifyInput> };
}

export function createAdmissionActivities(prisma: PrismaClient, settings: NotifySettings) {
  const { assignCadres } = createAssignmentActivities(prisma);

  /**
   * The rows in one transaction, then their deliveries; answers the facts and the village kept. With
   * `pairingKey`, nothing is written once the run's cancel is (refuseIfCancelled): an attempt the
   * workflow gave up on (a local attempt past its timeout goes on running) must not admit a household
   * cancelled meanwhile.
   */
  async function writeAdmission(
    input: AdmissionWrite,
    firstTask?: TaskRow,
    pairingKey?: string,
  ): Promise<AdmittedHousehold> {
    const { change, notices } = input;
    const [facts, household, rows] = await Promise.all([
      readHouseholdFacts(prisma, change.householdId),
      prisma.household.findUniqueOrThrow({
        where: { id: change.householdId },
        select: { village: { select: { id: true, name: true } } },
      }),
      Promise.all(notices.map((n) => renderNotification(prisma, settings, n))),
    ]);
    await prisma.$transaction(async (tx) => {
      if (pairingKey !== undefined) await refuseIfCancelled(tx, change.householdId, pairingKey, true);
      await tx.household.update({ where: { id: change.householdId }, data: householdFieldsOf(change) });
      await tx.auditLog.createMany({
        data: [auditRowOf(change, new Date(change.at))],
        skipDuplicates: true, // a retry after the commit: the row is there, nothing is doubled
      });
      if (firstTask) await createTaskRow(tx, firstTask);
      await tx.notification.createMany({ data: rows, skipDuplicates: true });
    });
    await startDeliveries(
      settings,
      notices.map((n) => n.key),
    );
    return { facts, village: household.village };
  }

  return {
    /**
     * The admission after the pairing, in one transaction (before: loadHousehold, updateHousehold,
     * 2 × notify and loadVillage, five activities). The first visit is opened after it.
     */
    recordAdmission: (input: AdmissionWrite) => writeAdmission(input),

    /**
     * The whole admission in one activity: the pairing (assignCadres, its own transaction under the
     * pairing lock, idempotent by its keys), then the household supervised, both ASSIGNED notices and
     * the first visit task with its notice in one transaction. Answers the cadres with the facts and
     * the village, and the admission's date and the task's cadre and dates as stored. Before: assignCadres as an
     * activity task, recordAdmission, then openTaskNotified.
     */
    async admitHousehold(
      input: AdmissionInOneWrite,
    ): Promise<AdmittedHousehold & { cadres: Paired; admittedAt: string; firstTask: StoredTask }> {
      const cadres = await assignCadres(input.pairing);
      const cadreOf = (role: CadreRole) => (role === 'ASSISTANCE' ? cadres.assistance : cadres.leader).id;
      const addressed = ({ recipient, ...notice }: ForRole<NotifyInput>): NotifyInput => ({
        ...notice,
        cadreId: cadreOf(recipient),
      });
      const { recipient, ...task } = input.firstTask.task;
      const admitted = await writeAdmission(
        {
          change: {
            ...input.change,
            detail: { ...input.change.detail, assistance: cadres.assistance.id, leader: cadres.leader.id },
          },
          notices: [...input.notices, input.firstTask.notice].map(addressed),
        },
        { ...task, assigneeId: cadreOf(recipient) },
        input.pairing.key,
      );
      // What the rows hold: an earlier attempt's, if its write committed and its answer was lost.
      const [audit, stored] = await Promise.all([
        prisma.auditLog.findUniqueOrThrow({
          where: { idempotencyKey: input.change.key },
          select: { at: true },
        }),
        prisma.task.findUniqueOrThrow({
          where: { id: task.id },
          select: { assigneeId: true, openedAt: true, dueAt: true },
        }),
      ]);
      return {
        ...admitted,
        cadres,
        admittedAt: audit.at.toISOString(),
        firstTask: {
          assigneeId: stored.assigneeId,
          openedAt: stored.openedAt.toISOString(),
          dueAt: stored.dueAt.toISOString(),
        },
      };
    },
  };
}

type Paired = { assistance: CadreRef; leader: CadreRef };
/** The first task as the ledger holds it: its cadre and its dates. */
type StoredTask = { assigneeId: string; openedAt: string; dueAt: string };
