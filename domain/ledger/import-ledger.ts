// 工作台账 import: an XLSX or CSV sheet (header in row 1, a household per row) read by exceljs,
// validated row by row with zod, checked against the database, then written all-or-nothing in one
// transaction; each imported household's supervision workflow is started afterwards.
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import { z } from 'zod';
import type { PrismaClient } from '../../db/client.js';
import {
  HOUSEHOLD_CATEGORY_LABELS,
  type HouseholdCategory,
  LABOUR_CLASS_LABELS,
  type LabourClass,
} from '../../policy/index.js';
import { Prisma } from '../../prisma/generated/client.js';
import { householdWorkflowId } from '../../workflows/household/definitions.js';
import { DomainError } from '../errors.js';
import type { HouseholdDeps } from '../households.js';
import { startSupervision } from '../supervision.js';
import {
  IMPORT_COLUMNS,
  type ImportColumnKey,
  LABOUR_ABILITY_CELL,
  MAX_IMPORT_ROWS,
  REQUIRED_IMPORT_COLUMNS,
} from './ledger-columns.js';

export type LabourAbility = 'FULL' | 'PARTIAL' | 'NONE';

export interface LedgerMember {
  name: string;
  age: number;
  labourAbility: LabourAbility;
}

/** A valid row of the sheet, ready to be written. */
export interface LedgerImportRow {
  /** The row's number in the sheet (the header is row 1). */
  row: number;
  number: string;
  headName: string;
  villageName: string;
  category: HouseholdCategory;
  labourClass: LabourClass;
  causes: string[];
  needs: string;
  plan: string;
  /** E-mail of the 帮扶责任人 (an existing, active ASSISTANCE_CADRE), lower-cased. */
  assistanceEmail: string;
  members: LedgerMember[];
}

export interface LedgerRowError {
  /** The row in the sheet (header = 1); 0 for the file as a whole (unreadable, empty, too long). */
  row: number;
  /** The column's header, or '' when the error is not about one column. */
  column: string;
  /** In Chinese. */
  message: string;
}

export type LedgerParseResult =
  | { ok: true; rows: LedgerImportRow[] }
  | { ok: false; errors: LedgerRowError[] };

export interface LedgerImportResult {
  imported: number;
  errors: LedgerRowError[];
  /** Ids (= 户编号) of the households written. */
  households: string[];
  /** Names of the villages the import created. */
  villagesCreated: string[];
  workflowsStarted: number;
  /** Households written whose workflow could not be started (register them again to start it). */
  notStarted: Array<{ householdId: string; message: string }>;
}

// ---------------------------------------------------------------------------------------------
// Reading the sheet into text cells.

interface SheetRow {
  row: number;
  cells: string[];
}

type CellValue = ExcelJS.CellValue;

function cellText(value: CellValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  if ('richText' in value) return value.richText.map((t) => t.text).join('');
  if ('hyperlink' in value) return cellText(value.text as CellValue);
  if ('result' in value) return value.result === undefined ? '' : cellText(value.result as CellValue);
  if ('error' in value) return String(value.error);
  return '';
}

class UnreadableFile extends Error {}

function decodeText(buffer: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(buffer);
  } catch {
    // Excel on a Chinese Windows saves "CSV" in GB18030 (GBK); read that too.
    try {
      return new TextDecoder('gb18030').decode(buffer);
    } catch {
      throw new UnreadableFile('文件不是 UTF-8 或 GBK 编码的文本');
    }
  }
}

