// The household page (members, cadres, 一户一策, ledger of visits, follow-ups, exits, timeline), the
// household list, and which households a cadre may see.

import type { PrismaClient } from '../../db/client.js';
import {
  GUARANTEE_ITEM_LABELS,
  GUARANTEE_ITEMS,
  NATIONAL_CATEGORY_LABELS,
  sumYuan,
} from '../../policy/index.js';
import {
  ASSIGNMENT_ROLE_LABELS,
  AUDIT_ACTION_LABELS,
  categoryLabel,
  findingItemLabel,
  findingKindLabel,
  LABOUR_ABILITY_LABELS,
  labelOf,
  labourClassLabel,
  measureKindLabel,
  statusLabel,
  TASK_KIND_LABELS,
  TASK_STATUS_LABELS,
} from '../../policy/vocabulary.js';
import { Prisma } from '../../prisma/generated/client.js';
import { DomainError } from '../errors.js';
import { policyLookup } from '../policy-versions.js';
import { type Cursor, decodeCursor, type Page, type PageRequest, pageOf, pageSize } from './pagination.js';
import {
  type CadreRefRow,
  consecutiveCompliant,
  type HouseholdRef,
  householdRefSelect,
  iso,
  isoOrNull,
  type TaskRow,
  taskInclude,
  toCadreRef,
  toHouseholdRef,
  toTaskRow,
  yuan,
} from './shared.js';

const TIMELINE_LIMIT = 200;

export interface MemberRow {
  id: string;
  name: string;
  relation: string;
  age: number;
  labourAbility: string;
  labourAbilityLabel: string;
  inSchool: boolean;
  chronicIllness: boolean;
}

export interface CurrentCadreRow {
  assignmentId: string;
  role: string;
  roleLabel: string;
  since: string;
  cadre: CadreRefRow & { email: string; phone: string; active: boolean };
}

export interface VisitRow {
  id: string;
  taskId: string;
  taskKind: string;
  taskKindLabel: string;
  visitedAt: string;
  recordedAt: string;
  visitor: { id: string; name: string | null };
  perCapitaIncomeYuan: number;
  /** Under the income line of the household's policy. */
  incomeBelowLine: boolean;
  /** 两不愁三保障 and 饮水安全, item by item. */
  guarantees: Array<{ item: string; label: string; ok: boolean; note: string | null }>;
  largeCosts: Array<{ description: string; amountYuan: number; resolved: boolean }>;
  notes: string;
  compliant: boolean;
  policyVersion: string;
  measures: Array<{ kind: string; kindLabel: string; amountYuan: number; persons: number }>;
  measuresTotalYuan: number;
}

export interface FollowUpRow {
  id: string;
  status: string;
  statusLabel: string;
  findingKind: string | null;
  findingKindLabel: string | null;
  findingItem: string | null;
  findingItemLabel: string | null;
  reason: string;
  openedAt: string;
  dueAt: string;
  completedAt: string | null;
  assignee: CadreRefRow;
}

export interface ExitRow {
  id: string;
  decision: string;
  decidedAt: string;
  rolledBackAt: string | null;
  /** [{ key, label, met, detail }] as the workflow assessed them. */
  criteria: Prisma.JsonValue;
  /** [{ step, startedAt, completedAt, by, note }]: 民主评议 → 公示 → 乡镇审核 → 县级审批. */
  steps: Prisma.JsonValue;
}

export interface TimelineRow {
  id: string;
  at: string;
  /** A cadre id, a user id, "system" or "workflow". */
  actor: string;
  /** The cadre's or user's name when the actor is one. */
  actorName: string | null;
  action: string;
  actionLabel: string;
  detail: Prisma.JsonValue | null;
}

