// What the workflow keeps of a visit and decides on (workflows/household/visits.ts): the summary the
// stable exit re-judges under the policy in force, and the running totals of measures against
// their caps (DOMAIN: "the system refuses an amount over its cap"; 每人每年 caps count a year).
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_POLICY,
  MEASURE_KIND_LABELS,
  POLICY_2024_2,
  type VisitRecord,
  visitRecordSchema,
} from '../../policy/index.js';
import type { HouseholdState } from '../../workflows/household/definitions.js';
import { exitVisits, findingsOf, summariseVisit } from '../../workflows/household/visits.js';
import { compliantRecord } from '../helpers/visit-records.js';

const VISITED_AT = '2025-03-01T09:00:00+08:00';
const okGuarantees = compliantRecord('c1', VISITED_AT).guarantees;
const record = (over: Parameters<typeof compliantRecord>[2] = {}): VisitRecord =>
  visitRecordSchema.parse(compliantRecord('c1', VISITED_AT, over));

const state = (over: Partial<HouseholdState> = {}): HouseholdState => ({
  householdId: 'h',
  workflowId: 'household-h',
  chainId: 'c',
  policy: DEFAULT_POLICY,
  facts: { category: 'MONITORED', memberCount: 3, labourClass: 'CLASS_1', hasLabour: true },
  status: 'SUPERVISED',
  admittedAt: '2025-01-01T00:00:00Z',
  cadres: {},
  seq: 0,
  openTasks: [],
  nextVisitAt: '2025-02-01T00:00:00Z',
  visits: [],
  measures: [],
  exitCriteria: [],
  ...over,
});

describe('summariseVisit: what is kept of a visit', () => {
  it('keeps the time, income, whether every guarantee held, the large costs and how many measures', () => {
    const summary = summariseVisit(
      't9',
      record({
        perCapitaIncomeYuan: 5200,
        guarantees: { ...okGuarantees, medical: { ok: false, note: '未参保' } },
        measures: [
          { kind: 'INDUSTRY_SUBSIDY', amountYuan: 1000 },
          { kind: 'PUBLIC_WELFARE_POST', amountYuan: 2000 },
        ],
        largeCosts: [{ description: '住院', amountYuan: 12_000, resolved: false }],
      }),
    );
    expect(summary).toEqual({
      taskId: 't9',
      visitedAt: VISITED_AT,
      perCapitaIncomeYuan: 5200,
      guaranteesSecured: false,
      largeCosts: [{ amountYuan: 12_000, resolved: false }],
      measuresCount: 2,
    });
    expect(summariseVisit('t1', record()).guaranteesSecured).toBe(true);
  });
});

describe('exitVisits: a kept visit judged for the stable exit', () => {
  const judged = (over: Parameters<typeof compliantRecord>[2]) =>
    exitVisits(DEFAULT_POLICY, [summariseVisit('t', record(over))])[0];

  it('is compliant with every guarantee, income at the line and no large cost left unresolved', () => {
    expect(judged({})).toEqual({
      visitedAt: VISITED_AT,
      measuresCount: 1,
      guaranteesSecured: true,
      compliant: true,
    });
  });

  it('is not compliant with a failed guarantee, or an unresolved cost at or above the threshold', () => {
    expect(judged({ guarantees: { ...okGuarantees, water: { ok: false } } })).toMatchObject({
      guaranteesSecured: false,
      compliant: false,
    });
    const threshold = DEFAULT_POLICY.largeCostThresholdYuan;
    const cost = (amountYuan: number, resolved: boolean) =>
      judged({ largeCosts: [{ description: '医疗', amountYuan, resolved }] });
    expect(cost(threshold, false)?.compliant).toBe(false);
    expect(cost(threshold - 1, false)?.compliant).toBe(true);
    expect(cost(threshold * 3, true)?.compliant).toBe(true);
  });
});

