// The one answer to "which time zone is the township in": TZ (validated by config/env.ts when a
// process starts), else China Standard Time. Pages, queries and downloads read it here.
const FALLBACK = 'Asia/Shanghai';

/** An IANA time zone name this Node knows (Asia/Shanghai, Europe/Berlin…). */
export function isTimeZone(name: string | undefined): name is string {
  if (!name) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

export function townshipTimeZone(): string {
  const tz = process.env.TZ;
  return isTimeZone(tz) ? tz : FALLBACK;
}