export interface HouseholdDetail {
  id: string;
  number: string;
  headName: string;
  village: { id: string; name: string; isPoor: boolean };
  category: string;
  categoryLabel: string;
  /** The national monitoring system's name for the category (脱贫不稳定户 / 边缘易致贫户). */
  nationalCategoryLabel: string;
  labourClass: string;
  labourClassLabel: string;
  causes: string[];
  needs: string;
  /** 一户一策. */
  plan: string;
  phone: string;
  status: string;
  statusLabel: string;
  workflowId: string | null;
  policyVersion: string | null;
  createdAt: string;
  updatedAt: string;
  summary: {
    memberCount: number;
    /** Members with full or partial labour. */
    labourCount: number;
    lastVisitAt: string | null;
    latestIncomeYuan: number | null;
    incomeLineYuan: number;
    consecutiveCompliantVisits: number;
    minCompliantVisits: number;
    openFollowUps: number;
  };
  members: MemberRow[];
  /** Open assignments: the 帮扶责任人 and the paired leader (双帮扶制). */
  cadres: CurrentCadreRow[];
  openTasks: TaskRow[];
  /** 走访台账, newest first. */
  visits: VisitRow[];
  /** Every follow-up a finding opened, newest first, whatever its status. */
  followUps: FollowUpRow[];
  exits: ExitRow[];
  /** The audit log, newest first, at most 200 rows. */
  timeline: TimelineRow[];
}

function largeCostsOf(json: Prisma.JsonValue): VisitRow['largeCosts'] {
  if (!Array.isArray(json)) return [];
  return json.flatMap((c) =>
    c && typeof c === 'object' && !Array.isArray(c)
      ? [
          {
            description: String(c.description ?? ''),
            amountYuan: Number(c.amountYuan ?? 0),
            resolved: c.resolved === true,
          },
        ]
      : [],
  );
}

function notesOf(json: Prisma.JsonValue): Record<string, string> {
  if (!json || typeof json !== 'object' || Array.isArray(json)) return {};
  return Object.fromEntries(
    Object.entries(json).flatMap(([k, v]) => (typeof v === 'string' ? [[k, v] as const] : [])),
  );
}

/** Names of actors that are cadres or users, for the timeline. */
async function actorNames(prisma: PrismaClient, actors: string[]): Promise<Map<string, string>> {
  const ids = [...new Set(actors)].filter((a) => a !== 'system' && a !== 'workflow');
  if (ids.length === 0) return new Map();
  const [cadres, users] = await Promise.all([
    prisma.cadre.findMany({ where: { id: { in: ids } }, select: { id: true, name: true } }),
    prisma.user.findMany({ where: { id: { in: ids } }, select: { id: true, displayName: true } }),
  ]);
  return new Map([
    ...users.map((u) => [u.id, u.displayName] as const),
    ...cadres.map((c) => [c.id, c.name] as const),
  ]);
}

