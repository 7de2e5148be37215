import { fileURLToPath } from 'node:url';
import type { Request, Response } from 'express';
import nunjucks from 'nunjucks';
import { townshipTimeZone } from '../../config/township-clock.js';
import { ACCESS_RULES, type AccessRule, accountLabel, decideAccess } from '../../domain/access.js';
import { LABOUR_ABILITY_LABELS } from '../../policy/household-profile.js';
import { LABOUR_CLASS_LABELS } from '../../policy/household-types.js';
import { REASON_MAX_CHARS } from '../../policy/plain-text.js';
import { csrfTokenFor } from '../auth/csrf.js';

const views = fileURLToPath(new URL('../views/', import.meta.url));

// autoescape: every value written into a page is HTML-escaped unless a template says otherwise.
const env = new nunjucks.Environment(
  new nunjucks.FileSystemLoader(views, { noCache: process.env.NODE_ENV !== 'production' }),
  {
    autoescape: true,
    throwOnUndefined: false,
  },
);

const townshipClock = new Intl.DateTimeFormat('zh-CN', {
  timeZone: townshipTimeZone(),
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hour12: false,
});
env.addFilter('time', (iso: string | Date | null | undefined) =>
  iso ? townshipClock.format(new Date(iso)) : '—',
);
env.addFilter('date', (iso: string | Date | null | undefined) =>
  iso ? townshipClock.format(new Date(iso)).slice(0, 10) : '—',
);
env.addFilter('yuan', (n: number | string | null | undefined) =>
  n === null || n === undefined ? '—' : `${Number(n).toLocaleString('zh-CN')} 元`,
);
// The household profile's choices, for the register and facts forms (views/_profile-fields.njk).
env.addGlobal('labourClassLabels', LABOUR_CLASS_LABELS);
// The reason fields' limit, as the API checks it (policy/plain-text.ts).
env.addGlobal('reasonMaxChars', REASON_MAX_CHARS);
env.addGlobal('labourAbilityLabels', LABOUR_ABILITY_LABELS);
env.addFilter('json', (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c'));

/**
 * Renders a page with the layout's needs: the user, what they may do, and a CSRF token (a visitor's
 * lives in a cookie, so a page view stores no session).
 */
export function render(
  req: Request,
  res: Response,
  template: string,
  context: Record<string, unknown> = {},
  status = 200,
) {
  const user = req.session?.user;
  const html = env.render(template, {
    ...context,
    user,
    roleLabel: user ? accountLabel(user) : undefined,
    // What the navigation and the page may offer this account (domain/access.ts decides).
    may: Object.fromEntries(
      (Object.keys(ACCESS_RULES) as AccessRule[]).map((rule) => [
        rule,
        decideAccess(rule, user) === 'allowed',
      ]),
    ),
    csrfToken: csrfTokenFor(req, res),
    path: req.path,
  });
  res.status(status).type('html').send(html);
}
