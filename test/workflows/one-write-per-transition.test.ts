import type { WorkflowHandle } from '@temporalio/client';
import { beforeAll, describe, expect, it } from 'vitest';
import { stateQuery } from '../../workflows/household/definitions.js';
import { PATCHES } from '../../workflows/household/patches.js';
import { recordHistory } from '../helpers/history-recorder.js';
import {
  admitAndVisitWithFinding,
  type TimeSkippingStack,
  useTimeSkippingTownship,
} from '../helpers/time-skipping.js';
import type { TownshipFixture } from '../helpers/township-fixture.js';

/** The activities the household's history ran, by type, local or remote. */
async function activitiesRun(handle: WorkflowHandle) {
  const { events } = await handle.fetchHistory();
  const local = (events ?? [])
    .filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity')
    .map((e) => {
      const data = e.markerRecordedEventAttributes?.details?.data?.payloads?.[0]?.data;
      return data
        ? (JSON.parse(Buffer.from(data).toString()) as { activity_type?: string }).activity_type
        : '';
    });
  const remote = (events ?? [])
    .map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name)
    .filter((name): name is string => !!name);
  return { local, remote };
}

describe('one write per transition: the admission and each task opened are one transaction each', () => {
  const ctx = useTimeSkippingTownship();
  let stack: TimeSkippingStack;
  let town: TownshipFixture;
  beforeAll(() => {
    ({ stack, town } = ctx);
  });

  /** The rows of an admission and a visit with a finding: each once, addressed to the right cadres. */
  async function expectRowsOnce(run: Awaited<ReturnType<typeof admitAndVisitWithFinding>>) {
    const { householdId, admitted, visit, followUp } = run;
    const { prisma } = stack;
    // The state the workflow keeps came from the one write: facts, village, both cadres.
    expect(admitted.status).toBe('SUPERVISED');
    expect(admitted.facts.memberCount).toBeGreaterThan(0);
    expect(admitted.village?.name).toBeTruthy();
    expect(admitted.cadres.assistance?.id).toBeTruthy();
    expect(admitted.cadres.leader?.id).toBeTruthy();
    // The first visit is the 帮扶责任人's, in the workflow and in the ledger alike.
    expect(visit.assigneeId).toBe(admitted.cadres.assistance?.id);

    const household = await prisma.household.findUniqueOrThrow({ where: { id: householdId } });
    expect(household.status).toBe('SUPERVISED');
    const started = await prisma.auditLog.findMany({ where: { householdId, action: 'SUPERVISION_STARTED' } });
    expect(started.map((a) => a.detail)).toEqual([
      { assistance: admitted.cadres.assistance?.id, leader: admitted.cadres.leader?.id },
    ]);
    const tasks = await prisma.task.findMany({ where: { householdId }, orderBy: { openedAt: 'asc' } });
    expect(tasks.map((t) => [t.id, t.kind, t.status, t.assigneeId])).toEqual([
      [visit.id, 'VISIT', 'DONE', visit.assigneeId],
      [followUp.id, 'FOLLOW_UP', 'OPEN', followUp.assigneeId],
    ]);
    // The workflow keeps the dates the ledger holds: the reminders go by the due date the pages show.
    expect(tasks.map((t) => [t.openedAt.toISOString(), t.dueAt.toISOString()])).toEqual([
      [visit.openedAt, visit.dueAt],
      [followUp.openedAt, followUp.dueAt],
    ]);
    const notices = await prisma.notification.findMany({
      where: { householdId },
      select: { id: true, kind: true, cadreId: true, text: true },
    });
    expect(notices.map((n) => n.kind).sort()).toEqual(
      ['ASSIGNED', 'ASSIGNED', 'TASK_OPENED', 'TASK_OPENED'].sort(),
    );
    expect(
      notices
        .filter((n) => n.kind === 'ASSIGNED')
        .map((n) => n.cadreId)
        .sort(),
    ).toEqual([admitted.cadres.assistance?.id, admitted.cadres.leader?.id].sort());
    expect(notices.find((n) => n.id === `${visit.id}/opened`)?.cadreId).toBe(visit.assigneeId);
    expect(notices.find((n) => n.id === `${followUp.id}/opened`)?.cadreId).toBe(followUp.assigneeId);
    expect(notices.every((n) => n.text.includes(household.headName))).toBe(true);
  }

  it('admits in one local activity: the pairing, the admission and the first visit task, every row once', async () => {
    await stack.run(async () => {
      const run = await admitAndVisitWithFinding(stack, town);
      await expectRowsOnce(run);
      const { local, remote } = await activitiesRun(run.handle);
      // No activity task at all: admission, the visit record, its follow-up.
      expect(remote).toEqual([]);
      expect(local).toEqual(['admitHousehold', 'completeTask', 'openTaskNotified']);
      // The cadence goes on from the admission, as when the loop opened the first visit.
      const { visitEveryDays } = run.admitted.policy;
      expect(Date.parse(run.admitted.nextVisitAt) - Date.parse(run.visit.openedAt)).toBe(
        visitEveryDays[run.admitted.facts.category] * 86_400_000,
      );
      await recordHistory(run.handle, 'admission-in-one-activity');
    });
  });

  it('a household whose village has no 帮扶责任人 yet waits in its admission without growing its history, then is admitted, dated then', async () => {
    await stack.run(async () => {
      const { prisma } = stack;
      const { householdId, villageId } = await town.addHouseholdInVillageWithoutCadre();
      const handle = await stack.startHousehold(householdId);
      // The pairing refuses (no 帮扶责任人 in the village): the first try's few local attempts fail,
      // then the pairing waits as an activity task, retried by the server.
      const scheduled = async () =>
        ((await handle.fetchHistory()).events ?? []).flatMap((e) =>
          e.activityTaskScheduledEventAttributes
            ? [e.activityTaskScheduledEventAttributes.activityType?.name]
            : [],
        );
      for (let i = 0; (await scheduled()).length === 0; i++) {
        if (i > 300)
          throw new Error(
            `the pairing never waited as an activity task: ${JSON.stringify((await handle.fetchHistory()).events?.map((e) => [e.eventType, e.markerRecordedEventAttributes?.failure?.message]))}`,
          );
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(await scheduled()).toEqual(['assignCadres']);
      // Six hours of waiting (about 75 attempts) write nothing: no rows, no events per attempt.
      const eventsBefore = (await handle.fetchHistory()).events?.length ?? 0;
      await stack.env.sleep(6 * 3_600_000);
      expect((await handle.query(stateQuery)).status).toBe('ADMITTING');
      expect((await handle.fetchHistory()).events?.length).toBe(eventsBefore);
      expect(await prisma.assignment.count({ where: { householdId } })).toBe(0);
      expect(await prisma.task.count({ where: { householdId } })).toBe(0);

      const cadreId = `assist-late-${town.suffix}`;
      const addedAt = await stack.env.currentTimeMs();
      await prisma.cadre.create({
        data: {
          id: cadreId,
          name: '陈新任',
          email: `${cadreId}@duzhan.example`,
          rank: 'ASSISTANCE_CADRE',
          villages: { connect: [{ id: villageId }] },
        },
      });
      await stack.env.sleep(10 * 60_000); // past the next attempt (every 5 minutes by now)
      const admitted = await stack.until(handle, (s) => s.openTasks.length > 0);
      expect(admitted.status).toBe('SUPERVISED');
      expect(admitted.cadres.assistance?.id).toBe(cadreId);
      const [visit] = admitted.openTasks;
      expect([visit?.kind, visit?.assigneeId]).toEqual(['VISIT', cadreId]);
      expect(visit?.id).toMatch(/\/t1$/); // the first try's id: nothing was written under it
      // Dated when the admission happened, not when it was first tried: the visit is not born overdue.
      expect(Date.parse(visit?.openedAt ?? '')).toBeGreaterThanOrEqual(addedAt);
      expect(Date.parse(visit?.dueAt ?? '') - Date.parse(visit?.openedAt ?? '')).toBe(
        admitted.policy.visitTaskDueDays * 86_400_000,
      );
      expect(Date.parse(admitted.admittedAt)).toBeGreaterThanOrEqual(addedAt);
      expect(await prisma.assignment.count({ where: { householdId, to: null } })).toBe(2);
      expect(await prisma.notification.count({ where: { householdId } })).toBe(3);
      expect(await prisma.task.findMany({ where: { householdId }, select: { id: true } })).toEqual([
        { id: visit?.id },
      ]);
      await recordHistory(handle, 'admission-waits-for-pairing');
    });
  });

  it('before that: the pairing as an activity task, then one write, each task opened with its notice in one write', async () => {
    await stack.run(
      async () => {
        const run = await admitAndVisitWithFinding(stack, town);
        await expectRowsOnce(run);
        const { handle } = run;
        const { local, remote } = await activitiesRun(handle);
        expect(remote).toEqual(['assignCadres']);
        // Admission: recordAdmission; the first visit: openTaskNotified; the visit record: completeTask;
        // its follow-up: openTaskNotified. Nothing else (no loadHousehold, notify, openTask, loadVillage).
        expect(local).toEqual(['recordAdmission', 'openTaskNotified', 'completeTask', 'openTaskNotified']);
        await recordHistory(handle, 'one-write-per-transition');
      },
      { patchesOff: [PATCHES.admissionInOneActivity] },
    );
  });

  it('households admitted at once are paired with the least-loaded leaders: loads never differ by more than one', async () => {
    await stack.run(async () => {
      const ids = await Promise.all(Array.from({ length: 6 }, () => town.addHousehold()));
      const handles = await Promise.all(ids.map((id) => stack.startHousehold(id)));
      await Promise.all(handles.map((h) => stack.until(h, (s) => s.status === 'SUPERVISED')));
      const leaders = [
        town.cadres.villageLeader,
        town.cadres.leaderInCharge,
        town.cadres.townshipHead,
        town.cadres.partySecretary,
      ];
      const rows = await stack.prisma.assignment.groupBy({
        by: ['cadreId'],
        where: { cadreId: { in: leaders }, role: 'LEADER', to: null },
        _count: { _all: true },
      });
      const loads = leaders.map((id) => rows.find((r) => r.cadreId === id)?._count._all ?? 0);
      expect(loads.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(6);
      expect(Math.max(...loads) - Math.min(...loads)).toBeLessThanOrEqual(1);
      // Each household paired once, with one of the leaders covering its village.
      const paired = await stack.prisma.assignment.findMany({
        where: { householdId: { in: ids }, role: 'LEADER' },
      });
      expect(paired.map((a) => a.householdId).sort()).toEqual([...ids].sort());
      expect(paired.every((a) => leaders.includes(a.cadreId))).toBe(true);
    });
  });

  it('before the patch, the same run writes each row with an activity of its own', async () => {
    await stack.run(
      async () => {
        const { handle } = await admitAndVisitWithFinding(stack, town);
        const { local } = await activitiesRun(handle);
        expect(local).not.toContain('recordAdmission');
        expect(local.filter((type) => type === 'notify').length).toBe(4);
      },
      { patchesOff: [PATCHES.oneWritePerTransition, PATCHES.admissionInOneActivity] },
    );
  });
});