async function readWorksheet(buffer: Buffer, filename: string): Promise<ExcelJS.Worksheet> {
  const workbook = new ExcelJS.Workbook();
  const extension = filename.toLowerCase().split('.').pop();
  if (extension === 'xlsx') {
    try {
      // exceljs declares its own `Buffer` (an ArrayBuffer) in its types; at run time it reads a Node Buffer.
      await workbook.xlsx.load(buffer as unknown as Parameters<ExcelJS.Xlsx['load']>[0]);
    } catch {
      throw new UnreadableFile('无法读取该 XLSX 文件，请确认文件未损坏');
    }
    const sheet = workbook.worksheets[0];
    if (!sheet) throw new UnreadableFile('XLSX 文件中没有工作表');
    return sheet;
  }
  if (extension === 'csv') {
    const text = decodeText(buffer).replace(/^\uFEFF/, '');
    try {
      return await workbook.csv.read(Readable.from([text]), {
        // Keep every cell as text: 户编号 such as 0012 must not become a number.
        map: (value: unknown) => (typeof value === 'string' ? value : ''),
        parserOptions: { ignoreEmpty: false },
      });
    } catch {
      throw new UnreadableFile('无法读取该 CSV 文件，请检查引号和分隔符');
    }
  }
  throw new UnreadableFile('只能导入 .xlsx 或 .csv 文件');
}

async function readSheet(buffer: Buffer, filename: string): Promise<SheetRow[]> {
  const sheet = await readWorksheet(buffer, filename);
  const rows: SheetRow[] = [];
  sheet.eachRow({ includeEmpty: false }, (row, rowNumber) => {
    const cells: string[] = [];
    for (let col = 1; col <= row.cellCount; col += 1) cells.push(cellText(row.getCell(col).value));
    if (cells.some((c) => c.trim() !== '')) rows.push({ row: rowNumber, cells });
  });
  return rows;
}

// ---------------------------------------------------------------------------------------------
// Validating a row.

const labelOrCode = <T extends string>(labels: Record<T, string>, required: string, invalid: string) =>
  z
    .string()
    .trim()
    .min(1, required)
    .transform((text, ctx) => {
      const found = (Object.keys(labels) as T[]).find((key) => key === text || labels[key] === text);
      if (found === undefined) {
        ctx.addIssue({ code: 'custom', message: invalid });
        return z.NEVER;
      }
      return found;
    });

const ABILITY_OF_CELL: Record<string, LabourAbility> = {
  [LABOUR_ABILITY_CELL.FULL]: 'FULL',
  [LABOUR_ABILITY_CELL.PARTIAL]: 'PARTIAL',
  [LABOUR_ABILITY_CELL.NONE]: 'NONE',
  有劳动力: 'FULL',
  部分丧失: 'PARTIAL',
  部分丧失劳动力: 'PARTIAL',
  无劳动力: 'NONE',
};

const MEMBER_FORMAT = '姓名/年龄/劳动力（有、部分或无），多人用“；”分隔';
const MAX_MEMBERS = 30;

const membersSchema = z
  .string()
  .trim()
  .min(1, `家庭成员必填，格式：${MEMBER_FORMAT}`)
  .transform((text, ctx): LedgerMember[] => {
    const parts = text
      .split(/[；;]/)
      .map((p) => p.trim())
      .filter((p) => p !== '');
    if (parts.length > MAX_MEMBERS) {
      ctx.addIssue({ code: 'custom', message: `家庭成员最多 ${MAX_MEMBERS} 人` });
      return z.NEVER;
    }
    const members: LedgerMember[] = [];
    parts.forEach((part, i) => {
      const fields = part.split(/[/／]/).map((f) => f.trim());
      const where = `第 ${i + 1} 位成员“${part}”`;
      const [name, ageText, abilityText] = fields;
      if (fields.length !== 3 || !name || !ageText || !abilityText) {
        ctx.addIssue({ code: 'custom', message: `${where}格式不正确，应为 ${MEMBER_FORMAT}` });
        return;
      }
      const age = Number(ageText);
      const ability = ABILITY_OF_CELL[abilityText];
      if (name.length > 40) ctx.addIssue({ code: 'custom', message: `${where}的姓名最长 40 字` });
      else if (!/^\d{1,3}$/.test(ageText) || age > 120)
        ctx.addIssue({ code: 'custom', message: `${where}的年龄必须是 0 到 120 之间的整数` });
      else if (!ability) ctx.addIssue({ code: 'custom', message: `${where}的劳动力必须是 有、部分 或 无` });
      else members.push({ name, age, labourAbility: ability });
    });
    return members;
  });

