import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, POLICY_2024_2, type VisitRecord, visitRecordSchema } from '../../policy/index.js';
import type { HouseholdState } from '../../workflows/household/definitions.js';
import { boundedMeasures, findingsOf } from '../../workflows/household/visits.js';
import { compliantRecord } from '../helpers/visit-records.js';

const state = (over: Partial<HouseholdState> = {}): HouseholdState => ({
  householdId: 'h',
  workflowId: 'household-h',
  chainId: 'c',
  policy: DEFAULT_POLICY,
  facts: { category: 'MONITORED', memberCount: 3, labourClass: 'CLASS_1', hasLabour: true },
  status: 'SUPERVISED',
  admittedAt: '2021-01-01T00:00:00Z',
  cadres: {},
  seq: 0,
  openTasks: [],
  nextVisitAt: '2021-02-01T00:00:00Z',
  visits: [],
  measures: [],
  exitCriteria: [],
  ...over,
});

/** A visit a month with a 公益岗 wage, an industry subsidy and, every other month, 务工补助. */
function monthlyVisit(month: number): VisitRecord {
  const visitedAt = new Date(Date.UTC(2021, month, 10, 1)).toISOString();
  const measures: VisitRecord['measures'] = [
    { kind: 'PUBLIC_WELFARE_POST', amountYuan: 700 },
    { kind: 'INDUSTRY_SUBSIDY', amountYuan: 600 + (month % 5) * 10 },
    ...(month % 2 === 0
      ? [{ kind: 'LABOUR_TRANSFER_IN_PROVINCE' as const, amountYuan: 300, persons: 2 }]
      : []),
  ];
  return visitRecordSchema.parse(compliantRecord('c1', visitedAt, { measures }));
}

const findingNames = (s: HouseholdState, record: VisitRecord) =>
  findingsOf(s, record).map((f) => `${f.kind}:${f.item}`);

describe('boundedMeasures: the measures kept for the caps stay bounded, the findings stay the same', () => {
  it('over five years of monthly visits, with an upgrade to the per-year caps of 2024.2 in the third', () => {
    let whole = state();
    let bounded = state();
    let reported = 0;
    for (let month = 0; month < 60; month++) {
      if (month === 30) {
        whole = { ...whole, policy: POLICY_2024_2 };
        bounded = { ...bounded, policy: POLICY_2024_2 };
      }
      const record = monthlyVisit(month);
      const expected = findingNames(whole, record);
      expect(findingNames(bounded, record), `month ${month}`).toEqual(expected);
      reported += expected.length;
      const received = record.measures.map((m) => ({ ...m, visitedAt: record.visitedAt }));
      whole = { ...whole, measures: [...whole.measures, ...received] };
      bounded = { ...bounded, measures: [...bounded.measures, ...received] };
      bounded = { ...bounded, measures: boundedMeasures(bounded, record.visitedAt) };
    }
    // The caps were passed (the comparison above means something) and the list stopped growing:
    // one merged entry per kind plus the last 12 to 13 months of measures (2 or 3 a month).
    expect(reported).toBeGreaterThan(10);
    expect(whole.measures.length).toBe(150);
    expect(bounded.measures.length).toBeLessThanOrEqual(3 + 13 * 3);
  });

  it('keeps what a task opened long ago may still count: its record can be dated back to its opening', () => {
    const old = '2021-01-05T00:00:00.000Z';
    const s = state({
      measures: [{ kind: 'PUBLIC_WELFARE_POST', amountYuan: 700, visitedAt: old }],
      openTasks: [
        {
          id: 't1',
          kind: 'FOLLOW_UP',
          assigneeId: 'c1',
          openedAt: '2021-01-06T00:00:00.000Z',
          dueAt: '2021-01-13T00:00:00.000Z',
          reason: '',
          reminded: false,
          rung: 4,
        },
      ],
    });
    // Two years on, the follow-up opened in 2021 is still open: its record may be dated 2021.
    expect(boundedMeasures(s, '2023-01-10T00:00:00.000Z')).toEqual(s.measures);
    expect(boundedMeasures({ ...s, openTasks: [] }, '2023-01-10T00:00:00.000Z')).toEqual([
      { kind: 'PUBLIC_WELFARE_POST', amountYuan: 700, persons: 1, visitedAt: old },
    ]);
  });

  it('keeps undated measures (from runs before dates were kept) as they are', () => {
    const undated = { kind: 'INDUSTRY_SUBSIDY' as const, amountYuan: 5000 };
    expect(boundedMeasures(state({ measures: [undated] }), '2025-01-01T00:00:00.000Z')).toEqual([undated]);
  });
});
