// 工作台账: the columns of the work ledger, in the order of the exported sheet, with their Chinese
// headers. The import reads columns by header (any order; unknown columns are ignored).

export const LEDGER_COLUMNS = [
  { key: 'number', header: '户编号', width: 18 },
  { key: 'headName', header: '户主姓名', width: 10 },
  { key: 'village', header: '所属村', width: 12 },
  { key: 'category', header: '户类别', width: 12 },
  { key: 'labourClass', header: '劳动力类型', width: 10 },
  { key: 'memberCount', header: '家庭人口', width: 9 },
  { key: 'labourCount', header: '有劳动力人数', width: 12 },
  // Not in the printed ledger's list, but needed to import the sheet back
  // (姓名/年龄/劳动力/与户主关系/在校/大病慢病；…).
  { key: 'members', header: '家庭成员', width: 48 },
  { key: 'causes', header: '致贫原因', width: 16 },
  { key: 'needs', header: '帮扶需求', width: 30 },
  { key: 'plan', header: '一户一策', width: 40 },
  { key: 'phone', header: '联系电话', width: 16 },
  { key: 'assistance', header: '帮扶责任人', width: 30 },
  { key: 'status', header: '督战状态', width: 10 },
  { key: 'lastVisit', header: '最近走访', width: 12 },
  { key: 'latestIncome', header: '人均纯收入（最近）', width: 16 },
  { key: 'openFollowUps', header: '未整改问题数', width: 12 },
] as const;

export type LedgerColumnKey = (typeof LEDGER_COLUMNS)[number]['key'];
export type LedgerColumnHeader = (typeof LEDGER_COLUMNS)[number]['header'];

export const LEDGER_HEADERS: readonly LedgerColumnHeader[] = LEDGER_COLUMNS.map((c) => c.header);

/** The columns an import reads; the others (status, visits, income…) are the system's own. */
export const IMPORT_COLUMNS = {
  number: '户编号',
  headName: '户主姓名',
  village: '所属村',
  category: '户类别',
  labourClass: '劳动力类型',
  causes: '致贫原因',
  needs: '帮扶需求',
  plan: '一户一策',
  phone: '联系电话',
  assistance: '帮扶责任人',
  members: '家庭成员',
} as const satisfies Partial<Record<LedgerColumnKey, LedgerColumnHeader>>;

export type ImportColumnKey = keyof typeof IMPORT_COLUMNS;

/** Columns an import file must have (the others may be absent: empty needs, plan and causes). */
export const REQUIRED_IMPORT_COLUMNS: readonly ImportColumnKey[] = [
  'number',
  'headName',
  'village',
  'category',
  'labourClass',
  'assistance',
  'members',
];

/** 致贫原因 are listed with 、 in one cell. */
export const CAUSE_SEPARATOR = '、';
/**
 * Household members separated by ；, each `姓名/年龄/劳动力/与户主关系/在校/大病慢病`; the last three
 * may be left out (older sheets): the relation is then 户主 for the head's name, else 家庭成员.
 */
export const MEMBER_SEPARATOR = '；';
export const MEMBER_FIELD_SEPARATOR = '/';

/** How a member's labour ability is written in the ledger. */
export const LABOUR_ABILITY_CELL: Record<'FULL' | 'PARTIAL' | 'NONE', string> = {
  FULL: '有',
  PARTIAL: '部分',
  NONE: '无',
};

/** 在校 and 大病慢病 in a member's cell. */
export const YES_CELL = '是';
export const NO_CELL = '否';

/** At most this many households per import file. */
export const MAX_IMPORT_ROWS = 2000;
/** At most this many columns in a row (the ledger has 18; room for a few notes of the township's own). */
export const MAX_IMPORT_COLUMNS = 60;
/**
 * No cell is longer: checked before any pattern looks at it (the longest legitimate cell is 一户一策,
 * 2,000 characters, or 30 members).
 */
export const MAX_CELL_CHARS = 3000;
