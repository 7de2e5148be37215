// 工作台账 import: an XLSX or CSV sheet (header in row 1, a household per row). The file is read and
// every row checked in a worker thread (parse-in-worker.ts → parse-ledger.ts), then checked
// against the database; any error and nothing is written. Otherwise new households are written in
// one transaction and their workflows started, and households already registered get their new
// facts: written with the new ones when no workflow runs yet, else sent to the workflow
// (`updateFacts`), which re-evaluates them.
import { randomUUID } from 'node:crypto';
import type { PrismaClient } from '../../db/client.js';
import { categoryLabel, supervisionEnded } from '../../policy/vocabulary.js';
import { Prisma } from '../../prisma/generated/client.js';
import { householdWorkflowId } from '../../workflows/household/definitions.js';
import { updateHouseholdFacts } from '../actions/household-facts.js';
import { DomainError } from '../errors.js';
import { memberRows, profileColumns, writeProfile } from '../household-profile-rows.js';
import type { HouseholdDeps } from '../households.js';
import { startSupervision } from '../supervision.js';
import { IMPORT_COLUMNS } from './ledger-columns.js';
import { DEFAULT_PARSE_LIMITS, type ParseLimits, parseSheetInWorker } from './parse-in-worker.js';
import {
  byRowThenColumn,
  type LedgerImportRow,
  type LedgerParseResult,
  type LedgerRowError,
} from './parse-ledger.js';

export type { LedgerImportRow, LedgerParseResult, LedgerRowError } from './parse-ledger.js';

export interface LedgerImportResult {
  /** Households the import registered. */
  imported: number;
  /** Households already registered whose facts the import changed. */
  updated: number;
  errors: LedgerRowError[];
  /** Ids (= 户编号) of the households written, new and updated. */
  households: string[];
  /** Names of the villages the import created. */
  villagesCreated: string[];
  workflowsStarted: number;
  /** Households written whose workflow could not be started (register them again to start it). */
  notStarted: Array<{ householdId: string; message: string }>;
  /** Households under supervision whose workflow refused the new facts (its message). */
  factsNotUpdated: Array<{ householdId: string; message: string }>;
}

/**
 * Reads and checks a ledger file (CSV or XLSX, by the file name's extension) without touching the
 * database: every row's fields, and numbers repeated within the file. Row numbers are the sheet's.
 */
export async function parseLedgerFile(
  buffer: Buffer,
  filename: string,
  limits: ParseLimits = DEFAULT_PARSE_LIMITS,
): Promise<LedgerParseResult> {
  const { rows, errors } = await parseSheetInWorker(buffer, filename, limits);
  return errors.length > 0 ? { ok: false, errors: errors.sort(byRowThenColumn) } : { ok: true, rows };
}

// ---------------------------------------------------------------------------------------------
// Checking against the database.

interface RegisteredHousehold {
  id: string;
  headName: string;
  villageName: string;
  category: string;
  status: string;
  workflowId: string | null;
  assistanceEmail: string | null;
}

interface CheckedRows {
  errors: LedgerRowError[];
  cadreIdOf: Map<string, string>;
  /** Rows of households already registered, with what the database holds about them. */
  existing: Map<string, RegisteredHousehold>;
}

/** A registered household's row may change its facts, not who and where it is. */
function mismatches(r: LedgerImportRow, h: RegisteredHousehold): LedgerRowError[] {
  const errors: LedgerRowError[] = [];
  const at = (column: string, message: string) => errors.push({ row: r.row, column, message });
  if (supervisionEnded(h.status)) {
    at(IMPORT_COLUMNS.number, `户 ${h.id} 已结束挂牌督战，不能通过导入修改`);
    return errors;
  }
  if (r.headName !== h.headName)
    at(IMPORT_COLUMNS.headName, `户主姓名与系统中的“${h.headName}”不一致；已登记的户不能通过导入改户主`);
  if (r.villageName !== h.villageName)
    at(IMPORT_COLUMNS.village, `所属村与系统中的“${h.villageName}”不一致；已登记的户不能通过导入改所属村`);
  if (r.category !== h.category)
    at(
      IMPORT_COLUMNS.category,
      `户类别与系统中的“${categoryLabel(h.category)}”不一致；请在管理页“调整户类别”中修改`,
    );
  if (h.assistanceEmail && r.assistanceEmail !== h.assistanceEmail)
    at(
      IMPORT_COLUMNS.assistance,
      `帮扶责任人与系统中的 ${h.assistanceEmail} 不一致；请在管理页“调整帮扶干部”中修改`,
    );
  return errors;
}

