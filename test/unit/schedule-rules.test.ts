// When the household workflow wakes and what is due then (workflows/household/schedule.ts), from
// the rules of DOMAIN.md: the visit cadence per category and under a shock, the reminder before a
// due date, the ladder's rungs after it, the public notice and the closing steps' deadlines.
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, POLICY_2026_1, type Policy } from '../../policy/index.js';
import type { ClosingProgress, HouseholdState, OpenTask } from '../../workflows/household/definitions.js';
import {
  closingOverdueAt,
  isDue,
  nextEscalation,
  nextWakeAt,
  publicNoticeEndsAt,
  reminderAt,
  visitIntervalDays,
} from '../../workflows/household/schedule.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const at = (iso: string, plusMs = 0) => new Date(Date.parse(iso) + plusMs).toISOString();

const T0 = '2025-03-01T00:00:00.000Z';

const task = (over: Partial<OpenTask> = {}): OpenTask => ({
  id: 't1',
  kind: 'VISIT',
  assigneeId: 'c1',
  openedAt: T0,
  dueAt: at(T0, 7 * DAY),
  reason: '',
  reminded: false,
  rung: 0,
  ...over,
});

const state = (over: Partial<HouseholdState> = {}): HouseholdState => ({
  householdId: 'h',
  workflowId: 'household-h',
  chainId: 'c',
  policy: DEFAULT_POLICY,
  facts: { category: 'MONITORED', memberCount: 3, labourClass: 'CLASS_1', hasLabour: true },
  status: 'SUPERVISED',
  admittedAt: T0,
  cadres: {},
  seq: 0,
  openTasks: [],
  nextVisitAt: at(T0, 30 * DAY),
  visits: [],
  measures: [],
  exitCriteria: [],
  ...over,
});

const closing = (step: ClosingProgress['step'], over: Partial<ClosingProgress> = {}): ClosingProgress => ({
  step,
  stepStartedAt: T0,
  steps: [],
  criteria: [],
  notices: true,
  ...over,
});

describe('visitIntervalDays: the visit cadence', () => {
  it('is the category’s own cadence', () => {
    const policy: Policy = {
      ...DEFAULT_POLICY,
      visitEveryDays: { UNLIFTED: 10, MONITORED: 20, MARGINAL: 40 },
    };
    const of = (category: HouseholdState['facts']['category']) =>
      visitIntervalDays(state({ policy, facts: { ...state().facts, category } }), T0);
    expect([of('UNLIFTED'), of('MONITORED'), of('MARGINAL')]).toEqual([10, 20, 40]);
  });

  it('is the shock’s cadence until the shock’s last instant, and the regular one from its end', () => {
    const shocked = state({ shockUntil: at(T0, 28 * DAY) });
    expect(visitIntervalDays(shocked, T0)).toBe(DEFAULT_POLICY.shock.extraVisitEveryDays);
    expect(visitIntervalDays(shocked, at(T0, 28 * DAY - 1))).toBe(DEFAULT_POLICY.shock.extraVisitEveryDays);
    expect(visitIntervalDays(shocked, at(T0, 28 * DAY))).toBe(30);
    expect(visitIntervalDays(shocked, at(T0, 40 * DAY))).toBe(30);
  });

  it('never lengthens a cadence already shorter than the shock’s', () => {
    const policy: Policy = {
      ...DEFAULT_POLICY,
      visitEveryDays: { ...DEFAULT_POLICY.visitEveryDays, UNLIFTED: 5 },
    };
    const unlifted = state({
      policy,
      facts: { ...state().facts, category: 'UNLIFTED' },
      shockUntil: at(T0, DAY),
    });
    expect(visitIntervalDays(unlifted, T0)).toBe(5);
  });
});

describe('reminderAt: the reminder before a due date', () => {
  it('comes reminderLeadHours before the due date', () => {
    expect(reminderAt(state(), task())).toBe(at(T0, 7 * DAY - DEFAULT_POLICY.reminderLeadHours * HOUR));
  });

  it('is left out when it would come at or before the task’s opening', () => {
    expect(reminderAt(state(), task({ dueAt: at(T0, 24 * HOUR) }))).toBeUndefined();
    expect(reminderAt(state(), task({ dueAt: at(T0, 24 * HOUR + 1) }))).toBe(at(T0, 1));
  });
});

