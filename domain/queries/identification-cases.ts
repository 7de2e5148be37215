// 识别纳入 cases as the pages and the API show them: the list (open first), one case with its steps
// and deadlines, and a household's identification history.
import type { PrismaClient } from '../../db/client.js';
import {
  IDENTIFICATION_SOURCE_LABELS,
  IDENTIFICATION_STATUS_LABELS,
  IDENTIFICATION_STEP_LABELS,
  type IdentificationSource,
  type IdentificationStatus,
  type IdentificationStep,
} from '../../policy/index.js';
import type { Prisma } from '../../prisma/generated/client.js';
import { iso } from './shared.js';

const label = <K extends string>(labels: Record<K, string>, key: string) => labels[key as K] ?? key;

export interface IdentificationStepRow {
  step: string;
  stepLabel: string;
  assignee: { id: string; name: string } | null;
  startedAt: string;
  dueAt: string;
  completedAt: string | null;
  decision: string | null;
  note: string;
  /** Open past its deadline (the notice never is: it ends on its own). */
  overdue: boolean;
}

export interface IdentificationCaseRow {
  id: string;
  workflowId: string;
  household: {
    id: string;
    number: string;
    headName: string;
    status: string;
    village: { id: string; name: string };
  };
  source: string;
  sourceLabel: string;
  reason: string;
  raisedAt: string;
  raisedBy: string;
  status: string;
  statusLabel: string;
  step: string;
  stepLabel: string;
  stepDueAt: string | null;
  limitAt: string;
  /** Still open past the whole procedure's limit. */
  overLimit: boolean;
  outcomeReason: string;
  closedAt: string | null;
}

export interface IdentificationCaseDetail extends IdentificationCaseRow {
  policyVersion: string;
  steps: IdentificationStepRow[];
}

/** What a case row shows of its household (the board's panel reads the same). */
export const caseInclude = {
  household: {
    select: {
      id: true,
      number: true,
      headName: true,
      status: true,
      village: { select: { id: true, name: true } },
    },
  },
} as const satisfies Prisma.IdentificationCaseInclude;

type CaseWithHousehold = Prisma.IdentificationCaseGetPayload<{ include: typeof caseInclude }>;

export function toCaseRow(c: CaseWithHousehold, now: Date): IdentificationCaseRow {
  return {
    id: c.id,
    workflowId: c.workflowId,
    household: c.household,
    source: c.source,
    sourceLabel: label<IdentificationSource>(IDENTIFICATION_SOURCE_LABELS, c.source),
    reason: c.reason,
    raisedAt: iso(c.raisedAt),
    raisedBy: c.raisedBy,
    status: c.status,
    statusLabel: label<IdentificationStatus>(IDENTIFICATION_STATUS_LABELS, c.status),
    step: c.step,
    stepLabel: label<IdentificationStep>(IDENTIFICATION_STEP_LABELS, c.step),
    stepDueAt: c.stepDueAt ? iso(c.stepDueAt) : null,
    limitAt: iso(c.limitAt),
    overLimit: c.status === 'OPEN' && c.limitAt.getTime() < now.getTime(),
    outcomeReason: c.outcomeReason,
    closedAt: c.closedAt ? iso(c.closedAt) : null,
  };
}

/** Where a reader's cases are: all, or a cadre's villages, raised by them, or with a step of theirs. */
export function caseScopeWhere(
  scope: 'all' | { villageIds: string[]; cadreId: string },
): Prisma.IdentificationCaseWhereInput {
  if (scope === 'all') return {};
  return {
    OR: [
      { household: { villageId: { in: scope.villageIds } } },
      { raisedByCadreId: scope.cadreId },
      { steps: { some: { assigneeId: scope.cadreId } } },
    ],
  };
}

const MAX_LISTED = 500;

/** The cases a reader may see: open ones first (soonest step deadline), then the latest ended. */
export async function identificationCases(
  prisma: PrismaClient,
  args: { now: Date; scope: 'all' | { villageIds: string[]; cadreId: string }; status?: string },
): Promise<{ open: IdentificationCaseRow[]; ended: IdentificationCaseRow[] }> {
  const where = caseScopeWhere(args.scope);
  const [open, ended] = await Promise.all([
    prisma.identificationCase.findMany({
      where: { AND: [where, { status: 'OPEN' }] },
      include: caseInclude,
      orderBy: [{ stepDueAt: 'asc' }, { id: 'asc' }],
      take: MAX_LISTED,
    }),
    prisma.identificationCase.findMany({
      where: { AND: [where, { status: { not: 'OPEN' } }] },
      include: caseInclude,
      orderBy: [{ closedAt: 'desc' }, { id: 'asc' }],
      take: 100,
    }),
  ]);
  return { open: open.map((c) => toCaseRow(c, args.now)), ended: ended.map((c) => toCaseRow(c, args.now)) };
}

/** One case with its steps in order, or undefined. */
export async function identificationCase(
  prisma: PrismaClient,
  caseId: string,
  now: Date,
): Promise<IdentificationCaseDetail | undefined> {
  const c = await prisma.identificationCase.findUnique({
    where: { id: caseId },
    include: { ...caseInclude, steps: { orderBy: { startedAt: 'asc' } } },
  });
  if (!c) return undefined;
  const assigneeIds = c.steps.map((s) => s.assigneeId).filter((id): id is string => !!id);
  const cadres = await prisma.cadre.findMany({
    where: { id: { in: assigneeIds } },
    select: { id: true, name: true },
  });
  const byId = new Map(cadres.map((x) => [x.id, x]));
  return {
    ...toCaseRow(c, now),
    policyVersion: c.policyVersion,
    steps: c.steps.map((s) => ({
      step: s.step,
      stepLabel: label<IdentificationStep>(IDENTIFICATION_STEP_LABELS, s.step),
      assignee: s.assigneeId ? (byId.get(s.assigneeId) ?? { id: s.assigneeId, name: s.assigneeId }) : null,
      startedAt: iso(s.startedAt),
      dueAt: iso(s.dueAt),
      completedAt: s.completedAt ? iso(s.completedAt) : null,
      decision: s.decision,
      note: s.note,
      overdue: !s.completedAt && s.step !== 'PUBLIC_NOTICE' && s.dueAt.getTime() < now.getTime(),
    })),
  };
}

/** Every case of a household, latest first (the household page's identification history). */
export async function householdIdentificationHistory(
  prisma: PrismaClient,
  householdId: string,
  now: Date,
): Promise<IdentificationCaseRow[]> {
  const cases = await prisma.identificationCase.findMany({
    where: { householdId },
    include: caseInclude,
    orderBy: { raisedAt: 'desc' },
  });
  return cases.map((c) => toCaseRow(c, now));
}
