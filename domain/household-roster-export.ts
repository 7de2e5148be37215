// The filtered 农户名册 as a spreadsheet (XLSX) or CSV, the same columns in both.
import ExcelJS from 'exceljs';
import { townshipDateOf } from '../config/township-clock.js';
import type { PrismaClient } from '../db/client.js';
import type { HouseholdScope } from './access.js';
import { defuseFormula } from './ledger/export-ledger.js';
import { householdRosterAll, type RosterQuery, type RosterRow } from './queries/household-roster.js';

const COLUMNS: ReadonlyArray<readonly [string, (r: RosterRow) => string | number]> = [
  ['户编号', (r) => r.number],
  ['户主', (r) => r.headName],
  ['村', (r) => r.village.name],
  ['户类别', (r) => r.categoryLabel],
  ['劳动力类型', (r) => r.labourClassLabel],
  ['督战状态', (r) => r.statusLabel],
  ['人口', (r) => r.memberCount],
  ['帮扶责任人', (r) => r.assistanceCadre?.name ?? ''],
  ['结对帮扶领导', (r) => r.leaderCadre?.name ?? ''],
  ['最近走访', (r) => (r.lastVisitAt ? townshipDateOf(r.lastVisitAt) : '')],
  ['最近人均纯收入（元）', (r) => r.latestIncomeYuan ?? ''],
  ['收入线（元）', (r) => r.incomeLineYuan],
  ['低于收入线', (r) => (r.incomeBelowLine ? '是' : '')],
  ['未办结任务', (r) => r.openTasks],
  ['逾期任务', (r) => r.overdueTasks],
  ['未整改问题', (r) => r.openFollowUps],
  ['督办级别', (r) => r.highestRung],
];

async function rosterWorkbook(
  prisma: PrismaClient,
  args: { filter: RosterQuery; scope: HouseholdScope; now: Date },
  forCsv: boolean,
) {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('农户名册');
  sheet.addRow(COLUMNS.map(([header]) => header));
  for await (const rows of householdRosterAll(prisma, args)) {
    sheet.addRows(
      rows.map((row) =>
        COLUMNS.map(([, value]) => {
          const v = value(row);
          // Names typed by people reach the CSV: a cell a spreadsheet would run as a formula is defused.
          return forCsv && typeof v === 'string' ? defuseFormula(v) : v;
        }),
      ),
    );
  }
  return workbook;
}

export async function householdRosterXlsx(
  prisma: PrismaClient,
  args: { filter: RosterQuery; scope: HouseholdScope; now: Date },
): Promise<Buffer> {
  const workbook = await rosterWorkbook(prisma, args, false);
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

/** UTF-8 with a BOM, so Excel shows the Chinese. */
export async function householdRosterCsv(
  prisma: PrismaClient,
  args: { filter: RosterQuery; scope: HouseholdScope; now: Date },
): Promise<string> {
  const workbook = await rosterWorkbook(prisma, args, true);
  return `\uFEFF${Buffer.from(await workbook.csv.writeBuffer()).toString('utf8')}`;
}
