// Keyset pagination for every list the pages and the API answer: a page is at most MAX_PAGE_SIZE
// rows after (or before) the sort key of a row, so its cost does not grow with the table. The
// cursor is that sort key, opaque to callers (base64url JSON); a cursor that does not decode is
// refused with a message a cadre understands.
import { Prisma } from '../../prisma/generated/client.js';
import { DomainError } from '../errors.js';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;

export const BAD_CURSOR_MESSAGE = '翻页参数无效，请回到第一页重新翻页';
export const BAD_LIMIT_MESSAGE = `每页条数必须是 1 到 ${MAX_PAGE_SIZE} 之间的整数`;

/** One sort key's values, in the order of the list's ORDER BY (instants as ISO strings). */
export type KeyValues = Array<string | number>;

export interface Cursor {
  /** The key of the row the page starts after ('next') or ends before ('prev'). */
  key: KeyValues;
  direction: 'next' | 'prev';
}

export interface PageRequest {
  cursor?: string;
  limit?: number;
}

export interface PageInfo {
  limit: number;
  /** The following page, or null on the last one. */
  nextCursor: string | null;
  /** The preceding page, or null on the first one. */
  prevCursor: string | null;
}

export interface Page<T> {
  items: T[];
  page: PageInfo;
}

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify({ k: cursor.key, d: cursor.direction === 'prev' ? 'p' : 'n' })).toString(
    'base64url',
  );
}

/** The cursor, or a DomainError INVALID; `arity` is the number of values the list's key has. */
export function decodeCursor(text: string, arity: number): Cursor {
  const bad = () => new DomainError('INVALID', BAD_CURSOR_MESSAGE);
  if (text.length === 0 || text.length > 1000 || !/^[A-Za-z0-9_-]+$/.test(text)) throw bad();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  if (!parsed || typeof parsed !== 'object') throw bad();
  const { k, d } = parsed as { k?: unknown; d?: unknown };
  if (!Array.isArray(k) || k.length !== arity || (d !== 'n' && d !== 'p')) throw bad();
  if (
    !k.every(
      (v) => (typeof v === 'string' && v.length <= 300) || (typeof v === 'number' && Number.isFinite(v)),
    )
  )
    throw bad();
  return { key: k as KeyValues, direction: d === 'p' ? 'prev' : 'next' };
}

/** Checks a cursor without using it (for a route's query schema): true when it decodes. */
export function isCursor(text: string, arity: number): boolean {
  try {
    decodeCursor(text, arity);
    return true;
  } catch {
    return false;
  }
}

export function pageSize(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE)
    throw new DomainError('INVALID', BAD_LIMIT_MESSAGE);
  return limit;
}

/**
 * Turns the rows fetched for a page (limit + 1 of them, in the direction of the cursor: reversed
 * for 'prev') into the page and its neighbours' cursors.
 */
