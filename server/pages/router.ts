import { type Request, type RequestHandler, type Response, Router } from 'express';
import { z } from 'zod';
import { homePath } from '../../domain/access.js';
import type { ApiDeps } from '../api/define-route.js';
import { logInOrRefuse, loginBody } from '../api/routes/session.js';
import { csrfProtection } from '../auth/csrf.js';
import { safeNextPath } from '../auth/next-path.js';
import { endSession, startUserSession } from '../auth/session.js';
import { HttpError } from '../errors.js';
import { accountPages } from './account-pages.js';
import { channelPages } from './channel-pages.js';
import { dataPages } from './data-pages.js';
import { identificationPages } from './identification-pages.js';
import { render } from './render.js';
import { rosterPages } from './roster-pages.js';

export function pagesRouter(deps: ApiDeps, loginLimiter: RequestHandler): Router {
  const router = Router();
  router.get('/', (req, res) => {
    const user = req.session?.user;
    res.redirect(user ? homePath(user) : '/login');
  });
  router.get('/login', (req, res) => {
    render(req, res, 'login.njk', { title: '登录', next: safeNextPath(req.query.next) });
  });
  /**
   * The log-in page again, saying why not (wrong password, locked, bad input), keeping the name;
   * false for any other error, which is not the user's to fix.
   */
  const refuse = (req: Request, res: Response, error: unknown): boolean => {
    const [status, message] =
      error instanceof HttpError
        ? [error.status, error.message]
        : error instanceof z.ZodError
          ? [400, error.issues[0]?.message ?? '输入有误']
          : [500, ''];
    if (status === 500) return false;
    const form = (req.body ?? {}) as { username?: unknown; next?: unknown };
    const username = typeof form.username === 'string' ? form.username : '';
    render(
      req,
      res,
      'login.njk',
      { title: '登录', error: message, username, next: safeNextPath(form.next) },
      status,
    );
    return true;
  };
  // The per-address limiter's 429 is a page here too, not the API's JSON.
  const limited: RequestHandler = (req, res, next) =>
    loginLimiter(req, res, (error?: unknown) => {
      if (!error || !refuse(req, res, error)) next(error);
    });
  router.post('/login', limited, csrfProtection, async (req, res) => {
    try {
      const user = await logInOrRefuse(deps.prisma, res, loginBody.parse(req.body ?? {}));
      await startUserSession(req, user);
      // A generated password is changed first, wherever the account was going.
      const next = user.mustChangePassword ? undefined : safeNextPath((req.body as { next?: unknown }).next);
      res.redirect(next ?? homePath(user));
    } catch (error) {
      if (!refuse(req, res, error)) throw error;
    }
  });
  router.post('/logout', csrfProtection, async (req, res) => {
    await endSession(req, res);
    res.redirect('/login');
  });
  router.use(accountPages(deps));
  router.use(channelPages(deps));
  // Before dataPages: /households is the roster, /households/:id the household page.
  router.use(rosterPages(deps));
  router.use(identificationPages(deps));
  router.use(dataPages(deps));
  return router;
}
