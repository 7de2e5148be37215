// The board's and the report's lists of tasks and escalations, each ONE statement: the page's rows
// with their household, village, cadres and open escalations joined in PostgreSQL. A Prisma
// `include` is a query of its own per relation, one level after another (3–4 round trips a list),
// and under load each round trip costs milliseconds; these answer the same rows in one.
import type { PrismaClient } from '../../db/client.js';
import { labelOf, TASK_KIND_LABELS } from '../../policy/vocabulary.js';
import { Prisma } from '../../prisma/generated/client.js';
import {
  type Cursor,
  decodeCursor,
  type KeyField,
  keyOfRow,
  keysetSql,
  keysetSqlOrder,
  type Page,
  type PageRequest,
  pageOf,
  pageSize,
} from './pagination.js';
import {
  type CadreRefRow,
  type EscalationRow,
  type HouseholdRef,
  iso,
  type TaskRow,
  type TaskRowSource,
  toCadreRef,
  toEscalationRow,
  toTaskRow,
} from './shared.js';

/** An open escalation with the task and household it is about. */
export interface BoardEscalationRow extends EscalationRow {
  task: { id: string; kind: string; kindLabel: string; reason: string; dueAt: string; assignee: CadreRefRow };
  household: HouseholdRef;
}

export const OVERDUE_TASK_KEY: KeyField[] = [
  { field: 'rung', order: 'desc', type: 'number' },
  { field: 'dueAt', order: 'asc', type: 'date' },
  { field: 'id', order: 'asc', type: 'string' },
];

export const ESCALATION_KEY: KeyField[] = [
  { field: 'rung', order: 'asc', type: 'number' },
  { field: 'openedAt', order: 'asc', type: 'date' },
  { field: 'id', order: 'asc', type: 'string' },
];

const cursorOf = (request: PageRequest, arity: number): { limit: number; cursor: Cursor | undefined } => ({
  limit: pageSize(request.limit),
  cursor: request.cursor === undefined ? undefined : decodeCursor(request.cursor, arity),
});

