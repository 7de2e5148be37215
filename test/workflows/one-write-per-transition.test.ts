import type { WorkflowHandle } from '@temporalio/client';
import { beforeAll, describe, expect, it } from 'vitest';
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

  it('admits with the pairing and one write, opens each task with its notice in one write, every row once', async () => {
    await stack.run(async () => {
      const { handle, householdId, admitted, visit, followUp } = await admitAndVisitWithFinding(stack, town);
      const { prisma } = stack;
      // The state the workflow keeps came from the one write: facts, village, both cadres.
      expect(admitted.status).toBe('SUPERVISED');
      expect(admitted.facts.memberCount).toBeGreaterThan(0);
      expect(admitted.village?.name).toBeTruthy();
      expect(admitted.cadres.assistance?.id).toBeTruthy();
      expect(admitted.cadres.leader?.id).toBeTruthy();

      const household = await prisma.household.findUniqueOrThrow({ where: { id: householdId } });
      expect(household.status).toBe('SUPERVISED');
      expect(await prisma.auditLog.count({ where: { householdId, action: 'SUPERVISION_STARTED' } })).toBe(1);
      const tasks = await prisma.task.findMany({ where: { householdId }, orderBy: { openedAt: 'asc' } });
      expect(tasks.map((t) => [t.id, t.kind, t.status])).toEqual([
        [visit.id, 'VISIT', 'DONE'],
        [followUp.id, 'FOLLOW_UP', 'OPEN'],
      ]);
      const notices = await prisma.notification.findMany({
        where: { householdId },
        select: { id: true, kind: true, cadreId: true, text: true },
      });
      expect(notices.map((n) => n.kind).sort()).toEqual(
        ['ASSIGNED', 'ASSIGNED', 'TASK_OPENED', 'TASK_OPENED'].sort(),
      );
      expect(notices.find((n) => n.id === `${followUp.id}/opened`)?.cadreId).toBe(followUp.assigneeId);
      expect(notices.every((n) => n.text.includes(household.headName))).toBe(true);

      const { local, remote } = await activitiesRun(handle);
      expect(remote).toEqual(['assignCadres']);
      // Admission: recordAdmission; the first visit: openTaskNotified; the visit record: completeTask;
      // its follow-up: openTaskNotified. Nothing else (no loadHousehold, notify, openTask, loadVillage).
      expect(local).toEqual(['recordAdmission', 'openTaskNotified', 'completeTask', 'openTaskNotified']);
      await recordHistory(handle, 'one-write-per-transition');
    });
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
      { patchesOff: [PATCHES.oneWritePerTransition] },
    );
  });
});
