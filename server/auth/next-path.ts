/**
 * Where to go after log-in: accepted only as a path of this site. Browsers read `/\host`, `//host`,
 * a tab or line break inside the URL, and their percent-encoded forms (`/%5Chost`) in ways that
 * leave the site, so the value is decoded until it stops changing and refused if any form of it
 * is not a plain path: no scheme, no second leading slash, no backslash, no control character.
 */
export function safeNextPath(next: unknown): string | undefined {
  if (typeof next !== 'string' || next.length === 0 || next.length > 2_000) return undefined;
  const forms = [next];
  for (let i = 0; i < 5; i++) {
    const last = forms.at(-1) as string;
    let decoded: string;
    try {
      decoded = decodeURIComponent(last);
    } catch {
      return undefined; // a broken %-sequence: not something the site's own links produce
    }
    if (decoded === last) break;
    forms.push(decoded);
  }
  if (!forms.every(isPlainPath)) return undefined;
  // What a browser would do with it, relative to this site: it must stay here.
  const base = 'http://duzhan.invalid';
  return new URL(next, base).origin === base ? next : undefined;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it looks for
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

const isPlainPath = (path: string) =>
  path.startsWith('/') && !path.startsWith('//') && !path.includes('\\') && !CONTROL.test(path);
