// Rules a one-line slip would break without any other test noticing (issue: "Tests that catch the
// bugs"). Each case is chosen so the named mutation changes the answer: boundaries hit exactly,
// policy values that differ where the defaults happen to coincide, inputs the wider suites lack.
import { describe, expect, it } from 'vitest';
import {
  assessStableExit,
  checkMeasureCaps,
  DEFAULT_POLICY,
  type ExitVisit,
  escalationSchedule,
  evaluateVisit,
  type HouseholdFacts,
  type MeasureReceived,
  type Policy,
  type VisitRecord,
  visitRecordSchema,
} from '../../policy/index.js';
import type { HouseholdState, VisitSummary } from '../../workflows/household/definitions.js';
import { publicNoticeEndsAt } from '../../workflows/household/schedule.js';
import { exitVisits } from '../../workflows/household/visits.js';
import { compliantRecord } from '../helpers/visit-records.js';

const policyWith = (change: (p: Policy) => void): Policy => {
  const policy = structuredClone(DEFAULT_POLICY);
  change(policy);
  return policy;
};
const facts: HouseholdFacts = {
  category: 'MONITORED',
  memberCount: 3,
  labourClass: 'CLASS_2',
  hasLabour: true,
};
const visit = (visitedAt: string, over: Partial<ExitVisit> = {}): ExitVisit => ({
  visitedAt,
  compliant: true,
  measuresCount: 0,
  guaranteesSecured: true,
  ...over,
});
const monthly = (count: number, fromMonth = 1): ExitVisit[] =>
  Array.from({ length: count }, (_, i) =>
    visit(`2025-${String(fromMonth + i).padStart(2, '0')}-10T09:00:00+08:00`),
  );
const criterion = (key: string, criteria: Array<{ key: string; met: boolean }>) =>
  criteria.find((c) => c.key === key)?.met;

describe('stable exit (policy/stable-exit.ts)', () => {
  const base = {
    admittedAt: '2024-01-01T00:00:00+08:00',
    openFollowUps: 0,
    hasLabour: true,
    labourClass: 'CLASS_2' as const,
  };

  it('measures the stable span from the run’s first visit to its LAST visit, not to now', () => {
    // Six compliant visits over five months, judged a year later: the span is still five months.
    const visits = monthly(6);
    const { criteria } = assessStableExit(DEFAULT_POLICY, {
      ...base,
      now: '2026-01-01T00:00:00+08:00',
      visits,
    });
    expect(criterion('STABLE_COMPLIANT_VISITS', criteria)).toBe(false);
    // One more month of visits reaches six whole months between the first and the last.
    const longer = assessStableExit(DEFAULT_POLICY, {
      ...base,
      now: '2026-01-01T00:00:00+08:00',
      visits: monthly(7),
    });
    expect(criterion('STABLE_COMPLIANT_VISITS', longer.criteria)).toBe(true);
  });

  it('counts exactly the minimum number of measures as enough', () => {
    const minimum = DEFAULT_POLICY.stableExit.minMeasures;
    const visits = monthly(7).map((v, i) => ({ ...v, measuresCount: i === 0 ? minimum : 0 }));
    const { criteria } = assessStableExit(DEFAULT_POLICY, {
      ...base,
      now: '2026-01-01T00:00:00+08:00',
      visits,
    });
    expect(criterion('MEASURES_RECEIVED', criteria)).toBe(true);
    const none = visits.map((v) => ({ ...v, measuresCount: 0 }));
    const without = assessStableExit(DEFAULT_POLICY, {
      ...base,
      now: '2026-01-01T00:00:00+08:00',
      visits: none,
    });
    expect(criterion('MEASURES_RECEIVED', without.criteria)).toBe(minimum === 0);
  });
});