/** Everything the household page shows. Throws DomainError NOT_FOUND for an unknown id. */
export async function householdDetail(
  prisma: PrismaClient,
  householdId: string,
  now: Date = new Date(),
): Promise<HouseholdDetail> {
  const h = await prisma.household.findUnique({
    where: { id: householdId },
    include: {
      village: true,
      members: { orderBy: { id: 'asc' } },
      assignments: {
        where: { to: null },
        orderBy: [{ role: 'asc' }, { from: 'desc' }],
        include: { cadre: true },
      },
      exits: { orderBy: { decidedAt: 'desc' } },
    },
  });
  if (!h) throw new DomainError('NOT_FOUND', `没有编号为 ${householdId} 的农户`);

  const [openTasks, visits, followUps, audit] = await Promise.all([
    prisma.task.findMany({
      where: { householdId, status: 'OPEN' },
      include: taskInclude,
      orderBy: [{ dueAt: 'asc' }, { id: 'asc' }],
    }),
    prisma.visitRecord.findMany({
      where: { householdId },
      include: { measures: { orderBy: { id: 'asc' } }, task: { select: { kind: true } } },
      orderBy: [{ visitedAt: 'desc' }, { id: 'desc' }],
    }),
    prisma.task.findMany({
      where: { householdId, kind: 'FOLLOW_UP' },
      include: { assignee: { select: { id: true, name: true, rank: true } } },
      orderBy: [{ openedAt: 'desc' }, { id: 'desc' }],
    }),
    prisma.auditLog.findMany({
      where: { householdId },
      orderBy: [{ at: 'desc' }, { id: 'desc' }],
      take: TIMELINE_LIMIT,
    }),
  ]);
  const names = await actorNames(prisma, [...audit.map((a) => a.actor), ...visits.map((v) => v.cadreId)]);
  const policy = (await policyLookup(prisma))(h.policyVersion);
  const line = policy.incomeLineYuanPerPersonYear;

  const visitRows: VisitRow[] = visits.map((v) => {
    const notes = notesOf(v.guaranteeNotes);
    const ok: Record<(typeof GUARANTEE_ITEMS)[number], boolean> = {
      food: v.foodOk,
      clothing: v.clothingOk,
      education: v.educationOk,
      medical: v.medicalOk,
      housing: v.housingOk,
      water: v.waterOk,
    };
    const measures = v.measures.map((m) => ({
      kind: m.kind,
      kindLabel: measureKindLabel(m.kind),
      amountYuan: m.amountYuan.toNumber(),
      persons: m.persons,
    }));
    const income = v.perCapitaIncomeYuan.toNumber();
    return {
      id: v.id,
      taskId: v.taskId,
      taskKind: v.task.kind,
      taskKindLabel: labelOf(TASK_KIND_LABELS, v.task.kind),
      visitedAt: iso(v.visitedAt),
      recordedAt: iso(v.recordedAt),
      visitor: { id: v.cadreId, name: names.get(v.cadreId) ?? null },
      perCapitaIncomeYuan: income,
      incomeBelowLine: income < line,
      guarantees: GUARANTEE_ITEMS.map((item) => ({
        item,
        label: GUARANTEE_ITEM_LABELS[item],
        ok: ok[item],
        note: notes[item] ?? null,
      })),
      largeCosts: largeCostsOf(v.largeCosts),
      notes: v.notes,
      compliant: v.compliant,
      policyVersion: v.policyVersion,
      measures,
      measuresTotalYuan: sumYuan(measures.map((m) => m.amountYuan)),
    };
  });

  const latest = visitRows[0];
  return {
    id: h.id,
    number: h.number,
    headName: h.headName,
    village: { id: h.village.id, name: h.village.name, isPoor: h.village.isPoor },
    category: h.category,
    categoryLabel: categoryLabel(h.category),
    nationalCategoryLabel: labelOf(NATIONAL_CATEGORY_LABELS, h.category),
    labourClass: h.labourClass,
    labourClassLabel: labourClassLabel(h.labourClass),
    causes: h.causes,
    needs: h.needs,
    plan: h.plan,
    phone: h.phone,
    status: h.status,
    statusLabel: statusLabel(h.status),
    workflowId: h.workflowId,
    policyVersion: h.policyVersion,
    createdAt: iso(h.createdAt),
    updatedAt: iso(h.updatedAt),
    summary: {
      memberCount: h.members.length,
      labourCount: h.members.filter((m) => m.labourAbility !== 'NONE').length,
      lastVisitAt: latest?.visitedAt ?? null,
      latestIncomeYuan: latest?.perCapitaIncomeYuan ?? null,
      incomeLineYuan: line,
      consecutiveCompliantVisits: consecutiveCompliant(visitRows),
      minCompliantVisits: policy.stableExit.minCompliantVisits,
      openFollowUps: followUps.filter((t) => t.status === 'OPEN').length,
    },
    members: h.members.map((m) => ({
      id: m.id,
      name: m.name,
      relation: m.relation,
      age: m.age,
      labourAbility: m.labourAbility,
      labourAbilityLabel: labelOf(LABOUR_ABILITY_LABELS, m.labourAbility),
      inSchool: m.inSchool,
      chronicIllness: m.chronicIllness,
    })),
    cadres: h.assignments.map((a) => ({
      assignmentId: a.id,
      role: a.role,
      roleLabel: labelOf(ASSIGNMENT_ROLE_LABELS, a.role),
      since: iso(a.from),
      cadre: {
        ...toCadreRef(a.cadre),
        email: a.cadre.email,
        phone: a.cadre.phone,
        active: a.cadre.active,
      },
    })),
    openTasks: openTasks.map((t) => toTaskRow(t, now)),
    visits: visitRows,
    followUps: followUps.map((t) => ({
      id: t.id,
      status: t.status,
      statusLabel: labelOf(TASK_STATUS_LABELS, t.status),
      findingKind: t.findingKind,
      findingKindLabel: t.findingKind ? findingKindLabel(t.findingKind) : null,
      findingItem: t.findingItem,
      findingItemLabel: findingItemLabel(t.findingItem),
      reason: t.reason,
      openedAt: iso(t.openedAt),
      dueAt: iso(t.dueAt),
      completedAt: isoOrNull(t.completedAt),
      assignee: toCadreRef(t.assignee),
    })),
    exits: h.exits.map((e) => ({
      id: e.id,
      decision: e.decision,
      decidedAt: iso(e.decidedAt),
      rolledBackAt: isoOrNull(e.rolledBackAt),
      criteria: e.criteria,
      steps: e.steps,
    })),
    timeline: audit.map((a) => ({
      id: a.id.toString(),
      at: iso(a.at),
      actor: a.actor,
      actorName: names.get(a.actor) ?? null,
      action: a.action,
      actionLabel: labelOf(AUDIT_ACTION_LABELS, a.action),
      detail: a.detail,
    })),
  };
}