async function databaseErrors(prisma: PrismaClient, rows: readonly LedgerImportRow[]): Promise<CheckedRows> {
  const numbers = rows.map((r) => r.number);
  const [registered, cadres] = await Promise.all([
    prisma.household.findMany({
      where: { OR: [{ number: { in: numbers } }, { id: { in: numbers } }] },
      include: {
        village: { select: { name: true } },
        assignments: {
          where: { role: 'ASSISTANCE', to: null },
          orderBy: { from: 'desc' },
          take: 1,
          include: { cadre: { select: { email: true } } },
        },
      },
    }),
    prisma.cadre.findMany({ select: { id: true, email: true, rank: true, active: true } }),
  ]);
  const existing = new Map<string, RegisteredHousehold>();
  const errors: LedgerRowError[] = [];
  for (const h of registered) {
    if (h.id !== h.number) {
      // A household whose id is not its number cannot be matched to a row safely.
      const r = rows.find((x) => x.number === h.id || x.number === h.number);
      if (r)
        errors.push({ row: r.row, column: IMPORT_COLUMNS.number, message: `户编号 ${r.number} 已在系统中` });
      continue;
    }
    existing.set(h.id, {
      id: h.id,
      headName: h.headName,
      villageName: h.village.name,
      category: h.category,
      status: h.status,
      workflowId: h.workflowId,
      assistanceEmail: h.assignments[0]?.cadre.email.toLowerCase() ?? null,
    });
  }
  const cadreOf = new Map(cadres.map((c) => [c.email.toLowerCase(), c]));
  const cadreIdOf = new Map<string, string>();
  for (const r of rows) {
    const household = existing.get(r.number);
    if (household) errors.push(...mismatches(r, household));
    const cadre = cadreOf.get(r.assistanceEmail);
    const column = IMPORT_COLUMNS.assistance;
    if (!cadre) errors.push({ row: r.row, column, message: `没有电子邮箱为 ${r.assistanceEmail} 的干部` });
    else if (cadre.rank !== 'ASSISTANCE_CADRE')
      errors.push({ row: r.row, column, message: `${r.assistanceEmail} 不是帮扶责任人` });
    else if (!cadre.active && !household)
      errors.push({ row: r.row, column, message: `帮扶责任人 ${r.assistanceEmail} 已停用` });
    else cadreIdOf.set(r.assistanceEmail, cadre.id);
  }
  return { errors, cadreIdOf, existing };
}

// ---------------------------------------------------------------------------------------------
// Writing, starting, updating.

/** The id of the 帮扶责任人 assignment an import writes; the workflow's assignment activity keeps it. */
export const importAssistanceAssignmentId = (householdId: string) => `import/${householdId}/ASSISTANCE`;

const CALLS_IN_FLIGHT = 8;

/** Runs `work` for every item, a few at a time. */
async function inParallel<T>(items: readonly T[], work: (item: T) => Promise<void>) {
  const queue = [...items];
  const next = async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(item);
  };
  await Promise.all(Array.from({ length: CALLS_IN_FLIGHT }, next));
}

export interface ImportOptions {
  /** Limits of the parsing worker (tests shorten them). */
  parseLimits?: ParseLimits;
}

/**
 * Imports a ledger file all-or-nothing: any row error (in the file, or against the database: an
 * unknown 帮扶责任人, a registered household whose head, village, category or 帮扶责任人 differ)
 * and nothing is written. Otherwise one transaction writes the new villages, the new households
 * with their members and 帮扶责任人 assignment (`import/<id>/ASSISTANCE`), the new facts of
 * registered households no workflow runs for yet, and an audit row per household; then each new
 * household's workflow is started, and each running one is sent its new facts.
 */