describe('measure caps (policy/measure-caps.ts)', () => {
  it('adds up the persons of two entries of one per-person kind in a record', () => {
    // 务工补助 (省外 1,800 元/人): 2 + 1 persons allow 5,400 元; counting the larger entry alone (2)
    // would allow only 3,600 and refuse this record.
    const kind = 'LABOUR_TRANSFER_OUT_OF_PROVINCE' as const;
    const cap = DEFAULT_POLICY.measureCaps[kind]?.perPersonYuan;
    expect(cap).toBeGreaterThan(0);
    const perPerson = cap ?? 0;
    const measures: MeasureReceived[] = [
      { kind, amountYuan: perPerson * 2, persons: 2 },
      { kind, amountYuan: perPerson, persons: 1 },
    ];
    expect(checkMeasureCaps(DEFAULT_POLICY, facts, measures)).toEqual([]);
    const over = [...measures, { kind, amountYuan: 1, persons: 0 }];
    expect(checkMeasureCaps(DEFAULT_POLICY, facts, over).map((v) => v.reason)).toContain('PER_PERSON');
  });
});

describe('findings (policy/findings.ts)', () => {
  it('gives each kind of finding its own due days from the policy', () => {
    const policy = policyWith((p) => {
      p.followUpDueDays = { GUARANTEE_FAILED: 3, INCOME_BELOW_LINE: 30, CAP_EXCEEDED: 11, LARGE_COST: 15 };
    });
    const record: VisitRecord = visitRecordSchema.parse(
      compliantRecord('c1', '2025-03-01T09:00:00+08:00', {
        guarantees: {
          food: { ok: false, note: '缺粮' },
          clothing: { ok: true },
          education: { ok: true },
          medical: { ok: true },
          housing: { ok: true },
          water: { ok: true },
        },
        measures: [{ kind: 'INDUSTRY_SUBSIDY', amountYuan: 40_000 }],
      }),
    );
    const byKind = Object.fromEntries(evaluateVisit(policy, facts, record).map((f) => [f.kind, f.dueDays]));
    expect(byKind).toEqual({ GUARANTEE_FAILED: 3, CAP_EXCEEDED: 11 });
  });
});

describe('escalation (policy/escalation.ts)', () => {
  it('waits the first rung’s own grace before telling the assignee', () => {
    const policy = policyWith((p) => {
      p.escalationLadder = [
        { rank: 'ASSIGNED', graceHours: 6 },
        { rank: 'VILLAGE_LEADER', graceHours: 24 },
      ];
    });
    expect(escalationSchedule(policy).map((s) => s.hoursAfterDue)).toEqual([6, 30]);
  });
});

describe('the visits the stable exit counts (workflows/household/visits.ts)', () => {
  const summary = (over: Partial<VisitSummary>): VisitSummary => ({
    taskId: 't',
    visitedAt: '2025-03-01T09:00:00+08:00',
    perCapitaIncomeYuan: 6500,
    guaranteesSecured: true,
    largeCosts: [],
    measuresCount: 1,
    ...over,
  });

  it('does not count a visit under the income line as compliant, even with every guarantee met', () => {
    const line = DEFAULT_POLICY.incomeLineYuanPerPersonYear;
    const [under, over] = exitVisits(DEFAULT_POLICY, [
      summary({ perCapitaIncomeYuan: line - 1 }),
      summary({ perCapitaIncomeYuan: line }),
    ]);
    expect(under?.compliant).toBe(false);
    expect(over?.compliant).toBe(true);
  });
});

describe('the public notice (workflows/household/schedule.ts)', () => {
  it('lasts exactly the policy’s days from the start of the step', () => {
    const startedAt = '2025-06-01T08:00:00.000Z';
    const state = {
      policy: DEFAULT_POLICY,
      closing: { step: 'PUBLIC_NOTICE', stepStartedAt: startedAt, steps: [], criteria: [] },
    } as unknown as HouseholdState;
    const days = DEFAULT_POLICY.closingProcedureDays.PUBLIC_NOTICE;
    expect(days).toBeGreaterThanOrEqual(5);
    expect(publicNoticeEndsAt(state)).toBe(new Date(Date.parse(startedAt) + days * 86_400_000).toISOString());
  });
});
