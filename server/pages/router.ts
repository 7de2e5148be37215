import { type NextFunction, type Request, type RequestHandler, type Response, Router } from 'express';
import { authenticate, type Role } from '../../domain/users.js';
import type { ApiDeps } from '../api/define-route.js';
import { csrf } from '../auth/csrf.js';
import { dataPages } from './data-pages.js';
import { render } from './render.js';

const HOME: Record<Role, string> = { LEADER: '/tasks', SUPERVISOR: '/board', ADMIN: '/admin' };

/** Pages need a logged-in user of one of `roles`; others go to the log-in page or get a 403 page. */
export function requirePage(...roles: Role[]) {
  return (req: Request, res: Response, next: NextFunction) => {
    const user = req.session?.user;
    if (!user) return res.redirect(`/login?next=${encodeURIComponent(req.originalUrl)}`);
    if (!roles.includes(user.role))
      return render(req, res, 'error.njk', { title: '无权访问', message: '您的角色不能查看此页面。' }, 403);
    next();
  };
}

/** A `next` that stays on this site. */
const safeNext = (next: unknown) => (typeof next === 'string' && /^\/(?!\/)/.test(next) ? next : undefined);

export function pagesRouter(deps: ApiDeps, loginLimiter: RequestHandler): Router {
  const router = Router();
  router.get('/', (req, res) => {
    const user = req.session?.user;
    res.redirect(user ? HOME[user.role] : '/login');
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
    res.redirect(safeNext((req.body as { next?: unknown }).next) ?? HOME[user.role]);
  });
  router.post('/logout', csrf.csrfSynchronisedProtection, (req, res) => {
    req.session.destroy(() => res.clearCookie('duzhan.sid').redirect('/login'));
  });
  router.use(dataPages(deps));
  return router;
}
