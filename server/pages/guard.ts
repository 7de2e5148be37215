import type { NextFunction, Request, Response } from 'express';
import { type AccessRule, decideAccess } from '../../domain/access.js';
import { render } from './render.js';

/**
 * Pages guarded by a rule of domain/access.ts: nobody logged in goes to the log-in page, an account
 * with a generated password to the change-password page, others not admitted get a 403 page.
 */
export function requirePage(rule: AccessRule) {
  return (req: Request, res: Response, next: NextFunction) => {
    const user = req.session?.user;
    const decision = decideAccess(rule, user);
    if (decision === 'allowed') return next();
    if (decision === 'unauthenticated')
      return res.redirect(`/login?next=${encodeURIComponent(req.originalUrl)}`);
    if (decision === 'mustChangePassword') return res.redirect('/account/password');
    return render(req, res, 'error.njk', { title: '无权访问', message: '您的账号不能查看此页面。' }, 403);
  };
}
