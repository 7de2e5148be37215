// Text typed by people (names, reasons, notes): one rule for every boundary that takes it.
import { z } from 'zod';

/** C0 and C1 control characters (line breaks included) and the Unicode line/paragraph separators. */
const isControl = (code: number) =>
  code < 0x20 || (code >= 0x7f && code <= 0x9f) || code === 0x2028 || code === 0x2029;
const LINE_BREAKS = new Set([0x09, 0x0a, 0x0d]);
const hasControl = (s: string, allowLines: boolean) =>
  [...s].some((ch) => {
    const code = ch.codePointAt(0) ?? 0;
    return isControl(code) && !(allowLines && LINE_BREAKS.has(code));
  });

/**
 * One line of text (a name, a village, a short reason): trimmed, 1..max characters, no control
 * characters, so it cannot break a line of an e-mail, a CSV row or a log line.
 */
export const singleLine = (label: string, max: number) =>
  z
    .string({ error: `请填写${label}` })
    .trim()
    .min(1, `请填写${label}`)
    .max(max, `${label}最长 ${max} 字`)
    .refine((s) => !hasControl(s, false), `${label}不能包含换行或控制字符`);

/** Free text over several lines (needs, plans, notes): 0..max characters, line breaks allowed. */
export const multiLine = (label: string, max: number) =>
  z
    .string({ error: `${label}必须是文字` })
    .trim()
    .max(max, `${label}最长 ${max} 字`)
    .refine((s) => !hasControl(s, true), `${label}不能包含控制字符`);

/**
 * Why someone acts (a reassignment, a pause, a shock, a readmission): one short line, the same
 * limit at the API and in the domain.
 */
export const REASON_MAX_CHARS = 200;
export const reasonText = singleLine('原因', REASON_MAX_CHARS);