// Who answers for which household is an access rule: it lives with the others.
export { householdsForCadre } from '../access.js';

export interface HouseholdListRow extends HouseholdRef {
  category: string;
  categoryLabel: string;
  labourClass: string;
  labourClassLabel: string;
  status: string;
  statusLabel: string;
  memberCount: number;
  cadres: Array<{ role: string; roleLabel: string; id: string; name: string }>;
  openTaskCount: number;
  /** Highest escalation rung among its open tasks (0 = none). */
  highestRung: number;
  lastVisitAt: string | null;
  lastVisitCompliant: boolean | null;
  latestIncomeYuan: number | null;
}

export interface HouseholdListFilter {
  villageId?: string;
  category?: string;
  status?: string;
  /** Only the households where this cadre holds an open assignment. */
  cadreId?: string;
  /** Only these households (what the caller may read); one array parameter, however long. */
  householdIds?: readonly string[];
}

/** The household list's order: village name, then household number (both unique together). */
export const HOUSEHOLD_LIST_KEY_ARITY = 2;

/** One page of the keyset (village name, number) in the list's order: the households' ids. */
export async function householdIdsPage(
  prisma: PrismaClient,
  filter: HouseholdListFilter,
  cursor: Cursor | undefined,
  take: number,
): Promise<Array<{ id: string; villageName: string; number: string }>> {
  const conditions: Prisma.Sql[] = [Prisma.sql`TRUE`];
  if (filter.villageId) conditions.push(Prisma.sql`s."villageId" = ${filter.villageId}`);
  if (filter.category) conditions.push(Prisma.sql`h.category = ${filter.category}`);
  if (filter.status) conditions.push(Prisma.sql`h.status = ${filter.status}`);
  if (filter.cadreId)
    conditions.push(Prisma.sql`EXISTS (SELECT 1 FROM "Assignment" a
      WHERE a."householdId" = h.id AND a."cadreId" = ${filter.cadreId} AND a."to" IS NULL)`);
  if (filter.householdIds) conditions.push(Prisma.sql`h.id = ANY(${[...filter.householdIds]}::text[])`);
  const backwards = cursor?.direction === 'prev';
  if (cursor) {
    const [name, number] = cursor.key.map(String);
    conditions.push(
      backwards
        ? Prisma.sql`(s."villageName", s.number) < (${name}, ${number})`
        : Prisma.sql`(s."villageName", s.number) > (${name}, ${number})`,
    );
  }
  const order = backwards
    ? Prisma.sql`s."villageName" DESC, s.number DESC`
    : Prisma.sql`s."villageName" ASC, s.number ASC`;
  // HouseholdStanding carries each household's village name and number (kept by triggers), so the
  // page is one range of its (villageName, number) index, however deep into the township.
  return prisma.$queryRaw`
    SELECT h.id, s."villageName", s.number
    FROM "HouseholdStanding" s JOIN "Household" h ON h.id = s."householdId"
    WHERE ${Prisma.join(conditions, ' AND ')}
    ORDER BY ${order}
    LIMIT ${take}`;
}

