import { townshipDateOf } from '../../config/township-clock.js';

/**
 * The Content-Disposition of a download named after what it holds and the township's date, e.g.
 * `农户名册-2026-11-29.csv` (RFC 5987 encoding: the name is Chinese).
 */
export function datedAttachment(what: string, extension: 'csv' | 'xlsx'): string {
  const filename = `${what}-${townshipDateOf(new Date())}.${extension}`;
  return `attachment; filename*=UTF-8''${encodeURIComponent(filename)}`;
}
