import { describe, expect, it } from 'vitest';
import { cannotHeal } from '../../activities/failure-triage.js';
import { DEFAULT_POLICY, POLICY_2024_2, type VisitRecord, visitRecordSchema } from '../../policy/index.js';
import { Prisma } from '../../prisma/generated/client.js';
import type { HouseholdState, OpenTask } from '../../workflows/household/definitions.js';
import { shiftedByPause, shiftedByWholePause } from '../../workflows/household/schedule.js';
import { acceptedRecord } from '../../workflows/household/visit-handling.js';
import { findingsOf } from '../../workflows/household/visits.js';
import { compliantRecord } from '../helpers/visit-records.js';

// The tests' usual compliant visit, checked into the shape the workflow keeps.
const record = (measures: VisitRecord['measures']): VisitRecord =>
  visitRecordSchema.parse(compliantRecord('c1', '2025-03-01T09:00:00+08:00', { measures }));

const task = (id: string, openedAt: string, dueAt: string): OpenTask => ({
  id,
  kind: 'VISIT',
  assigneeId: 'c1',
  openedAt,
  dueAt,
  reason: '',
  reminded: false,
  rung: 0,
});

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

describe('findingsOf: the running total of a measure against its cap', () => {
  const past = state({ measures: [{ kind: 'INDUSTRY_SUBSIDY', amountYuan: 35_000 }] });

  it('is reported for a kind this visit received', () => {
    const findings = findingsOf(past, record([{ kind: 'INDUSTRY_SUBSIDY', amountYuan: 100 }]));
    expect(findings.map((f) => `${f.kind}:${f.item}`)).toEqual(['CAP_EXCEEDED:INDUSTRY_SUBSIDY']);
  });

  it('is not reported again at a later visit that received none of it', () => {
    expect(findingsOf(past, record([]))).toEqual([]);
  });

  it('was reported at every visit before the patch (kept for replaying old histories)', () => {
    expect(
      findingsOf(past, record([]), { onlyKindsInVisit: false, yearlyWindow: false }).map((f) => f.kind),
    ).toEqual(['CAP_EXCEEDED']);
  });
});

describe('findingsOf: a per-year cap (公益岗 8,000 元/人/年 under policy 2024.2)', () => {
  const post = (visitedAt: string) => ({ kind: 'PUBLIC_WELFARE_POST' as const, amountYuan: 8000, visitedAt });
  const atVisit = (visitedAt: string) => ({
    ...record([{ kind: 'PUBLIC_WELFARE_POST', amountYuan: 8000 }]),
    visitedAt,
  });

  it("counts only the 12 months before the visit: a second year's pay is within the cap", () => {
    const lastYear = state({ policy: POLICY_2024_2, measures: [post('2024-02-20T09:00:00+08:00')] });
    expect(findingsOf(lastYear, atVisit('2025-03-01T09:00:00+08:00'))).toEqual([]);
  });

  it('reports a second payment within the same 12 months', () => {
    const recent = state({ policy: POLICY_2024_2, measures: [post('2024-12-01T09:00:00+08:00')] });
    expect(findingsOf(recent, atVisit('2025-03-01T09:00:00+08:00')).map((f) => f.item)).toEqual([
      'PUBLIC_WELFARE_POST',
    ]);
  });

  it('keeps counting the whole supervision under policy 2024.1, whose cap is not marked per year', () => {
    const lastYear = state({ measures: [post('2024-02-20T09:00:00+08:00')] });
    expect(findingsOf(lastYear, atVisit('2025-03-01T09:00:00+08:00')).map((f) => f.item)).toEqual([
      'PUBLIC_WELFARE_POST',
    ]);
  });
});

describe('shiftedByPause', () => {
  const pausedAt = '2025-03-01T00:00:00.000Z';
  const resumedAt = '2025-03-11T00:00:00.000Z'; // ten days
  const shifted = shiftedByPause(
    state({
      nextVisitAt: '2025-03-05T00:00:00.000Z',
      shockUntil: '2025-03-20T00:00:00.000Z',
      openTasks: [
        task('before', '2025-02-25T00:00:00.000Z', '2025-03-04T00:00:00.000Z'),
        task('during', '2025-03-06T00:00:00.000Z', '2025-03-13T00:00:00.000Z'),
      ],
    }),
    pausedAt,
    resumedAt,
  );

  it('moves a task opened before the pause by the whole pause', () => {
    expect(shifted.openTasks[0]?.dueAt).toBe('2025-03-14T00:00:00.000Z');
  });

  it('moves a task opened during the pause only by the part it lived through', () => {
    expect(shifted.openTasks[1]?.dueAt).toBe('2025-03-18T00:00:00.000Z');
  });

  it('moves the next visit and the end of a shock by the whole pause', () => {
    expect(shifted.nextVisitAt).toBe('2025-03-15T00:00:00.000Z');
    expect(shifted.shockUntil).toBe('2025-03-30T00:00:00.000Z');
  });
});

describe('a record as the validator accepted it (the completeTask handler never re-validates)', () => {
  it('gives what the schema gives for an accepted record: trimmed, filled in, unknown fields dropped', () => {
    const input = {
      ...compliantRecord(' c1 ', '2025-03-01T09:00:00+08:00', {
        measures: [{ kind: 'INDUSTRY_SUBSIDY', amountYuan: 1000 }],
        largeCosts: [{ description: ' 住院 ', amountYuan: 3000, resolved: true }],
      }),
      extra: 'dropped',
    };
    delete (input as { notes?: string }).notes;
    expect(acceptedRecord(input)).toEqual(visitRecordSchema.parse(input));
  });

  it('never rejects: notes longer than today’s limit (accepted by an older schema) are kept', () => {
    const input = compliantRecord('c1', '2025-03-01T09:00:00+08:00', { notes: '旧'.repeat(5000) });
    expect(visitRecordSchema.safeParse(input).success).toBe(false);
    expect(acceptedRecord(input).notes).toHaveLength(5000);
  });
});

describe('the pause shift of runs resumed before pause-shift-lived-through', () => {
  it('moves every due date and the next visit by the whole pause, and leaves the shock alone', () => {
    const s = state({
      openTasks: [task('t1', '2025-03-05T00:00:00Z', '2025-03-12T00:00:00Z')],
      nextVisitAt: '2025-03-20T00:00:00Z',
      shockUntil: '2025-03-30T00:00:00Z',
    });
    const shifted = shiftedByWholePause(s, 10 * 86_400_000);
    expect(shifted.openTasks[0]?.dueAt).toBe('2025-03-22T00:00:00.000Z');
    expect(shifted.nextVisitAt).toBe('2025-03-30T00:00:00.000Z');
    expect('shockUntil' in shifted).toBe(false);
  });
});

describe('activity failures retrying cannot heal', () => {
  const known = (code: string) =>
    new Prisma.PrismaClientKnownRequestError('x', { code, clientVersion: 'test' });
  it('are a row not found, data PostgreSQL refuses, and bugs in our own code', () => {
    expect(cannotHeal(known('P2025'))).toBe(true);
    expect(cannotHeal(known('P2003'))).toBe(true);
    expect(cannotHeal(new TypeError("Cannot read properties of undefined (reading 'name')"))).toBe(true);
  });
  it('are not a lost connection, a timeout or a conflicting transaction', () => {
    expect(cannotHeal(known('P1001'))).toBe(false);
    expect(cannotHeal(known('P2034'))).toBe(false);
    expect(cannotHeal(new Error('connect ECONNREFUSED 127.0.0.1:5432'))).toBe(false);
  });
});
