import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { parseLedgerFile } from '../../domain/ledger/index.js';
import { xlsxWithSheetData } from '../helpers/zip-archive.js';

// Hostile ledger files (issue 9): each is refused with a clear Chinese message, quickly, without
// the server expanding, matching or holding what the file asks for.
const HEADER = ['户编号', '户主姓名', '所属村', '户类别', '劳动力类型', '帮扶责任人', '家庭成员'];
const GOOD = ['N1', '张三', '某村', '边缘户', '一类', '张帮扶（a@b.example）', '张三/40/有'];
const csv = (rows: string[][]) =>
  Buffer.from(rows.map((r) => r.map((c) => `"${c.replaceAll('"', '""')}"`).join(',')).join('\r\n'), 'utf8');

const inlineCell = (ref: string, text: string) => `<c r="${ref}" t="inlineStr"><is><t>${text}</t></is></c>`;
const sheetRow = (r: number, values: readonly string[]) =>
  `<row r="${r}">${values.map((t, i) => inlineCell(`${String.fromCharCode(65 + i)}${r}`, t)).join('')}</row>`;

describe('import hardening: hostile ledger files', () => {
  it('caps a cell before any pattern: a long 帮扶责任人 cell without "@" answers at once', async () => {
    // On a 200,000-character cell the e-mail pattern used to backtrack quadratically (minutes).
    const started = Date.now();
    const result = await parseLedgerFile(
      csv([HEADER, [...GOOD.slice(0, 5), 'x'.repeat(200_000), GOOD[6] ?? '']]),
      'a.csv',
    );
    expect(result).toEqual({
      ok: false,
      errors: [{ row: 2, column: '帮扶责任人', message: '单元格超过 3000 字' }],
    });
    // Under the cell cap, the 帮扶责任人 cell has its own, shorter one, also checked first.
    const shorter = await parseLedgerFile(
      csv([HEADER, [...GOOD.slice(0, 5), 'x'.repeat(2_900), GOOD[6] ?? '']]),
      'a.csv',
    );
    expect(shorter).toMatchObject({
      ok: false,
      errors: [{ row: 2, column: '帮扶责任人', message: expect.stringContaining('最长 200 字') }],
    });
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('refuses names with line breaks or control characters (a name cannot plant a line in a mail)', async () => {
    const result = await parseLedgerFile(
      csv([
        HEADER,
        [
          'N1',
          '张三\n· 领取补助 https://evil.example/',
          '某村',
          '边缘户',
          '一类',
          'a@b.example',
          '张三/40/有',
        ],
        ['N2', '李四', '某\u0007村', '边缘户', '一类', 'a@b.example', '李四/40/有'],
        ['N3', '王五', '某村', '边缘户', '一类', 'a@b.example', '王五/40/有；赵\u2028六/12/无'],
      ]),
      'names.csv',
    );
    expect(result).toEqual({
      ok: false,
      errors: [
        { row: 2, column: '户主姓名', message: '户主姓名不能包含换行或控制字符' },
        { row: 3, column: '所属村', message: '所属村不能包含换行或控制字符' },
        { row: 4, column: '家庭成员', message: '第 2 位成员：成员姓名不能包含换行或控制字符' },
      ],
    });
  });

  it('refuses a zip bomb on the sizes its archive declares, before expanding it', async () => {
    const rows = Buffer.from(sheetRow(2, GOOD).repeat(300_000)); // about 100 MB of worksheet XML
    const bomb = xlsxWithSheetData(Buffer.concat([Buffer.from(sheetRow(1, HEADER)), rows]));
    expect(bomb.length).toBeLessThan(1_000_000);
    const started = Date.now();
    const result = await parseLedgerFile(bomb, 'bomb.xlsx');
    expect(result).toEqual({
      ok: false,
      errors: [
        {
          row: 0,
          column: '',
          message: expect.stringMatching(/^XLSX 文件中的部件解压后达 \d+ MB，超过上限 48 MB$/),
        },
      ],
    });
    expect(Date.now() - started).toBeLessThan(20_000);
  }, 60_000);

  it('stops a zip bomb that lies about its sizes at the parsing worker’s memory limit', async () => {
    // 200 MB of text in one cell, declared as 1,000 bytes: the directory check lets it through.
    const cell = Buffer.concat([
      Buffer.from('<row r="1"><c r="A1" t="inlineStr"><is><t>'),
      Buffer.alloc(200_000_000, 'x'),
      Buffer.from('</t></is></c></row>'),
    ]);
    const liar = xlsxWithSheetData(cell, { declaredSheetSize: 1000 });
    const limits = { timeoutMs: 60_000, maxMemoryMb: 96 };
    expect(await parseLedgerFile(liar, 'liar.xlsx', limits)).toEqual({
      ok: false,
      errors: [
        { row: 0, column: '', message: '文件解压或解析所需内存超过上限，无法读取；请检查文件或拆分后导入' },
      ],
    });
    // The same limit reads an honest ledger.
    const honest = xlsxWithSheetData(Buffer.from(sheetRow(1, HEADER) + sheetRow(2, GOOD)));
    expect(await parseLedgerFile(honest, 'honest.xlsx', limits)).toMatchObject({ ok: true });
  }, 90_000);

  it('reads XLSX streaming and stops at the row and column caps', async () => {
    const many = xlsxWithSheetData(
      Buffer.from(
        [
          sheetRow(1, HEADER),
          ...Array.from({ length: 2001 }, (_, i) => sheetRow(i + 2, [`N${i}`, ...GOOD.slice(1)])),
        ].join(''),
      ),
    );
    expect(await parseLedgerFile(many, 'many.xlsx')).toEqual({
      ok: false,
      errors: [{ row: 0, column: '', message: '文件中的数据超过 2000 行，一次最多导入 2000 户' }],
    });
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('台账');
    sheet.addRow(HEADER);
    sheet.addRow([...GOOD, ...Array.from({ length: 100 }, (_, i) => `备注${i}`)]);
    const wide = Buffer.from(await workbook.xlsx.writeBuffer());
    expect(await parseLedgerFile(wide, 'wide.xlsx')).toEqual({
      ok: false,
      errors: [{ row: 0, column: '', message: '第 2 行有 107 列，超过上限 60 列' }],
    });
    const far = xlsxWithSheetData(Buffer.from(sheetRow(1, HEADER) + sheetRow(1_000_000, GOOD)));
    expect(await parseLedgerFile(far, 'far.xlsx')).toMatchObject({
      ok: false,
      errors: [{ row: 0, message: expect.stringContaining('表格超过 20000 行') }],
    });
  }, 60_000);

  it('parses off the main thread and gives up at the time limit', async () => {
    const rows = [HEADER, ...Array.from({ length: 2000 }, (_, i) => [`N${i}`, ...GOOD.slice(1)])];
    const result = await parseLedgerFile(csv(rows), 'slow.csv', { timeoutMs: 50, maxMemoryMb: 256 });
    expect(result).toEqual({
      ok: false,
      errors: [{ row: 0, column: '', message: '读取文件超过 1 秒仍未完成，已停止；请检查文件或拆分后导入' }],
    });
    // With time enough the same file reads.
    expect(await parseLedgerFile(csv(rows), 'slow.csv')).toMatchObject({ ok: true });
  }, 60_000);
});
