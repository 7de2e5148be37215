// One shape for every validation problem the policy module reports, so the server can return
// them and the web form can show each next to its field.
import { z } from 'zod';

export interface ValidationIssue {
  /** Dotted path of the offending field, e.g. 'escalationLadder.0.rank'; '' for the whole value. */
  path: string;
  /** A sentence in Chinese a cadre understands. */
  message: string;
}

export type ValidationResult<T> = { ok: true; value: T } | { ok: false; issues: ValidationIssue[] };

// Every field carries its own Chinese message; zod's zh-CN locale is only the safety net for a
// case a schema forgot (passed per parse, so importing this module changes no global config).
const chineseFallback = z.locales.zhCN().localeError;

export function safeParseInChinese<S extends z.ZodType>(
  schema: S,
  input: unknown,
): ValidationResult<z.output<S>> {
  const result = schema.safeParse(input, { error: chineseFallback });
  if (result.success) {
    return { ok: true, value: result.data };
  }
  return { ok: false, issues: result.error.issues.map(toValidationIssue) };
}

function toValidationIssue(issue: z.core.$ZodIssue): ValidationIssue {
  return { path: issue.path.map(String).join('.'), message: issue.message };
}

export function describeIssues(issues: readonly ValidationIssue[]): string {
  return issues.map((issue) => (issue.path ? `${issue.path}：${issue.message}` : issue.message)).join('；');
}
