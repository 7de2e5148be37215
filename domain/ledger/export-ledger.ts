// 工作台账 export: one row per household, as XLSX or as CSV (UTF-8 with a BOM, so Excel shows the
// Chinese), both written by exceljs. The sheet reads back in through import-ledger.ts.
import ExcelJS from 'exceljs';
import type { PrismaClient } from '../../db/client.js';
import type { Prisma } from '../../prisma/generated/client.js';
import { categoryLabel, labourClassLabel, statusLabel } from '../queries/labels.js';
import { shanghaiDate } from '../queries/shared.js';
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

/** The ledger's rows, by village name then household number. */
export async function ledgerRows(
  prisma: PrismaClient,
  options: LedgerExportOptions = {},
): Promise<LedgerRow[]> {
  const where: Prisma.HouseholdWhereInput = {};
  if (options.villageId) where.villageId = options.villageId;
  if (options.householdIds) where.id = { in: options.householdIds };
  const households = await prisma.household.findMany({
    where,
    include: {
      village: { select: { name: true } },
      members: { orderBy: { id: 'asc' } },
      assignments: {
        where: { role: 'ASSISTANCE', to: null },
        orderBy: { from: 'desc' },
        take: 1,
        include: { cadre: { select: { name: true, email: true } } },
      },
      tasks: { where: { status: 'OPEN', kind: 'FOLLOW_UP' }, select: { id: true } },
      visits: {
        orderBy: [{ visitedAt: 'desc' }, { id: 'desc' }],
        take: 1,
        select: { visitedAt: true, perCapitaIncomeYuan: true },
      },
    },
    orderBy: [{ village: { name: 'asc' } }, { number: 'asc' }],
  });
  return households.map((h) => {
    const cadre = h.assignments[0]?.cadre;
    const last = h.visits[0];
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
      最近走访: last ? shanghaiDate(last.visitedAt) : null,
      '人均纯收入（最近）': last ? last.perCapitaIncomeYuan.toNumber() : null,
      未整改问题数: h.tasks.length,
    };
  });
}

function ledgerWorkbook(rows: readonly LedgerRow[], forCsv: boolean): ExcelJS.Workbook {
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
          return [c.header, forCsv && typeof value === 'string' ? defuseFormula(value) : value];
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
  const workbook = ledgerWorkbook(await ledgerRows(prisma, options), false);
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

/** The ledger as CSV text, starting with a BOM (U+FEFF) so Excel reads it as UTF-8. */
export async function exportLedgerCsv(
  prisma: PrismaClient,
  options: LedgerExportOptions = {},
): Promise<string> {
  const workbook = ledgerWorkbook(await ledgerRows(prisma, options), true);
  const buffer = await workbook.csv.writeBuffer({
    sheetName: LEDGER_SHEET_NAME,
    formatterOptions: { writeBOM: true, rowDelimiter: '\r\n' },
  });
  const text = Buffer.from(buffer).toString('utf8');
  return text.startsWith('\uFEFF') ? text : `\uFEFF${text}`;
}