const causesSchema = z
  .string()
  .trim()
  .transform((text, ctx) => {
    const causes = [
      ...new Set(
        text
          .split(/[、,，;；]/)
          .map((c) => c.trim())
          .filter((c) => c !== ''),
      ),
    ];
    if (causes.length > 10) ctx.addIssue({ code: 'custom', message: '致贫原因最多 10 项，用“、”分隔' });
    if (causes.some((c) => c.length > 20))
      ctx.addIssue({ code: 'custom', message: '每项致贫原因最长 20 字' });
    return causes;
  });

const EMAIL = /[^\s<>()（）,，;；]+@[^\s<>()（）,，;；]+\.[^\s<>()（）,，;；]+/g;

const assistanceSchema = z
  .string()
  .trim()
  .min(1, '帮扶责任人必填，请填写其电子邮箱')
  .transform((text, ctx) => {
    const emails = text.match(EMAIL) ?? [];
    if (emails.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message: emails.length === 0 ? '帮扶责任人请填写电子邮箱' : '帮扶责任人只能填写一位（一个电子邮箱）',
      });
      return z.NEVER;
    }
    return (emails[0] ?? '').toLowerCase();
  });

const rowSchema = z.object({
  number: z
    .string()
    .trim()
    .min(1, '户编号必填')
    .regex(/^[0-9A-Za-z-]{1,40}$/, '户编号只能包含数字、字母和连字符，最长 40 位'),
  headName: z.string().trim().min(1, '户主姓名必填').max(40, '户主姓名最长 40 字'),
  village: z.string().trim().min(1, '所属村必填').max(40, '村名最长 40 字'),
  category: labelOrCode(
    HOUSEHOLD_CATEGORY_LABELS,
    '户类别必填',
    '户类别必须是 未脱贫户、脱贫监测户 或 边缘户',
  ),
  labourClass: labelOrCode(
    LABOUR_CLASS_LABELS,
    '劳动力类型必填',
    '劳动力类型必须是 一类、二类、三类 或 四类',
  ),
  causes: causesSchema,
  needs: z.string().trim().max(500, '帮扶需求最长 500 字'),
  plan: z.string().trim().max(2000, '一户一策最长 2000 字'),
  assistance: assistanceSchema,
  members: membersSchema,
});

/** A CSV cell the export wrote with a leading apostrophe (formula defused) reads back without it. */
const undefuse = (text: string) => (/^'[=+\-@\t\r]/.test(text) ? text.slice(1) : text);

interface ParsedSheet {
  rows: LedgerImportRow[];
  errors: LedgerRowError[];
}

async function parseSheet(buffer: Buffer, filename: string): Promise<ParsedSheet> {
  let sheet: SheetRow[];
  try {
    sheet = await readSheet(buffer, filename);
  } catch (error) {
    if (error instanceof UnreadableFile)
      return { rows: [], errors: [{ row: 0, column: '', message: error.message }] };
    throw error;
  }
  const [header, ...data] = sheet;
  if (header?.row !== 1)
    return {
      rows: [],
      errors: [{ row: 0, column: '', message: '文件第 1 行必须是表头（户编号、户主姓名……）' }],
    };

  const errors: LedgerRowError[] = [];
  const columnIndex = new Map<ImportColumnKey, number>();
  const headers = header.cells.map((c) => c.trim());
  for (const [key, title] of Object.entries(IMPORT_COLUMNS) as Array<[ImportColumnKey, string]>) {
    const at = headers.indexOf(title);
    if (at >= 0 && headers.indexOf(title, at + 1) >= 0)
      errors.push({ row: 1, column: title, message: `表头“${title}”出现了不止一次` });
    if (at >= 0) columnIndex.set(key, at);
    else if (REQUIRED_IMPORT_COLUMNS.includes(key))
      errors.push({ row: 1, column: title, message: `缺少必填列“${title}”` });
  }
  if (errors.length > 0) return { rows: [], errors };
  if (data.length === 0)
    return {
      rows: [],
      errors: [{ row: 0, column: '', message: '文件中没有数据行（第 1 行是表头，从第 2 行起每行一户）' }],
    };
  if (data.length > MAX_IMPORT_ROWS)
    return {
      rows: [],
      errors: [
        { row: 0, column: '', message: `文件中有 ${data.length} 行数据，一次最多导入 ${MAX_IMPORT_ROWS} 户` },
      ],
    };

  const rows: LedgerImportRow[] = [];
  const firstRowOf = new Map<string, number>();
  for (const { row, cells } of data) {
    const input = Object.fromEntries(
      (Object.keys(IMPORT_COLUMNS) as ImportColumnKey[]).map((key) => {
        const at = columnIndex.get(key);
        return [key, at === undefined ? '' : undefuse(cells[at] ?? '')];
      }),
    );
    const parsed = rowSchema.safeParse(input);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const key = issue.path[0] as ImportColumnKey | undefined;
        errors.push({ row, column: key ? IMPORT_COLUMNS[key] : '', message: issue.message });
      }
      continue;
    }
    const v = parsed.data;
    const first = firstRowOf.get(v.number);
    if (first !== undefined) {
      errors.push({ row, column: IMPORT_COLUMNS.number, message: `户编号 ${v.number} 与第 ${first} 行重复` });
      continue;
    }
    firstRowOf.set(v.number, row);
    rows.push({
      row,
      number: v.number,
      headName: v.headName,
      villageName: v.village,
      category: v.category,
      labourClass: v.labourClass,
      causes: v.causes,
      needs: v.needs,
      plan: v.plan,
      assistanceEmail: v.assistance,
      members: v.members,
    });
  }
  return { rows, errors };
}

