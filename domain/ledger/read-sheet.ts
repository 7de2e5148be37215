// Reads an uploaded ledger file (XLSX or CSV) into rows of text cells, within hard limits, before
// anything looks at the text: the archive's declared sizes (zip bombs), the number of rows and of
// columns, and the length of each cell (a pattern is never run on an overlong cell). XLSX is read
// streaming, row by row, so reading stops as soon as a limit is passed.
import { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import { MAX_CELL_CHARS, MAX_IMPORT_COLUMNS, MAX_IMPORT_ROWS } from './ledger-columns.js';
import { checkZipDeclaredSizes, type ZipLimits } from './zip-sizes.js';

export interface SheetRow {
  /** The row's number in the sheet (the header is row 1). */
  row: number;
  /** Text of each cell; null for a cell longer than MAX_CELL_CHARS (reported, never parsed). */
  cells: Array<string | null>;
}

/** The file as a whole cannot be read: the message says why, in Chinese. */
export class UnreadableFile extends Error {}

/** A sheet's rows end here, blank ones included: far above a full ledger, far below a bomb. */
const MAX_SHEET_ROW = MAX_IMPORT_ROWS * 10;

export const XLSX_LIMITS: ZipLimits = {
  maxEntries: 200,
  maxEntryBytes: 48 * 1024 * 1024,
  maxTotalBytes: 64 * 1024 * 1024,
};

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

/** Collects the non-blank rows of a sheet, checking the limits as each row arrives. */
class RowCollector {
  readonly rows: SheetRow[] = [];

  add(rowNumber: number, values: readonly CellValue[]) {
    if (rowNumber > MAX_SHEET_ROW)
      throw new UnreadableFile(`表格超过 ${MAX_SHEET_ROW} 行，一次最多导入 ${MAX_IMPORT_ROWS} 户`);
    let last = values.length - 1;
    while (last >= 0 && cellText(values[last]).trim() === '') last -= 1;
    if (last < 0) return;
    if (last + 1 > MAX_IMPORT_COLUMNS)
      throw new UnreadableFile(`第 ${rowNumber} 行有 ${last + 1} 列，超过上限 ${MAX_IMPORT_COLUMNS} 列`);
    const cells: Array<string | null> = [];
    for (let i = 0; i <= last; i += 1) {
      const text = cellText(values[i]);
      cells.push(text.length > MAX_CELL_CHARS ? null : text);
    }
    // The header is row 1; more than MAX_IMPORT_ROWS rows after it is too many, whatever they hold.
    if (this.rows.length > MAX_IMPORT_ROWS)
      throw new UnreadableFile(`文件中的数据超过 ${MAX_IMPORT_ROWS} 行，一次最多导入 ${MAX_IMPORT_ROWS} 户`);
    this.rows.push({ row: rowNumber, cells });
  }
}

async function readXlsx(buffer: Buffer): Promise<SheetRow[]> {
  const sizes = checkZipDeclaredSizes(buffer, XLSX_LIMITS);
  if (!sizes.ok) throw new UnreadableFile(sizes.reason);
  const collector = new RowCollector();
  try {
    const reader = new ExcelJS.stream.xlsx.WorkbookReader(Readable.from([buffer]), {
      worksheets: 'emit',
      sharedStrings: 'cache',
      hyperlinks: 'ignore',
      styles: 'ignore',
      entries: 'ignore',
    });
    for await (const sheet of reader) {
      for await (const row of sheet) {
        // row.values is 1-based (index 0 empty).
        collector.add(row.number, (row.values as CellValue[]).slice(1));
      }
      // Only the first sheet is the ledger.
      return collector.rows;
    }
  } catch (error) {
    if (error instanceof UnreadableFile) throw error;
    throw new UnreadableFile('无法读取该 XLSX 文件，请确认文件未损坏');
  }
  throw new UnreadableFile('XLSX 文件中没有工作表');
}

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

async function readCsv(buffer: Buffer): Promise<SheetRow[]> {
  const text = decodeText(buffer).replace(/^\uFEFF/, '');
  const workbook = new ExcelJS.Workbook();
  let sheet: ExcelJS.Worksheet;
  try {
    sheet = await workbook.csv.read(Readable.from([text]), {
      // Keep every cell as text: 户编号 such as 0012 must not become a number.
      map: (value: unknown) => (typeof value === 'string' ? value : ''),
      parserOptions: { ignoreEmpty: false },
    });
  } catch {
    throw new UnreadableFile('无法读取该 CSV 文件，请检查引号和分隔符');
  }
  const collector = new RowCollector();
  sheet.eachRow({ includeEmpty: false }, (row, rowNumber) => {
    collector.add(rowNumber, (row.values as CellValue[]).slice(1));
  });
  return collector.rows;
}

/** The file's rows (blank rows left out), by the file name's extension. */
export async function readSheet(buffer: Buffer, filename: string): Promise<SheetRow[]> {
  const extension = filename.toLowerCase().split('.').pop();
  if (extension === 'xlsx') return readXlsx(buffer);
  if (extension === 'csv') return readCsv(buffer);
  throw new UnreadableFile('只能导入 .xlsx 或 .csv 文件');
}