/**
 * The households, by village name then number, a page at a time, with their cadres, open work and
 * last visit: the page's ids first (keyset), then what each row shows for those ids only.
 */
export async function listHouseholds(
  prisma: PrismaClient,
  filter: HouseholdListFilter = {},
  request: PageRequest = {},
): Promise<Page<HouseholdListRow>> {
  const limit = pageSize(request.limit);
  const cursor =
    request.cursor === undefined ? undefined : decodeCursor(request.cursor, HOUSEHOLD_LIST_KEY_ARITY);
  const keys = pageOf(await householdIdsPage(prisma, filter, cursor, limit + 1), {
    limit,
    cursor,
    keyOf: (k) => [k.villageName, k.number],
  });
  const ids = keys.items.map((k) => k.id);
  const [households, members, openTasks, lastVisits] = await Promise.all([
    prisma.household.findMany({
      where: { id: { in: ids } },
      select: {
        ...householdRefSelect,
        category: true,
        labourClass: true,
        status: true,
        assignments: {
          where: { to: null },
          orderBy: { role: 'asc' },
          select: { role: true, cadre: { select: { id: true, name: true } } },
        },
      },
    }),
    prisma.householdMember.groupBy({
      by: ['householdId'],
      where: { householdId: { in: ids } },
      _count: { _all: true },
    }),
    prisma.task.groupBy({
      by: ['householdId'],
      where: { householdId: { in: ids }, status: 'OPEN' },
      _count: { _all: true },
      _max: { rung: true },
    }),
    latestVisits(prisma, ids),
  ]);
  const byId = new Map(households.map((h) => [h.id, h]));
  const memberCount = new Map(members.map((m) => [m.householdId, m._count._all]));
  const open = new Map(openTasks.map((t) => [t.householdId, t]));
  const items = ids.flatMap((id) => {
    const h = byId.get(id);
    if (!h) return []; // deleted between the two reads
    const last = lastVisits.get(id);
    const tasks = open.get(id);
    return [
      {
        ...toHouseholdRef(h),
        category: h.category,
        categoryLabel: categoryLabel(h.category),
        labourClass: h.labourClass,
        labourClassLabel: labourClassLabel(h.labourClass),
        status: h.status,
        statusLabel: statusLabel(h.status),
        memberCount: memberCount.get(id) ?? 0,
        cadres: h.assignments.map((a) => ({
          role: a.role,
          roleLabel: labelOf(ASSIGNMENT_ROLE_LABELS, a.role),
          id: a.cadre.id,
          name: a.cadre.name,
        })),
        openTaskCount: tasks?._count._all ?? 0,
        highestRung: tasks?._max.rung ?? 0,
        lastVisitAt: last ? iso(last.visitedAt) : null,
        lastVisitCompliant: last ? last.compliant : null,
        latestIncomeYuan: last ? yuan(last.perCapitaIncomeYuan) : null,
      },
    ];
  });
  return { items, page: keys.page };
}

/** Each household's latest visit, picked by PostgreSQL (DISTINCT ON), for the given households. */
export async function latestVisits(
  prisma: PrismaClient,
  householdIds: readonly string[],
): Promise<Map<string, { visitedAt: Date; compliant: boolean; perCapitaIncomeYuan: Prisma.Decimal }>> {
  if (householdIds.length === 0) return new Map();
  const rows = await prisma.$queryRaw<
    Array<{ householdId: string; visitedAt: Date; compliant: boolean; perCapitaIncomeYuan: Prisma.Decimal }>
  >`
    SELECT DISTINCT ON ("householdId") "householdId", "visitedAt", compliant, "perCapitaIncomeYuan"
    FROM "VisitRecord" WHERE "householdId" = ANY(${[...householdIds]}::text[])
    ORDER BY "householdId", "visitedAt" DESC, id DESC`;
  return new Map(rows.map((r) => [r.householdId, r]));
}