const COLUMN_ORDER: readonly string[] = ['', ...Object.values(IMPORT_COLUMNS)];
/** Errors in sheet order: by row, then by the column's place in the import's column list. */
const byRowThenColumn = (a: LedgerRowError, b: LedgerRowError) =>
  a.row - b.row || COLUMN_ORDER.indexOf(a.column) - COLUMN_ORDER.indexOf(b.column);

/**
 * Reads and checks a ledger file (CSV or XLSX, by the file name's extension) without touching the
 * database: every row's fields, and numbers repeated within the file. Row numbers are the sheet's.
 */
export async function parseLedgerFile(buffer: Buffer, filename: string): Promise<LedgerParseResult> {
  const { rows, errors } = await parseSheet(buffer, filename);
  return errors.length > 0 ? { ok: false, errors: errors.sort(byRowThenColumn) } : { ok: true, rows };
}

// ---------------------------------------------------------------------------------------------
// Checking against the database, writing, starting.

async function databaseErrors(
  prisma: PrismaClient,
  rows: readonly LedgerImportRow[],
): Promise<{ errors: LedgerRowError[]; cadreIdOf: Map<string, string> }> {
  const numbers = rows.map((r) => r.number);
  const [existing, cadres] = await Promise.all([
    prisma.household.findMany({
      where: { OR: [{ number: { in: numbers } }, { id: { in: numbers } }] },
      select: { id: true, number: true },
    }),
    prisma.cadre.findMany({ select: { id: true, email: true, rank: true, active: true } }),
  ]);
  const taken = new Set(existing.flatMap((h) => [h.id, h.number]));
  const cadreOf = new Map(cadres.map((c) => [c.email.toLowerCase(), c]));
  const cadreIdOf = new Map<string, string>();
  const errors: LedgerRowError[] = [];
  for (const r of rows) {
    if (taken.has(r.number))
      errors.push({ row: r.row, column: IMPORT_COLUMNS.number, message: `户编号 ${r.number} 已在系统中` });
    const cadre = cadreOf.get(r.assistanceEmail);
    const column = IMPORT_COLUMNS.assistance;
    if (!cadre) errors.push({ row: r.row, column, message: `没有电子邮箱为 ${r.assistanceEmail} 的干部` });
    else if (cadre.rank !== 'ASSISTANCE_CADRE')
      errors.push({ row: r.row, column, message: `${r.assistanceEmail} 不是帮扶责任人` });
    else if (!cadre.active)
      errors.push({ row: r.row, column, message: `帮扶责任人 ${r.assistanceEmail} 已停用` });
    else cadreIdOf.set(r.assistanceEmail, cadre.id);
  }
  return { errors, cadreIdOf };
}

