import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { z } from 'zod';
import { CAPABILITIES } from '../../../domain/access.js';
import { authenticate } from '../../../domain/users.js';
import { csrf } from '../../auth/csrf.js';
import { HttpError } from '../../errors.js';
import { defineRoute } from '../define-route.js';

const sessionUser = z
  .object({
    id: z.string(),
    username: z.string(),
    displayName: z.string(),
    capabilities: z.array(z.enum(CAPABILITIES)),
    cadreId: z.string().nullable(),
    mustChangePassword: z.boolean(),
  })
  .meta({ id: 'SessionUser' });

const loginBody = z.object({
  username: z.string({ error: '请填写用户名' }).trim().min(1, '请填写用户名').max(64, '用户名过长'),
  password: z.string({ error: '请填写密码' }).min(1, '请填写密码').max(200, '密码过长'),
});

/** Guessing passwords gets slow: a few tries per quarter hour per address and user name. */
export function loginRateLimit(limit: number) {
  return rateLimit({
    windowMs: 15 * 60_000,
    limit,
    skipSuccessfulRequests: true, // only failed attempts count: a cadre who logs in often is not guessing
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    keyGenerator: (req) =>
      `${ipKeyGenerator(req.ip ?? '')}|${String((req.body as { username?: unknown } | undefined)?.username ?? '')}`,
    handler: (_req, _res, next) =>
      next(new HttpError(429, 'too_many_attempts', '登录尝试过多，请 15 分钟后再试')),
  });
}

export const sessionRoutes = [
  defineRoute({
    method: 'get',
    path: '/session',
    tag: '登录',
    summary: '当前用户和 CSRF 令牌（未登录时 user 为 null）',
    access: 'public',
    response: z.object({ user: sessionUser.nullable(), csrfToken: z.string() }),
    handle: async ({ user, req }) => ({ json: { user: user ?? null, csrfToken: csrf.generateToken(req) } }),
  }),
  defineRoute({
    method: 'post',
    path: '/session',
    tag: '登录',
    summary: '登录（有频率限制）',
    access: 'public',
    body: loginBody,
    response: z.object({ user: sessionUser, csrfToken: z.string() }),
    handle: async ({ body, req, deps }) => {
      const user = await authenticate(deps.prisma, body.username, body.password);
      if (!user) throw new HttpError(401, 'bad_credentials', '用户名或密码不正确');
      // A new session id on log-in, so a token planted before it is worth nothing.
      await new Promise<void>((resolve, reject) =>
        req.session.regenerate((e) => (e ? reject(e) : resolve())),
      );
      req.session.user = user;
      return { json: { user, csrfToken: csrf.generateToken(req, true) } };
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/session',
    tag: '登录',
    summary: '退出登录',
    access: 'public',
    handle: async ({ req, res }) => {
      await new Promise<void>((resolve) => req.session.destroy(() => resolve()));
      res.clearCookie('duzhan.sid').status(204).end();
      return undefined;
    },
  }),
];