export async function importLedger(
  deps: HouseholdDeps,
  buffer: Buffer,
  filename: string,
  by: string,
  options: ImportOptions = {},
): Promise<LedgerImportResult> {
  const { prisma } = deps;
  const failed = (errors: LedgerRowError[]): LedgerImportResult => ({
    imported: 0,
    updated: 0,
    errors: errors.sort(byRowThenColumn),
    households: [],
    villagesCreated: [],
    workflowsStarted: 0,
    notStarted: [],
    factsNotUpdated: [],
  });
  const parsed = await parseSheetInWorker(buffer, filename, options.parseLimits);
  if (parsed.errors.some((e) => e.row <= 1)) return failed(parsed.errors);
  const checked = await databaseErrors(prisma, parsed.rows);
  if (parsed.errors.length + checked.errors.length > 0) return failed([...parsed.errors, ...checked.errors]);

  const fresh = parsed.rows.filter((r) => !checked.existing.has(r.number));
  const known = parsed.rows.filter((r) => checked.existing.has(r.number));
  const unsupervised = known.filter((r) => !checked.existing.get(r.number)?.workflowId);
  const supervised = known.filter((r) => checked.existing.get(r.number)?.workflowId);
  const now = new Date();
  let villagesCreated: string[];
  try {
    villagesCreated = await prisma.$transaction(
      async (tx) => {
        const names = [...new Set(fresh.map((r) => r.villageName))];
        const villages = await tx.village.findMany({ where: { name: { in: names } } });
        const missing = names.filter((n) => !villages.some((v) => v.name === n));
        const created = missing.map((name) => ({ id: randomUUID(), name }));
        await tx.village.createMany({ data: created });
        const villageIdOf = new Map([...villages, ...created].map((v) => [v.name, v.id]));
        await tx.household.createMany({
          data: fresh.map((r) => ({
            id: r.number,
            number: r.number,
            headName: r.headName,
            villageId: villageIdOf.get(r.villageName) ?? '',
            category: r.category,
            ...profileColumns(r.profile),
          })),
        });
        await tx.householdMember.createMany({
          data: memberRows(fresh.map((r) => ({ id: r.number, members: r.profile.members }))),
        });
        await tx.assignment.createMany({
          data: fresh.map((r) => ({
            id: importAssistanceAssignmentId(r.number),
            householdId: r.number,
            cadreId: checked.cadreIdOf.get(r.assistanceEmail) ?? '',
            role: 'ASSISTANCE',
            from: now,
          })),
        });
        for (const r of unsupervised) await writeProfile(tx, r.number, r.profile);
        await tx.auditLog.createMany({
          data: [...fresh, ...unsupervised].map((r) => ({
            at: now,
            actor: by,
            action: checked.existing.has(r.number) ? 'FACTS_UPDATED' : 'LEDGER_IMPORTED',
            householdId: r.number,
            workflowId: householdWorkflowId(r.number),
            detail: { filename, row: r.row, households: parsed.rows.length },
          })),
        });
        return missing;
      },
      { timeout: 120_000, maxWait: 20_000 },
    );
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002')
      throw new DomainError('CONFLICT', '导入期间有户编号被同时登记，未写入任何数据，请重新导入');
    throw error;
  }

  // Started after the commit: a workflow's first activity reads the household's row.
  const notStarted: LedgerImportResult['notStarted'] = [];
  let workflowsStarted = 0;
  await inParallel(fresh, async (r) => {
    try {
      await startSupervision(deps, r.number);
      workflowsStarted += 1;
    } catch (error) {
      notStarted.push({ householdId: r.number, message: (error as Error).message });
    }
  });

  // The same check as the facts form: the workflow re-evaluates and writes the facts itself.
  const factsNotUpdated: LedgerImportResult['factsNotUpdated'] = [];
  await inParallel(supervised, async (r) => {
    try {
      await updateHouseholdFacts(deps, r.number, r.profile, by, `台账导入：${filename} 第 ${r.row} 行`);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      factsNotUpdated.push({ householdId: r.number, message: error.message });
    }
  });

  return {
    imported: fresh.length,
    updated: known.length,
    errors: [],
    households: parsed.rows.map((r) => r.number),
    villagesCreated,
    workflowsStarted,
    notStarted,
    factsNotUpdated,
  };
}
