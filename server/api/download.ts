import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Response } from 'express';
import { townshipDateOf } from '../../config/township-clock.js';

const CONTENT_TYPES = {
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
} as const;

export type DownloadFormat = keyof typeof CONTENT_TYPES;

/**
 * The Content-Disposition of a download named after what it holds and the township's date, e.g.
 * `农户名册-2026-11-29.csv` (RFC 5987 encoding: the name is Chinese).
 */
export function datedAttachment(what: string, format: DownloadFormat): string {
  const filename = `${what}-${townshipDateOf(new Date())}.${format}`;
  return `attachment; filename*=UTF-8''${encodeURIComponent(filename)}`;
}

/**
 * Answers with a file to save, named after what it holds and the date. `body` whole, or chunks
 * streamed as they come (a large export is then never whole in memory).
 */
export async function sendDownload(
  res: Response,
  what: string,
  format: DownloadFormat,
  body: string | Buffer | AsyncIterable<string | Buffer>,
): Promise<undefined> {
  res.type(CONTENT_TYPES[format]).setHeader('content-disposition', datedAttachment(what, format));
  if (typeof body === 'string' || Buffer.isBuffer(body)) res.send(body);
  else await pipeline(Readable.from(body), res);
  return undefined;
}