describe('nextEscalation: the ladder after the due date', () => {
  it('gives each rung at its grace hours added up after the due date, then nothing', () => {
    const due = task().dueAt;
    const rungs = [0, 1, 2, 3, 4].map((rung) => nextEscalation(state(), task({ rung })));
    expect(rungs.map((r) => r?.at)).toEqual([
      at(due, 0),
      at(due, 48 * HOUR),
      at(due, 96 * HOUR),
      at(due, 168 * HOUR),
      at(due, 240 * HOUR),
    ]);
    expect(rungs.map((r) => r?.step.rank)).toEqual([
      'ASSIGNED',
      'VILLAGE_LEADER',
      'LEADER_IN_CHARGE',
      'TOWNSHIP_HEAD',
      'PARTY_SECRETARY',
    ]);
    expect(nextEscalation(state(), task({ rung: 5 }))).toBeUndefined();
  });
});

describe('publicNoticeEndsAt and closingOverdueAt', () => {
  it('the notice ends only during the 公示 step', () => {
    expect(
      publicNoticeEndsAt(state({ status: 'CLOSING', closing: closing('VILLAGE_REVIEW') })),
    ).toBeUndefined();
    expect(publicNoticeEndsAt(state())).toBeUndefined();
  });

  it('a step is overdue after its days under 2026.1, then again each grace period', () => {
    const grace = POLICY_2026_1.closingOverdue?.graceHours ?? 0;
    const days = POLICY_2026_1.closingProcedureDays.VILLAGE_REVIEW;
    const closingState = (over: Partial<ClosingProgress> = {}) =>
      state({ policy: POLICY_2026_1, status: 'CLOSING', closing: closing('VILLAGE_REVIEW', over) });
    expect(closingOverdueAt(closingState())).toBe(at(T0, days * DAY));
    expect(closingOverdueAt(closingState({ overdueNotices: 1 }))).toBe(at(T0, days * DAY + grace * HOUR));
    // Not for a closing started before the notices, nor once the household is no longer closing.
    expect(closingOverdueAt(closingState({ notices: false }))).toBeUndefined();
    expect(closingOverdueAt({ ...closingState(), status: 'SUPERVISED' })).toBeUndefined();
    // Policies before 2026.1 have no closing deadlines.
    expect(closingOverdueAt({ ...closingState(), policy: DEFAULT_POLICY })).toBeUndefined();
  });
});

describe('nextWakeAt: the earliest thing due', () => {
  it('is the next visit when nothing else is open', () => {
    expect(nextWakeAt(state())).toBe(at(T0, 30 * DAY));
  });

  it('is a task’s reminder, then (once reminded) its first rung, when those come before the next visit', () => {
    const open = task();
    const lead = DEFAULT_POLICY.reminderLeadHours * HOUR;
    expect(nextWakeAt(state({ openTasks: [open] }))).toBe(at(open.dueAt, -lead));
    expect(nextWakeAt(state({ openTasks: [{ ...open, reminded: true }] }))).toBe(open.dueAt);
  });

  it('leaves out a task that has climbed every rung (nothing more to wait for)', () => {
    const climbed = task({ reminded: true, rung: DEFAULT_POLICY.escalationLadder.length });
    expect(nextWakeAt(state({ openTasks: [climbed] }))).toBe(at(T0, 30 * DAY));
  });

  it('takes the earliest over several tasks, whatever their order', () => {
    const late = task({ id: 'late', dueAt: at(T0, 20 * DAY), reminded: true });
    const soon = task({ id: 'soon', dueAt: at(T0, 3 * DAY), reminded: true });
    expect(nextWakeAt(state({ openTasks: [late, soon] }))).toBe(soon.dueAt);
    expect(nextWakeAt(state({ openTasks: [soon, late] }))).toBe(soon.dueAt);
  });

  it('is the end of the 公示, or a closing step’s deadline, when those come first', () => {
    const notice = state({ status: 'CLOSING', closing: closing('PUBLIC_NOTICE') });
    expect(nextWakeAt(notice)).toBe(at(T0, DEFAULT_POLICY.closingProcedureDays.PUBLIC_NOTICE * DAY));
    const review = state({ policy: POLICY_2026_1, status: 'CLOSING', closing: closing('VILLAGE_REVIEW') });
    expect(nextWakeAt(review)).toBe(at(T0, POLICY_2026_1.closingProcedureDays.VILLAGE_REVIEW * DAY));
  });

  it('is nothing while paused or once supervision has ended', () => {
    for (const status of ['PAUSED', 'STABLY_OUT', 'CANCELLED', 'ADMITTING'] as const)
      expect(nextWakeAt(state({ status, openTasks: [task()] }))).toBeUndefined();
  });
});

describe('isDue', () => {
  it('is due at the instant itself and after it, not before, and never for no time at all', () => {
    expect(isDue(T0, T0)).toBe(true);
    expect(isDue(T0, at(T0, 1))).toBe(true);
    expect(isDue(T0, at(T0, -1))).toBe(false);
    expect(isDue(undefined, T0)).toBe(false);
  });
});