/** The id of the 帮扶责任人 assignment an import writes; the workflow's assignment activity keeps it. */
export const importAssistanceAssignmentId = (householdId: string) => `import/${householdId}/ASSISTANCE`;

const STARTS_IN_FLIGHT = 8;

/**
 * Imports a ledger file all-or-nothing: any row error (in the file or against the database: a
 * number already registered, an unknown 帮扶责任人) and nothing is written. Otherwise one
 * transaction writes the new villages, the households with their members and 帮扶责任人 assignment
 * (`import/<id>/ASSISTANCE`) and an audit row per household; then each household's workflow is
 * started and its workflowId recorded.
 */
export async function importLedger(
  deps: HouseholdDeps,
  buffer: Buffer,
  filename: string,
  by: string,
): Promise<LedgerImportResult> {
  const { prisma, temporal, taskQueue } = deps;
  const failed = (errors: LedgerRowError[]): LedgerImportResult => ({
    imported: 0,
    errors: errors.sort(byRowThenColumn),
    households: [],
    villagesCreated: [],
    workflowsStarted: 0,
    notStarted: [],
  });
  const parsed = await parseSheet(buffer, filename);
  if (parsed.errors.some((e) => e.row <= 1)) return failed(parsed.errors);
  const checked = await databaseErrors(prisma, parsed.rows);
  if (parsed.errors.length + checked.errors.length > 0) return failed([...parsed.errors, ...checked.errors]);

  const rows = parsed.rows;
  const now = new Date();
  let villagesCreated: string[];
  try {
    villagesCreated = await prisma.$transaction(
      async (tx) => {
        const names = [...new Set(rows.map((r) => r.villageName))];
        const known = await tx.village.findMany({ where: { name: { in: names } } });
        const missing = names.filter((n) => !known.some((v) => v.name === n));
        await tx.village.createMany({ data: missing.map((name) => ({ id: randomUUID(), name })) });
        const villages = await tx.village.findMany({ where: { name: { in: names } } });
        const villageIdOf = new Map(villages.map((v) => [v.name, v.id]));
        await tx.household.createMany({
          data: rows.map((r) => ({
            id: r.number,
            number: r.number,
            headName: r.headName,
            villageId: villageIdOf.get(r.villageName) ?? '',
            category: r.category,
            labourClass: r.labourClass,
            causes: r.causes,
            needs: r.needs,
            plan: r.plan,
          })),
        });
        await tx.householdMember.createMany({
          data: rows.flatMap((r) =>
            r.members.map((m, i) => ({
              id: `${r.number}-${String(i + 1).padStart(2, '0')}`,
              householdId: r.number,
              name: m.name,
              relation: m.name === r.headName ? '户主' : '',
              age: m.age,
              labourAbility: m.labourAbility,
            })),
          ),
        });
        await tx.assignment.createMany({
          data: rows.map((r) => ({
            id: importAssistanceAssignmentId(r.number),
            householdId: r.number,
            cadreId: checked.cadreIdOf.get(r.assistanceEmail) ?? '',
            role: 'ASSISTANCE',
            from: now,
          })),
        });
        await tx.auditLog.createMany({
          data: rows.map((r) => ({
            at: now,
            actor: by,
            action: 'LEDGER_IMPORTED',
            householdId: r.number,
            workflowId: householdWorkflowId(r.number),
            detail: { filename, row: r.row, households: rows.length },
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
  const queue = rows.map((r) => r.number);
  const startNext = async (): Promise<void> => {
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
      try {
        await startSupervision({ prisma, temporal, taskQueue }, id);
        await prisma.household.update({ where: { id }, data: { workflowId: householdWorkflowId(id) } });
        workflowsStarted += 1;
      } catch (error) {
        notStarted.push({ householdId: id, message: (error as Error).message });
      }
    }
  };
  await Promise.all(Array.from({ length: STARTS_IN_FLIGHT }, startNext));

  return {
    imported: rows.length,
    errors: [],
    households: rows.map((r) => r.number),
    villagesCreated,
    workflowsStarted,
    notStarted,
  };
}
