// 工作台账 export: one row per household, as XLSX or as CSV (UTF-8 with a BOM, so Excel shows the
// Chinese), both written by exceljs. The sheet reads back in through import-ledger.ts.
import ExcelJS from 'exceljs';
import { townshipDateOf } from '../../config/township-clock.js';
import type { PrismaClient } from '../../db/client.js';
import { categoryLabel, labourClassLabel, statusLabel } from '../../policy/vocabulary.js';
import type { Prisma } from '../../prisma/generated/client.js';
import { householdIdsPage } from '../queries/households.js';
import { type Cursor, MAX_PAGE_SIZE } from '../queries/pagination.js';
import {
  CAUSE_SEPARATOR,
  LABOUR_ABILITY_CELL,
  LEDGER_COLUMNS,
  type LedgerColumnHeader,
  MEMBER_FIELD_SEPARATOR,
  MEMBER_SEPARATOR,
  NO_CELL,
  YES_CELL,
} from './ledger-columns.js';

export const LEDGER_SHEET_NAME = '工作台账';

/** One ledger row: a value per column header (text, a number, or empty). */
export type LedgerRow = Record<LedgerColumnHeader, string | number | null>;

export interface LedgerExportOptions {
  /** Only this village's households. */
  villageId?: string;
  /** Only these households. */
  householdIds?: string[];
}

/** How a cadre appears in the 帮扶责任人 column: the name and the e-mail (which the import reads). */
export const cadreCell = (cadre: { name: string; email: string }): string =>
  `${cadre.name}（${cadre.email}）`;

/** How many households the export reads at a time: memory stays flat whatever the township's size. */
const LEDGER_CHUNK = MAX_PAGE_SIZE;

/** The ledger rows of one chunk of households (by village name then number) and where the next starts. */
async function ledgerChunk(
  prisma: PrismaClient,
  options: LedgerExportOptions,
  cursor: Cursor | undefined,
): Promise<{ rows: LedgerRow[]; next: Cursor | undefined }> {
  const keys = await householdIdsPage(prisma, options, cursor, LEDGER_CHUNK);
  const ids = keys.map((k) => k.id);
  if (ids.length === 0) return { rows: [], next: undefined };
  const [households, standings] = await Promise.all([
    prisma.household.findMany({
      where: { id: { in: ids } },
      include: {
        village: { select: { name: true } },
        members: { orderBy: { id: 'asc' } },
        assignments: {
          where: { role: 'ASSISTANCE', to: null },
          orderBy: { from: 'desc' },
          take: 1,
          include: { cadre: { select: { name: true, email: true } } },
        },
      },
    }),
    // The latest visit and the open follow-ups as the triggers keep them (HouseholdStanding), one
    // row per household, not counted from the tasks and visits of each.
    prisma.householdStanding.findMany({
      where: { householdId: { in: ids } },
      select: { householdId: true, lastVisitAt: true, lastIncomeYuan: true, openFollowUps: true },
    }),
  ]);
  const byId = new Map(households.map((h) => [h.id, h]));
  const standing = new Map(standings.map((s) => [s.householdId, s]));
  const lastVisit = (id: string) => {
    const s = standing.get(id);
    return s?.lastVisitAt && s.lastIncomeYuan !== null
      ? { visitedAt: s.lastVisitAt, perCapitaIncomeYuan: s.lastIncomeYuan }
      : undefined;
  };
  const rows = ids.flatMap((id) => {
    const h = byId.get(id);
    return h ? [ledgerRow(h, standing.get(id)?.openFollowUps ?? 0, lastVisit(id))] : [];
  });
  const last = keys[keys.length - 1];
  const next =
    keys.length === LEDGER_CHUNK && last
      ? { key: [last.villageName, last.number], direction: 'next' as const }
      : undefined;
  return { rows, next };
}

type LedgerHousehold = Prisma.HouseholdGetPayload<{
  include: {
    village: { select: { name: true } };
    members: true;
    assignments: { include: { cadre: { select: { name: true; email: true } } } };
  };
}>;

