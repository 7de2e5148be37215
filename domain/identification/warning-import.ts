// 部门筛查预警: a department's warning list (medical costs, disability, disaster, lost migrant work)
// imported as cases, one per row. The file is read by the ledger import's reader, within its limits
// (domain/ledger/read-sheet.ts). Unlike the ledger, rows stand alone: a row whose household already
// has an open case or is under supervision is refused with its reason, and the others are raised.
import { householdNumberSchema, singleLine } from '../../policy/index.js';
import { DomainError } from '../errors.js';
import { MAX_CELL_CHARS } from '../ledger/ledger-columns.js';
import { readSheet, UnreadableFile } from '../ledger/read-sheet.js';
import {
  type IdentificationActor,
  type IdentificationDeps,
  raiseCaseSchema,
  raiseIdentificationCase,
  whyNoNewCase,
} from './cases.js';

export const WARNING_COLUMNS = {
  number: '户编号',
  headName: '户主姓名',
  villageName: '所属村',
  reason: '预警原因',
  department: '预警部门',
} as const;
type WarningColumn = keyof typeof WARNING_COLUMNS;
const REQUIRED: readonly WarningColumn[] = ['number', 'reason'];

export interface WarningImportResult {
  raised: Array<{ row: number; number: string; caseId: string }>;
  refused: Array<{ row: number; number: string; message: string }>;
}

const reasonSchema = singleLine('预警原因', 160);
const departmentSchema = singleLine('预警部门', 30);

/** Reads the list; a file that cannot be read at all, or lacks a column, is refused whole (INVALID). */
async function readWarnings(buffer: Buffer, filename: string) {
  let sheet: Awaited<ReturnType<typeof readSheet>>;
  try {
    sheet = await readSheet(buffer, filename);
  } catch (error) {
    if (error instanceof UnreadableFile) throw new DomainError('INVALID', error.message);
    throw error;
  }
  const [header, ...data] = sheet;
  if (header?.row !== 1) throw new DomainError('INVALID', '文件第 1 行必须是表头（户编号、预警原因……）');
  const headers = header.cells.map((c) => (c ?? '').trim());
  const at = new Map<WarningColumn, number>();
  for (const [key, title] of Object.entries(WARNING_COLUMNS) as Array<[WarningColumn, string]>) {
    const index = headers.indexOf(title);
    if (index >= 0) at.set(key, index);
    else if (REQUIRED.includes(key)) throw new DomainError('INVALID', `缺少必填列“${title}”`);
  }
  if (data.length === 0)
    throw new DomainError('INVALID', '文件中没有数据行（第 1 行是表头，从第 2 行起每行一户）');
  return data.map(({ row, cells }) => {
    const cell = (key: WarningColumn) => {
      const index = at.get(key);
      return index === undefined ? '' : cells[index];
    };
    return { row, cell };
  });
}

/** One case per row, each on its own: the refused rows say why, the others are raised. */
export async function importWarningList(
  deps: IdentificationDeps,
  buffer: Buffer,
  filename: string,
  actor: IdentificationActor,
): Promise<WarningImportResult> {
  const rows = await readWarnings(buffer, filename);
  const result: WarningImportResult = { raised: [], refused: [] };
  const firstRowOf = new Map<string, number>();
  for (const { row, cell } of rows) {
    const refuse = (number: string, message: string) => result.refused.push({ row, number, message });
    const cells = Object.fromEntries(
      (Object.keys(WARNING_COLUMNS) as WarningColumn[]).map((key) => [key, cell(key)]),
    ) as Record<WarningColumn, string | null>;
    const raw = (cells.number ?? '').trim();
    if (Object.values(cells).some((c) => c === null)) {
      refuse(raw, `有单元格超过 ${MAX_CELL_CHARS} 字`);
      continue;
    }
    const number = householdNumberSchema.safeParse(raw);
    if (!number.success) {
      refuse(raw, number.error.issues[0]?.message ?? '户编号不正确');
      continue;
    }
    const reason = reasonSchema.safeParse(cells.reason ?? '');
    const department = departmentSchema.safeParse(cells.department ?? '');
    if (!reason.success || !reason.data || !department.success) {
      refuse(
        number.data,
        reason.success && department.success ? '请填写预警原因' : '预警原因或预警部门格式不正确',
      );
      continue;
    }
    const first = firstRowOf.get(number.data);
    if (first !== undefined) {
      refuse(number.data, `户编号 ${number.data} 与第 ${first} 行重复`);
      continue;
    }
    firstRowOf.set(number.data, row);
    const household = await deps.prisma.household.findUnique({ where: { number: number.data } });
    const why = household ? await whyNoNewCase(deps, household) : undefined;
    if (why) {
      refuse(number.data, why);
      continue;
    }
    const input = raiseCaseSchema.safeParse({
      source: 'DEPARTMENT_WARNING',
      reason: department.data ? `${department.data}：${reason.data}` : reason.data,
      ...(household
        ? { householdId: household.id }
        : {
            number: number.data,
            headName: (cells.headName ?? '').trim() || undefined,
            villageName: (cells.villageName ?? '').trim() || undefined,
          }),
    });
    if (!input.success) {
      refuse(number.data, input.error.issues[0]?.message ?? '该行格式不正确');
      continue;
    }
    try {
      const raised = await raiseIdentificationCase(deps, input.data, actor);
      result.raised.push({ row, number: number.data, caseId: raised.caseId });
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      refuse(number.data, error.message);
    }
  }
  return result;
}
