import { type RequestHandler, Router } from 'express';
import { homePath } from '../../domain/access.js';
import { authenticate } from '../../domain/users.js';
import type { ApiDeps } from '../api/define-route.js';
import { csrf } from '../auth/csrf.js';
import { accountPages } from './account-pages.js';
import { dataPages } from './data-pages.js';
import { render } from './render.js';

/** A `next` that stays on this site. */
const safeNext = (next: unknown) => (typeof next === 'string' && /^\/(?!\/)/.test(next) ? next : undefined);

export function pagesRouter(deps: ApiDeps, loginLimiter: RequestHandler): Router {
  const router = Router();
  router.get('/', (req, res) => {
    const user = req.session?.user;
    res.redirect(user ? homePath(user) : '/login');
  });
  router.get('/login', (req, res) => {
    render(req, res, 'login.njk', { title: '登录', next: req.query.next });
  });
  router.post('/login', loginLimiter, csrf.csrfSynchronisedProtection, async (req, res) => {
    const { username, password } = req.body as { username?: string; password?: string };
    const user = username && password ? await authenticate(deps.prisma, username, password) : undefined;
    if (!user)
      return render(
        req,
        res,
        'login.njk',
        { title: '登录', error: '用户名或密码不正确', username, next: (req.body as { next?: unknown }).next },
        401,
      );
    await new Promise<void>((resolve, reject) => req.session.regenerate((e) => (e ? reject(e) : resolve())));
    req.session.user = user;
    // Saved before the redirect: express-session sends the headers before its own save completes, so
    // a quick browser could follow the redirect with a session not yet in the store.
    await new Promise<void>((resolve, reject) => req.session.save((e) => (e ? reject(e) : resolve())));
    // A generated password is changed first, wherever the account was going.
    const next = user.mustChangePassword ? undefined : safeNext((req.body as { next?: unknown }).next);
    res.redirect(next ?? homePath(user));
  });
  router.post('/logout', csrf.csrfSynchronisedProtection, (req, res) => {
    req.session.destroy(() => res.clearCookie('duzhan.sid').redirect('/login'));
  });
  router.use(accountPages(deps));
  router.use(dataPages(deps));
  return router;
}
