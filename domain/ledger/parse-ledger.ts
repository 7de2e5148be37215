// 工作台账 import, first half: the file's rows checked one by one, without the database. Each row
// becomes a household's identity and profile; the profile is validated by the same schema as
// registration and the facts form (policy/household-profile.ts), so names and free text refuse
// control characters everywhere. Pure: runs in the parsing worker (parse-in-worker.ts).
import { z } from 'zod';
import {
  HOUSEHOLD_CATEGORY_LABELS,
  type HouseholdCategory,
  type HouseholdProfile,
  householdNumberSchema,
  householdProfileSchema,
  LABOUR_CLASS_LABELS,
  type LabourAbility,
  MAX_MEMBERS,
  singleLine,
} from '../../policy/index.js';
import {
  IMPORT_COLUMNS,
  type ImportColumnKey,
  LABOUR_ABILITY_CELL,
  MAX_CELL_CHARS,
  NO_CELL,
  REQUIRED_IMPORT_COLUMNS,
  YES_CELL,
} from './ledger-columns.js';
import { readSheet, UnreadableFile } from './read-sheet.js';

/** A valid row of the sheet, ready to be written. */
export interface LedgerImportRow {
  /** The row's number in the sheet (the header is row 1). */
  row: number;
  number: string;
  headName: string;
  villageName: string;
  category: HouseholdCategory;
  /** E-mail of the 帮扶责任人 (an existing, active ASSISTANCE_CADRE), lower-cased. */
  assistanceEmail: string;
  /** Members, labour class, causes, needs, 一户一策, phone. */
  profile: HouseholdProfile;
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
const FLAG_OF_CELL: Record<string, boolean> = { '': false, [YES_CELL]: true, [NO_CELL]: false };

const MEMBER_FORMAT =
  '姓名/年龄/劳动力（有、部分或无）/与户主关系/在校（是或否）/大病慢病（是或否），后三项可省略，多人用“；”分隔';
/** The relation of a member an older sheet (three fields) does not give. */
const OTHER_MEMBER = '家庭成员';
const HEAD = '户主';

type MemberCell = HouseholdProfile['members'][number];

/** The 家庭成员 cell, split into members; their names and relations are checked by the profile. */
function membersOfCell(text: string, headName: string, issue: (message: string) => void): MemberCell[] {
  const parts = text
    .split(/[；;]/)
    .map((p) => p.trim())
    .filter((p) => p !== '');
  if (parts.length === 0) {
    issue(`家庭成员必填，格式：${MEMBER_FORMAT}`);
    return [];
  }
  if (parts.length > MAX_MEMBERS) {
    issue(`家庭成员最多 ${MAX_MEMBERS} 人`);
    return [];
  }
  const members: MemberCell[] = [];
  parts.forEach((part, i) => {
    const fields = part.split(/[/／]/).map((f) => f.trim());
    const where = `第 ${i + 1} 位成员“${part.slice(0, 40)}”`;
    const [name = '', ageText = '', abilityText = '', relation = '', school = '', illness = ''] = fields;
    if (fields.length < 3 || fields.length > 6 || !name || !ageText || !abilityText) {
      issue(`${where}格式不正确，应为 ${MEMBER_FORMAT}`);
      return;
    }
    const ability = ABILITY_OF_CELL[abilityText];
    const inSchool = FLAG_OF_CELL[school];
    const chronicIllness = FLAG_OF_CELL[illness];
    if (!/^\d{1,3}$/.test(ageText)) issue(`${where}的年龄必须是 0 到 130 之间的整数`);
    else if (!ability) issue(`${where}的劳动力必须是 有、部分 或 无`);
    else if (inSchool === undefined || chronicIllness === undefined)
      issue(`${where}的在校、大病慢病必须填 是 或 否`);
    else
      members.push({
        name,
        age: Number(ageText),
        labourAbility: ability,
        relation: relation || (name === headName ? HEAD : OTHER_MEMBER),
        inSchool,
        chronicIllness,
      });
  });
  return members;
}

const causesOfCell = (text: string) => [
  ...new Set(
    text
      .split(/[、,，;；]/)
      .map((c) => c.trim())
      .filter((c) => c !== ''),
  ),
];

/** An e-mail address in the 帮扶责任人 cell (e.g. `张三（zhang@example.cn）`). */
const EMAIL = /[^\s<>()（）,，;；@]+@[^\s<>()（）,，;；@]+\.[^\s<>()（）,，;；@]+/g;
/** The cell holds a name and an address; anything longer is not one. Checked before the pattern. */
const MAX_ASSISTANCE_CHARS = 200;

const assistanceSchema = z
  .string()
  .trim()
  .min(1, '帮扶责任人必填，请填写其电子邮箱')
  .max(MAX_ASSISTANCE_CHARS, `帮扶责任人最长 ${MAX_ASSISTANCE_CHARS} 字（姓名和电子邮箱）`)
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

/** The cells of a row; the profile's own rules are applied to what they give (profileIssues). */
const rowSchema = z.object({
  number: householdNumberSchema,
  headName: singleLine('户主姓名', 40),
  village: singleLine('所属村', 40),
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
  causes: z.string(),
  needs: z.string(),
  plan: z.string(),
  phone: z.string(),
  assistance: assistanceSchema,
  members: z.string(),
});

/** Which column a profile field comes from. */
const COLUMN_OF_PROFILE_FIELD: Record<string, ImportColumnKey> = {
  members: 'members',
  labourClass: 'labourClass',
  causes: 'causes',
  needs: 'needs',
  plan: 'plan',
  phone: 'phone',
};

/** A CSV cell the export wrote with a leading apostrophe (formula defused) reads back without it. */
const undefuse = (text: string) => (/^'[=+\-@\t\r]/.test(text) ? text.slice(1) : text);

const COLUMN_ORDER: readonly string[] = ['', ...Object.values(IMPORT_COLUMNS)];
/** Errors in sheet order: by row, then by the column's place in the import's column list. */
export const byRowThenColumn = (a: LedgerRowError, b: LedgerRowError) =>
  a.row - b.row || COLUMN_ORDER.indexOf(a.column) - COLUMN_ORDER.indexOf(b.column);

function parseRow(row: number, input: Record<ImportColumnKey, string>, errors: LedgerRowError[]) {
  const error = (key: ImportColumnKey | undefined, message: string) =>
    errors.push({ row, column: key ? IMPORT_COLUMNS[key] : '', message });
  const cells = rowSchema.safeParse(input);
  if (!cells.success)
    for (const issue of cells.error.issues)
      error(issue.path[0] as ImportColumnKey | undefined, issue.message);
  // The members' cell is read whatever the other cells hold, so every error of the row is listed.
  let memberIssues = 0;
  const members = membersOfCell(input.members, input.headName.trim(), (message) => {
    memberIssues += 1;
    error('members', message);
  });
  if (!cells.success || memberIssues > 0) return undefined;
  const v = cells.data;
  const profile = householdProfileSchema.safeParse({
    members,
    labourClass: v.labourClass,
    causes: causesOfCell(v.causes),
    needs: v.needs,
    plan: v.plan,
    phone: v.phone,
  });
  if (!profile.success) {
    for (const issue of profile.error.issues) {
      const [field, index] = issue.path;
      const which = field === 'members' && typeof index === 'number' ? `第 ${index + 1} 位成员：` : '';
      error(COLUMN_OF_PROFILE_FIELD[String(field)], `${which}${issue.message}`);
    }
    return undefined;
  }
  return {
    row,
    number: v.number,
    headName: v.headName,
    villageName: v.village,
    category: v.category,
    assistanceEmail: v.assistance,
    profile: profile.data,
  } satisfies LedgerImportRow;
}

export interface ParsedSheet {
  rows: LedgerImportRow[];
  errors: LedgerRowError[];
}

/** Reads and checks every row of the file; never touches the database. */
export async function parseSheet(buffer: Buffer, filename: string): Promise<ParsedSheet> {
  let sheet: Awaited<ReturnType<typeof readSheet>>;
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
  const headers = header.cells.map((c) => (c ?? '').trim());
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

  const rows: LedgerImportRow[] = [];
  const firstRowOf = new Map<string, number>();
  for (const { row, cells } of data) {
    let overlong = false;
    const input = {} as Record<ImportColumnKey, string>;
    for (const key of Object.keys(IMPORT_COLUMNS) as ImportColumnKey[]) {
      const at = columnIndex.get(key);
      const cell = at === undefined ? '' : cells[at];
      if (cell === null) {
        overlong = true;
        errors.push({ row, column: IMPORT_COLUMNS[key], message: `单元格超过 ${MAX_CELL_CHARS} 字` });
      }
      input[key] = undefuse(cell ?? '');
    }
    if (overlong) continue;
    const parsed = parseRow(row, input, errors);
    if (!parsed) continue;
    const first = firstRowOf.get(parsed.number);
    if (first !== undefined) {
      errors.push({
        row,
        column: IMPORT_COLUMNS.number,
        message: `户编号 ${parsed.number} 与第 ${first} 行重复`,
      });
      continue;
    }
    firstRowOf.set(parsed.number, row);
    rows.push(parsed);
  }
  return { rows, errors };
}

/** parseSheet's answer in the shape callers show: every error, in sheet order, or every row. */
export async function parseLedger(buffer: Buffer, filename: string): Promise<LedgerParseResult> {
  const { rows, errors } = await parseSheet(buffer, filename);
  return errors.length > 0 ? { ok: false, errors: errors.sort(byRowThenColumn) } : { ok: true, rows };
}