function ledgerRow(
  h: LedgerHousehold,
  openFollowUps: number,
  last: { visitedAt: Date; perCapitaIncomeYuan: Prisma.Decimal } | undefined,
): LedgerRow {
  const cadre = h.assignments[0]?.cadre;
  const members = h.members
    .map((m) =>
      [
        m.name,
        String(m.age),
        LABOUR_ABILITY_CELL[m.labourAbility as keyof typeof LABOUR_ABILITY_CELL] ?? '无',
        m.relation,
        m.inSchool ? YES_CELL : NO_CELL,
        m.chronicIllness ? YES_CELL : NO_CELL,
      ].join(MEMBER_FIELD_SEPARATOR),
    )
    .join(MEMBER_SEPARATOR);
  return {
    户编号: h.number,
    户主姓名: h.headName,
    所属村: h.village.name,
    户类别: categoryLabel(h.category),
    劳动力类型: labourClassLabel(h.labourClass),
    家庭人口: h.members.length,
    有劳动力人数: h.members.filter((m) => m.labourAbility !== 'NONE').length,
    家庭成员: members,
    致贫原因: h.causes.join(CAUSE_SEPARATOR),
    帮扶需求: h.needs,
    一户一策: h.plan,
    联系电话: h.phone,
    帮扶责任人: cadre ? cadreCell(cadre) : '',
    督战状态: statusLabel(h.status),
    最近走访: last ? townshipDateOf(last.visitedAt) : null,
    '人均纯收入（最近）': last ? last.perCapitaIncomeYuan.toNumber() : null,
    未整改问题数: openFollowUps,
  };
}

/** The ledger's rows a chunk at a time, by village name then household number. */
export async function* ledgerRowChunks(
  prisma: PrismaClient,
  options: LedgerExportOptions = {},
): AsyncGenerator<LedgerRow[]> {
  let cursor: Cursor | undefined;
  do {
    const chunk = await ledgerChunk(prisma, options, cursor);
    if (chunk.rows.length > 0) yield chunk.rows;
    cursor = chunk.next;
  } while (cursor);
}

/** The ledger's rows, by village name then household number (all of them: for the XLSX). */
export async function ledgerRows(
  prisma: PrismaClient,
  options: LedgerExportOptions = {},
): Promise<LedgerRow[]> {
  const rows: LedgerRow[] = [];
  for await (const chunk of ledgerRowChunks(prisma, options)) rows.push(...chunk);
  return rows;
}

function ledgerWorkbook(rows: readonly LedgerRow[]): ExcelJS.Workbook {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'duzhan';
  const sheet = workbook.addWorksheet(LEDGER_SHEET_NAME, { views: [{ state: 'frozen', ySplit: 1 }] });
  sheet.columns = LEDGER_COLUMNS.map((c) => ({
    header: c.header,
    key: c.header,
    width: c.width,
    ...(c.key === 'number' ? { style: { numFmt: '@' } } : {}),
  }));
  sheet.getRow(1).font = { bold: true };
  for (const row of rows) {
    sheet.addRow(
      Object.fromEntries(
        LEDGER_COLUMNS.map((c) => {
          const value = row[c.header];
          return [c.header, value];
        }),
      ),
    );
  }
  return workbook;
}

/**
 * A CSV cell starting with = + - @ (or a tab / carriage return) would be run as a formula by a
 * spreadsheet (CSV injection): it is written with a leading apostrophe, which the import removes.
 * XLSX cells are typed strings and need nothing.
 */
export function defuseFormula(text: string): string {
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

export async function exportLedgerXlsx(
  prisma: PrismaClient,
  options: LedgerExportOptions = {},
): Promise<Buffer> {
  const workbook = ledgerWorkbook(await ledgerRows(prisma, options));
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

/** A CSV cell as the export writes it: formulas defused, quoted when it holds a comma, quote or line break. */
function csvCell(value: string | number | null): string {
  if (value === null) return '';
  const text = typeof value === 'string' ? defuseFormula(value) : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

const csvLine = (cells: ReadonlyArray<string | number | null>) => cells.map(csvCell).join(',');

/**
 * The ledger as CSV, a chunk of households at a time: a BOM (U+FEFF, so Excel reads UTF-8) and the
 * header first, then each chunk's lines. The whole file is never held in memory: the route streams it.
 */
export async function* ledgerCsvChunks(
  prisma: PrismaClient,
  options: LedgerExportOptions = {},
): AsyncGenerator<string> {
  yield `\uFEFF${csvLine(LEDGER_COLUMNS.map((c) => c.header))}`;
  for await (const rows of ledgerRowChunks(prisma, options))
    yield rows.map((row) => `\r\n${csvLine(LEDGER_COLUMNS.map((c) => row[c.header]))}`).join('');
}

/** The ledger as CSV text (the chunks joined), starting with a BOM. */
export async function exportLedgerCsv(
  prisma: PrismaClient,
  options: LedgerExportOptions = {},
): Promise<string> {
  let text = '';
  for await (const chunk of ledgerCsvChunks(prisma, options)) text += chunk;
  return text;
}