export function pageOf<T>(
  fetched: T[],
  args: { limit: number; cursor: Cursor | undefined; keyOf: (row: T) => KeyValues },
): Page<T> {
  const { limit, cursor, keyOf } = args;
  const more = fetched.length > limit;
  const rows = fetched.slice(0, limit);
  const backwards = cursor?.direction === 'prev';
  const items = backwards ? rows.reverse() : rows;
  const first = items[0];
  const last = items[items.length - 1];
  // Going forward there is a previous page whenever we came from a cursor; going back, a next one.
  const hasNext = backwards ? cursor !== undefined : more;
  const hasPrev = backwards ? more : cursor !== undefined;
  return {
    items,
    page: {
      limit,
      nextCursor: hasNext && last ? encodeCursor({ key: keyOf(last), direction: 'next' }) : null,
      prevCursor: hasPrev && first ? encodeCursor({ key: keyOf(first), direction: 'prev' }) : null,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The keyset as Prisma arguments, for lists sorted on the model's own columns.

export interface KeyField {
  field: string;
  order: 'asc' | 'desc';
  type: 'date' | 'string' | 'number';
}

const keyValue = (f: KeyField, v: string | number): unknown => {
  if (f.type === 'date') {
    const d = new Date(String(v));
    if (Number.isNaN(d.getTime())) throw new DomainError('INVALID', BAD_CURSOR_MESSAGE);
    return d;
  }
  if (f.type === 'number') {
    if (typeof v !== 'number') throw new DomainError('INVALID', BAD_CURSOR_MESSAGE);
    return v;
  }
  if (typeof v !== 'string') throw new DomainError('INVALID', BAD_CURSOR_MESSAGE);
  return v;
};

/** Rows strictly after (or before) the cursor's key in the list's order: a Prisma `where`. */
export function keysetWhere(
  fields: readonly KeyField[],
  cursor: Cursor | undefined,
): Record<string, unknown> {
  if (!cursor) return {};
  const values = fields.map((f, i) => keyValue(f, cursor.key[i] as string | number));
  const forward = cursor.direction === 'next';
  return {
    OR: fields.map((f, i) => {
      const later = (f.order === 'asc') === forward ? 'gt' : 'lt';
      const equal = Object.fromEntries(fields.slice(0, i).map((g, j) => [g.field, values[j]]));
      return { ...equal, [f.field]: { [later]: values[i] } };
    }),
  };
}

/** The list's ORDER BY, reversed when going back. */
export function keysetOrderBy(
  fields: readonly KeyField[],
  cursor: Cursor | undefined,
): Array<Record<string, 'asc' | 'desc'>> {
  const backwards = cursor?.direction === 'prev';
  const flip = (o: 'asc' | 'desc') => (o === 'asc' ? 'desc' : 'asc');
  return fields.map((f) => ({ [f.field]: backwards ? flip(f.order) : f.order }));
}

/** A row's key values (instants as ISO strings). */
export function keyOfRow(fields: readonly KeyField[], row: Record<string, unknown>): KeyValues {
  return fields.map((f) => {
    const v = row[f.field];
    if (v instanceof Date) return v.toISOString();
    return typeof v === 'number' ? v : String(v);
  });
}

// ---------------------------------------------------------------------------------------------
// The same keyset as SQL, for lists read in one raw statement (their relations joined in it).

/** Rows strictly after (or before) the cursor's key, each field read from `columns[field]`: SQL. */
export function keysetSql(
  fields: readonly KeyField[],
  columns: Readonly<Record<string, Prisma.Sql>>,
  cursor: Cursor | undefined,
): Prisma.Sql {
  if (!cursor) return Prisma.sql`TRUE`;
  const values = fields.map((f, i) => keyValue(f, cursor.key[i] as string | number));
  const forward = cursor.direction === 'next';
  const column = (f: KeyField): Prisma.Sql => {
    const c = columns[f.field];
    if (!c) throw new Error(`no column for the key field ${f.field}`);
    return c;
  };
  const alternatives = fields.map((f, i) => {
    const later = Prisma.raw((f.order === 'asc') === forward ? '>' : '<');
    const equal = fields.slice(0, i).map((g, j) => Prisma.sql`${column(g)} = ${values[j]}`);
    return Prisma.join([...equal, Prisma.sql`${column(f)} ${later} ${values[i]}`], ' AND ', '(', ')');
  });
  return Prisma.join(alternatives, ' OR ', '(', ')');
}

/** The list's ORDER BY terms, reversed when going back. */
export function keysetSqlOrder(
  fields: readonly KeyField[],
  columns: Readonly<Record<string, Prisma.Sql>>,
  cursor: Cursor | undefined,
): Prisma.Sql {
  const backwards = cursor?.direction === 'prev';
  return Prisma.join(
    fields.map((f) => {
      const asc = (f.order === 'asc') !== backwards;
      const column = columns[f.field];
      if (!column) throw new Error(`no column for the key field ${f.field}`);
      return Prisma.sql`${column} ${Prisma.raw(asc ? 'ASC' : 'DESC')}`;
    }),
    ', ',
  );
}