describe('findingsOf: totals over the supervision against the caps', () => {
  it('reports a total over a per-person cap as a cap finding with its own due days', () => {
    const past = state({
      measures: [{ kind: 'PUBLIC_WELFARE_POST', amountYuan: 6000, visitedAt: '2025-01-10T09:00:00+08:00' }],
    });
    const findings = findingsOf(
      past,
      record({ measures: [{ kind: 'PUBLIC_WELFARE_POST', amountYuan: 6000 }] }),
    );
    expect(findings).toEqual([
      {
        kind: 'CAP_EXCEEDED',
        item: 'PUBLIC_WELFARE_POST',
        message: expect.stringMatching(
          new RegExp(`^累计${MEASURE_KIND_LABELS.PUBLIC_WELFARE_POST}合计 12000 元`),
        ),
        dueDays: DEFAULT_POLICY.followUpDueDays.CAP_EXCEEDED,
      },
    ]);
  });

  it('counts the persons of repeated payments once: the most named, not their sum', () => {
    // Two payments for the same two people (8,000 元 each): within 2 × 8,000 per person.
    const past = state({
      measures: [
        { kind: 'PUBLIC_WELFARE_POST', amountYuan: 8000, persons: 2, visitedAt: '2025-01-10T09:00:00+08:00' },
      ],
    });
    expect(
      findingsOf(past, record({ measures: [{ kind: 'PUBLIC_WELFARE_POST', amountYuan: 8000, persons: 2 }] })),
    ).toEqual([]);
    // A third payment passes it: persons added up (6) would have hidden it.
    const twice = state({
      measures: [
        { kind: 'PUBLIC_WELFARE_POST', amountYuan: 8000, persons: 2, visitedAt: '2025-01-10T09:00:00+08:00' },
        { kind: 'PUBLIC_WELFARE_POST', amountYuan: 8000, persons: 2, visitedAt: '2025-02-10T09:00:00+08:00' },
      ],
    });
    const third = findingsOf(
      twice,
      record({ measures: [{ kind: 'PUBLIC_WELFARE_POST', amountYuan: 8000, persons: 2 }] }),
    );
    expect(third.map((f) => f.item)).toEqual(['PUBLIC_WELFARE_POST']);
  });

  it('adds no running-total finding for a refusal that is not about money (the visit’s own finding says it)', () => {
    const marginalOnly = state({
      measures: [{ kind: 'MARGINAL_PROJECT', amountYuan: 100, visitedAt: VISITED_AT }],
    });
    const findings = findingsOf(
      marginalOnly,
      record({ measures: [{ kind: 'MARGINAL_PROJECT', amountYuan: 100 }] }),
    );
    expect(findings.map((f) => f.message)).toEqual([expect.stringMatching(/只适用于边缘户/)]);
    expect(findings[0]?.message).not.toMatch(/^累计/);
  });

  it('a per-year cap counts the 12 months before the visit: not a payment 365 days before, but one a day later', () => {
    const paid = (visitedAt: string) =>
      state({
        policy: POLICY_2024_2,
        measures: [{ kind: 'PUBLIC_WELFARE_POST', amountYuan: 8000, visitedAt }],
      });
    const visit = record({ measures: [{ kind: 'PUBLIC_WELFARE_POST', amountYuan: 8000 }] });
    expect(findingsOf(paid('2024-03-01T09:00:00+08:00'), visit)).toEqual([]);
    expect(findingsOf(paid('2024-03-02T09:00:00+08:00'), visit).map((f) => f.item)).toEqual([
      'PUBLIC_WELFARE_POST',
    ]);
  });

  it('a measure the policy puts no cap on counts toward nothing and is no finding', () => {
    expect(DEFAULT_POLICY.measureCaps.FIVE_SMALL_INDUSTRIES).toBeUndefined();
    const uncapped = state({
      policy: POLICY_2024_2,
      measures: [
        { kind: 'FIVE_SMALL_INDUSTRIES', amountYuan: 50_000, visitedAt: '2025-01-10T09:00:00+08:00' },
      ],
    });
    expect(
      findingsOf(uncapped, record({ measures: [{ kind: 'FIVE_SMALL_INDUSTRIES', amountYuan: 50_000 }] })),
    ).toEqual([]);
  });

  it('a payment kept without a date (runs from before dates were kept) always counts', () => {
    const undated = state({
      policy: POLICY_2024_2,
      measures: [{ kind: 'PUBLIC_WELFARE_POST', amountYuan: 8000 }],
    });
    const visit = record({ measures: [{ kind: 'PUBLIC_WELFARE_POST', amountYuan: 8000 }] });
    expect(findingsOf(undated, visit).map((f) => f.item)).toEqual(['PUBLIC_WELFARE_POST']);
  });
});