/** An instant as `toISOString()` writes it (the columns are UTC `timestamp(3)`), inside JSON. */
const isoSql = (column: Prisma.Sql) => Prisma.sql`to_char(${column}, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** A task with its household and village, assignee and open escalations, as raw columns. */
type TaskSqlRow = {
  id: string;
  householdId: string;
  kind: string;
  reason: string;
  findingKind: string | null;
  findingItem: string | null;
  status: string;
  openedAt: Date;
  dueAt: Date;
  rung: number;
  householdNumber: string;
  headName: string;
  villageId: string;
  villageName: string;
  assigneeId: string;
  assigneeName: string;
  assigneeRank: string;
  escalations: Array<{
    id: string;
    rung: number;
    rank: string;
    openedAt: string;
    leaderId: string;
    leaderName: string;
    leaderRank: string;
  }>;
};

const taskColumns = Prisma.sql`t.id, t."householdId", t.kind, t.reason, t."findingKind", t."findingItem",
  t.status, t."openedAt", t."dueAt", t.rung, h.number AS "householdNumber", h."headName",
  v.id AS "villageId", v.name AS "villageName",
  a.id AS "assigneeId", a.name AS "assigneeName", a.rank AS "assigneeRank",
  coalesce((
    SELECT json_agg(json_build_object('id', e.id, 'rung', e.rung, 'rank', e.rank,
      'openedAt', ${isoSql(Prisma.sql`e."openedAt"`)}, 'leaderId', l.id, 'leaderName', l.name, 'leaderRank', l.rank)
      ORDER BY e.rung)
    FROM "Escalation" e JOIN "Cadre" l ON l.id = e."leaderId"
    WHERE e."taskId" = t.id AND e."closedAt" IS NULL
  ), '[]'::json) AS escalations`;

/** The row in the shape the one mapper of every task list reads (`toTaskRow`). */
const asTaskRowSource = (r: TaskSqlRow): TaskRowSource => ({
  id: r.id,
  householdId: r.householdId,
  kind: r.kind,
  openedAt: r.openedAt,
  dueAt: r.dueAt,
  status: r.status,
  rung: r.rung,
  reason: r.reason,
  findingKind: r.findingKind,
  findingItem: r.findingItem,
  household: {
    id: r.householdId,
    number: r.householdNumber,
    headName: r.headName,
    village: { id: r.villageId, name: r.villageName },
  },
  assignee: { id: r.assigneeId, name: r.assigneeName, rank: r.assigneeRank },
  escalations: r.escalations.map((e) => ({
    id: e.id,
    taskId: r.id,
    rung: e.rung,
    rank: e.rank,
    leaderId: e.leaderId,
    leader: { id: e.leaderId, name: e.leaderName, rank: e.leaderRank },
    openedAt: new Date(e.openedAt),
    closedAt: null,
  })),
});

/**
 * The cadre `id` names, as a lateral subquery: an index probe per row of the page. Joined, PostgreSQL
 * hashes all of Cadre (10,000 rows at 100,000 households: 1–7 ms) to place a page's 51 rows; the
 * LIMIT keeps the subquery from being flattened into such a join (the id is the key: one row or none).
 */
const cadreNamed = (id: Prisma.Sql, alias: string) =>
  Prisma.sql`CROSS JOIN LATERAL (SELECT c.id, c.name, c.rank FROM "Cadre" c WHERE c.id = ${id} LIMIT 1) ${Prisma.raw(alias)}`;

const TASK_COLUMNS = {
  rung: Prisma.sql`t.rung`,
  dueAt: Prisma.sql`t."dueAt"`,
  id: Prisma.sql`t.id`,
};

/**
 * A page of the tasks open and past due at `now`: highest rung first,
 * then the oldest due date — the first rows of one range of Task (status, rung DESC, dueAt, id).
 */
export async function loadOverdueTasks(
  prisma: PrismaClient,
  now: Date,
  request: PageRequest = {},
): Promise<Page<TaskRow>> {
  const { limit, cursor } = cursorOf(request, OVERDUE_TASK_KEY.length);
  const order = keysetSqlOrder(OVERDUE_TASK_KEY, TASK_COLUMNS, cursor);
  const rows = await prisma.$queryRaw<TaskSqlRow[]>`
    SELECT ${taskColumns}
    FROM (
      SELECT * FROM "Task" t
      WHERE t.status = 'OPEN' AND t."dueAt" < ${now}
        AND ${keysetSql(OVERDUE_TASK_KEY, TASK_COLUMNS, cursor)}
      ORDER BY t.status, ${order} LIMIT ${limit + 1}
    ) t
    JOIN "Household" h ON h.id = t."householdId" JOIN "Village" v ON v.id = h."villageId"
    ${cadreNamed(Prisma.sql`t."assigneeId"`, 'a')}
    ORDER BY ${order}`;
  const page = pageOf(rows, { limit, cursor, keyOf: (t) => keyOfRow(OVERDUE_TASK_KEY, t) });
  return { items: page.items.map((t) => toTaskRow(asTaskRowSource(t), now)), page: page.page };
}

/** Which escalations a list shows. */
export type EscalationFilter =
  /** Not closed, on tasks still open. */
  { open: true } | { openedIn: { since: Date; until: Date } } | { closedIn: { since: Date; until: Date } };

type EscalationSqlRow = {
  id: string;
  taskId: string;
  rung: number;
  rank: string;
  openedAt: Date;
  closedAt: Date | null;
  leaderId: string;
  leaderName: string;
  leaderRank: string;
  taskKind: string;
  taskReason: string;
  taskDueAt: Date;
  assigneeId: string;
  assigneeName: string;
  assigneeRank: string;
  householdId: string;
  householdNumber: string;
  headName: string;
  villageId: string;
  villageName: string;
};

const ESCALATION_COLUMNS = {
  rung: Prisma.sql`e.rung`,
  openedAt: Prisma.sql`e."openedAt"`,
  id: Prisma.sql`e.id`,
};

/**
 * The escalations `filter` selects, after `cursor`, in the list's order (lowest rung, then oldest):
 * a statement to read a page from (its LIMIT added by the caller).
 */
function selectEscalations(filter: EscalationFilter, cursor: Cursor | undefined): Prisma.Sql {
  const order = keysetSqlOrder(ESCALATION_KEY, ESCALATION_COLUMNS, cursor);
  if ('open' in filter)
    // Also ordered by closedAt first: the same order (it is null in all of them), but one the index
    // (closedAt, rung, openedAt, id) gives as it is, so a page reads its rows and no more. The task's
    // status is a subquery, not a join: joined, PostgreSQL takes 10 % of them for open (as of all
    // tasks; nearly all are) and starts a parallel worker to find a page (8 ms, for 0.3 ms of work).
    return Prisma.sql`
      SELECT e.* FROM "Escalation" e
      WHERE e."closedAt" IS NULL AND (SELECT ot.status = 'OPEN' FROM "Task" ot WHERE ot.id = e."taskId")
        AND ${keysetSql(ESCALATION_KEY, ESCALATION_COLUMNS, cursor)}
      ORDER BY e."closedAt" ${Prisma.raw(cursor?.direction === 'prev' ? 'DESC' : 'ASC')}, ${order}`;
  const [column, { since, until }] =
    'openedIn' in filter
      ? [Prisma.sql`e."openedAt"`, filter.openedIn]
      : [Prisma.sql`e."closedAt"`, filter.closedIn];
  return Prisma.sql`
    SELECT e.* FROM "Escalation" e
    WHERE ${column} >= ${since} AND ${column} <= ${until} AND ${keysetSql(ESCALATION_KEY, ESCALATION_COLUMNS, cursor)}
    ORDER BY ${order}`;
}

/** The columns of an escalation row `e` with its task, household and village; its joins. */
const escalationColumns = Prisma.sql`e.id, e."taskId", e.rung, e.rank, e."openedAt", e."closedAt",
  l.id AS "leaderId", l.name AS "leaderName", l.rank AS "leaderRank",
  t.kind AS "taskKind", t.reason AS "taskReason", t."dueAt" AS "taskDueAt",
  a.id AS "assigneeId", a.name AS "assigneeName", a.rank AS "assigneeRank",
  h.id AS "householdId", h.number AS "householdNumber", h."headName", v.id AS "villageId", v.name AS "villageName"`;

const escalationJoins = Prisma.sql`${cadreNamed(Prisma.sql`e."leaderId"`, 'l')} JOIN "Task" t ON t.id = e."taskId"
  ${cadreNamed(Prisma.sql`t."assigneeId"`, 'a')} JOIN "Household" h ON h.id = t."householdId"
  JOIN "Village" v ON v.id = h."villageId"`;

const toBoardEscalationRow = (e: EscalationSqlRow): BoardEscalationRow => ({
  ...toEscalationRow({
    id: e.id,
    taskId: e.taskId,
    rung: e.rung,
    rank: e.rank,
    leaderId: e.leaderId,
    leader: { id: e.leaderId, name: e.leaderName, rank: e.leaderRank },
    openedAt: e.openedAt,
    closedAt: e.closedAt,
  }),
  task: {
    id: e.taskId,
    kind: e.taskKind,
    kindLabel: labelOf(TASK_KIND_LABELS, e.taskKind),
    reason: e.taskReason,
    dueAt: iso(e.taskDueAt),
    assignee: toCadreRef({ id: e.assigneeId, name: e.assigneeName, rank: e.assigneeRank }),
  },
  household: {
    id: e.householdId,
    number: e.householdNumber,
    headName: e.headName,
    village: { id: e.villageId, name: e.villageName },
  },
});

/** A page of the escalations `filter` selects, with their task and household; lowest rung, then oldest first. */
export async function loadEscalations(
  prisma: PrismaClient,
  filter: EscalationFilter,
  request: PageRequest = {},
): Promise<Page<BoardEscalationRow>> {
  const { limit, cursor } = cursorOf(request, ESCALATION_KEY.length);
  const order = keysetSqlOrder(ESCALATION_KEY, ESCALATION_COLUMNS, cursor);
  const rows = await prisma.$queryRaw<EscalationSqlRow[]>`
    SELECT ${escalationColumns}
    FROM (${selectEscalations(filter, cursor)} LIMIT ${limit + 1}) e ${escalationJoins}
    ORDER BY ${order}`;
  const page = pageOf(rows, { limit, cursor, keyOf: (e) => keyOfRow(ESCALATION_KEY, e) });
  return { items: page.items.map(toBoardEscalationRow), page: page.page };
}

/**
 * The first `limit` escalations of each filter's list (as loadEscalations' first pages, without
 * their cursors), in one statement: a statement costs the client about a millisecond of CPU.
 */
export async function loadFirstEscalations<const F extends readonly EscalationFilter[]>(
  prisma: PrismaClient,
  filters: F,
  limit: number,
): Promise<{ [K in keyof F]: BoardEscalationRow[] }> {
  const lists = filters.map(
    (filter, i) =>
      Prisma.sql`(SELECT ${i}::int AS list, s.* FROM (${selectEscalations(filter, undefined)} LIMIT ${limit}) s)`,
  );
  const rows = await prisma.$queryRaw<Array<EscalationSqlRow & { list: number }>>`
    SELECT e.list, ${escalationColumns}
    FROM (${Prisma.join(lists, ' UNION ALL ')}) e ${escalationJoins}
    ORDER BY e.list, ${keysetSqlOrder(ESCALATION_KEY, ESCALATION_COLUMNS, undefined)}`;
  return filters.map((_, i) => rows.filter((r) => r.list === i).map(toBoardEscalationRow)) as {
    [K in keyof F]: BoardEscalationRow[];
  };
}
