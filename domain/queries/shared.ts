// Building blocks shared by the read-model queries: the Prisma selections they use, the plain-JSON
// rows they answer with (instants as ISO strings, money as numbers) and the mappers between them.

import {
  escalationRankLabel,
  findingItemLabel,
  findingKindLabel,
  labelOf,
  rankLabel,
  TASK_KIND_LABELS,
} from '../../policy/vocabulary.js';
import type { Prisma } from '../../prisma/generated/client.js';

export const iso = (d: Date): string => d.toISOString();
export const isoOrNull = (d: Date | null | undefined): string | null => (d ? d.toISOString() : null);

/** Chinese order, as `localeCompare(…, 'zh')` gives it, from one collator (that call builds one each time). */
export const byChineseLabel = new Intl.Collator('zh').compare;

/** Money from a Decimal column, as a JS number (amounts are at most 12 digits with 2 decimals). */
export const yuan = (d: Prisma.Decimal | null | undefined): number | null =>
  d == null ? null : d.toNumber();

// ---------------------------------------------------------------------------------------------
// Plain rows.

export interface VillageRef {
  id: string;
  name: string;
}

export interface HouseholdRef {
  id: string;
  number: string;
  headName: string;
  village: VillageRef;
}

export interface CadreRefRow {
  id: string;
  name: string;
  rank: string;
  rankLabel: string;
}

export interface EscalationRow {
  id: string;
  taskId: string;
  rung: number;
  /** ASSIGNED (the task's own assignee) or a cadre rank. */
  rank: string;
  rankLabel: string;
  leader: CadreRefRow;
  openedAt: string;
  closedAt: string | null;
}

export interface TaskRow {
  id: string;
  householdId: string;
  kind: string;
  kindLabel: string;
  reason: string;
  findingKind: string | null;
  findingKindLabel: string | null;
  findingItem: string | null;
  findingItemLabel: string | null;
  status: string;
  openedAt: string;
  dueAt: string;
  /** Past its due date at `now`. */
  overdue: boolean;
  /** Highest escalation rung reached (0 = none). */
  rung: number;
  household: HouseholdRef;
  assignee: CadreRefRow;
  /** The task's open escalations, lowest rung first: who has been told it is overdue. */
  escalations: EscalationRow[];
}

// ---------------------------------------------------------------------------------------------
// Selections and mappers.

export const householdRefSelect = {
  id: true,
  number: true,
  headName: true,
  village: { select: { id: true, name: true } },
} satisfies Prisma.HouseholdSelect;

export const cadreRefSelect = { id: true, name: true, rank: true } satisfies Prisma.CadreSelect;

export const escalationInclude = {
  leader: { select: cadreRefSelect },
} satisfies Prisma.EscalationInclude;

export const taskInclude = {
  household: { select: householdRefSelect },
  assignee: { select: cadreRefSelect },
  escalations: { where: { closedAt: null }, orderBy: { rung: 'asc' }, include: escalationInclude },
} satisfies Prisma.TaskInclude;

export type TaskWithRefs = Prisma.TaskGetPayload<{ include: typeof taskInclude }>;
export type EscalationWithLeader = Prisma.EscalationGetPayload<{ include: typeof escalationInclude }>;
type HouseholdRefPayload = Prisma.HouseholdGetPayload<{ select: typeof householdRefSelect }>;

export const toHouseholdRef = (h: HouseholdRefPayload): HouseholdRef => ({
  id: h.id,
  number: h.number,
  headName: h.headName,
  village: { id: h.village.id, name: h.village.name },
});

export const toCadreRef = (c: { id: string; name: string; rank: string }): CadreRefRow => ({
  id: c.id,
  name: c.name,
  rank: c.rank,
  rankLabel: rankLabel(c.rank),
});

export const toEscalationRow = (e: EscalationWithLeader): EscalationRow => ({
  id: e.id,
  taskId: e.taskId,
  rung: e.rung,
  rank: e.rank,
  rankLabel: escalationRankLabel(e.rank),
  leader: toCadreRef(e.leader),
  openedAt: iso(e.openedAt),
  closedAt: isoOrNull(e.closedAt),
});

/** What `toTaskRow` reads of a task: a list may load no more than this (domain/queries/list-rows.ts). */
export type TaskRowSource = Pick<
  TaskWithRefs,
  | 'id'
  | 'householdId'
  | 'kind'
  | 'reason'
  | 'findingKind'
  | 'findingItem'
  | 'status'
  | 'openedAt'
  | 'dueAt'
  | 'rung'
  | 'household'
  | 'assignee'
  | 'escalations'
>;

export function toTaskRow(t: TaskRowSource, now: Date): TaskRow {
  return {
    id: t.id,
    householdId: t.householdId,
    kind: t.kind,
    kindLabel: labelOf(TASK_KIND_LABELS, t.kind),
    reason: t.reason,
    findingKind: t.findingKind,
    findingKindLabel: t.findingKind ? findingKindLabel(t.findingKind) : null,
    findingItem: t.findingItem,
    findingItemLabel: findingItemLabel(t.findingItem),
    status: t.status,
    openedAt: iso(t.openedAt),
    dueAt: iso(t.dueAt),
    overdue: t.status === 'OPEN' && t.dueAt.getTime() < now.getTime(),
    rung: t.rung,
    household: toHouseholdRef(t.household),
    assignee: toCadreRef(t.assignee),
    escalations: t.escalations.map(toEscalationRow),
  };
}

/** Visits newest first → how many of the latest ones in a row were compliant. */
export function consecutiveCompliant(visitsNewestFirst: ReadonlyArray<{ compliant: boolean }>): number {
  let n = 0;
  for (const v of visitsNewestFirst) {
    if (!v.compliant) break;
    n += 1;
  }
  return n;
}

/** Groups items by a key, keeping the first-seen order of the keys. */
export function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}
