// The board's 识别纳入 panel: open cases counted by step, the steps past their deadline and the cases
// past the whole procedure's limit (each listed).
import type { PrismaClient } from '../../db/client.js';
import { IDENTIFICATION_STEP_LABELS, IDENTIFICATION_STEPS } from '../../policy/index.js';
import { caseInclude, type IdentificationCaseRow, toCaseRow } from './identification-cases.js';

export interface IdentificationBoard {
  byStep: Array<{ step: string; stepLabel: string; count: number }>;
  open: number;
  /** Open cases whose current step is past its deadline (the notice never is). */
  stepOverdue: IdentificationCaseRow[];
  /** Open cases past the whole procedure's limit. */
  overLimit: IdentificationCaseRow[];
}

export async function identificationBoard(prisma: PrismaClient, now: Date): Promise<IdentificationBoard> {
  const include = caseInclude;
  const [counts, stepOverdue, overLimit] = await Promise.all([
    prisma.identificationCase.groupBy({ by: ['step'], where: { status: 'OPEN' }, _count: { _all: true } }),
    prisma.identificationCase.findMany({
      where: { status: 'OPEN', step: { not: 'PUBLIC_NOTICE' }, stepDueAt: { lt: now } },
      include,
      orderBy: [{ stepDueAt: 'asc' }, { id: 'asc' }],
      take: 200,
    }),
    prisma.identificationCase.findMany({
      where: { status: 'OPEN', limitAt: { lt: now } },
      include,
      orderBy: [{ limitAt: 'asc' }, { id: 'asc' }],
      take: 200,
    }),
  ]);
  const countOf = new Map(counts.map((c) => [c.step, c._count._all]));
  return {
    byStep: IDENTIFICATION_STEPS.map((step) => ({
      step,
      stepLabel: IDENTIFICATION_STEP_LABELS[step],
      count: countOf.get(step) ?? 0,
    })),
    open: counts.reduce((sum, c) => sum + c._count._all, 0),
    stepOverdue: stepOverdue.map((c) => toCaseRow(c, now)),
    overLimit: overLimit.map((c) => toCaseRow(c, now)),
  };
}
