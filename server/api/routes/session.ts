import type { Response } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { z } from 'zod';
import type { PrismaClient } from '../../../db/client.js';
import { CAPABILITIES } from '../../../domain/access.js';
import { LoginLockedError, logIn, normaliseUsername } from '../../../domain/login-throttle.js';
import { singleLine } from '../../../policy/plain-text.js';
import { csrf, csrfTokenFor } from '../../auth/csrf.js';
import { endSession, startUserSession } from '../../auth/session.js';
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

export const loginBody = z.object({
  username: singleLine('用户名', 64),
  password: z.string({ error: '请填写密码' }).min(1, '请填写密码').max(200, '密码过长'),
});

/**
 * Logs in or says why not: 401 for wrong credentials, 429 (with Retry-After) while the user name
 * or the account is locked after too many failures (domain/login-throttle.ts).
 */
export async function logInOrRefuse(
  prisma: PrismaClient,
  res: Response,
  credentials: z.infer<typeof loginBody>,
) {
  try {
    const user = await logIn(prisma, credentials.username, credentials.password);
    if (!user) throw new HttpError(401, 'bad_credentials', '用户名或密码不正确');
    return user;
  } catch (error) {
    if (!(error instanceof LoginLockedError)) throw error;
    res.setHeader('retry-after', String(error.retryAfterSeconds));
    throw new HttpError(429, 'too_many_attempts', error.message);
  }
}

/**
 * Per address: a few failed tries per quarter hour per address and user name (normalised, as the
 * log-in reads it). Per user name and per account, across addresses: domain/login-throttle.ts.
 */
export function loginRateLimit(limit: number) {
  return rateLimit({
    windowMs: 15 * 60_000,
    limit,
    skipSuccessfulRequests: true, // only failed attempts count: a cadre who logs in often is not guessing
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    keyGenerator: (req) =>
      `${ipKeyGenerator(req.ip ?? '')}|${normaliseUsername(String((req.body as { username?: unknown } | undefined)?.username ?? ''))}`,
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
    handle: async ({ user, req, res }) => ({
      json: { user: user ?? null, csrfToken: csrfTokenFor(req, res) },
    }),
  }),
  defineRoute({
    method: 'post',
    path: '/session',
    tag: '登录',
    summary: '登录（有频率限制）',
    access: 'public',
    body: loginBody,
    response: z.object({ user: sessionUser, csrfToken: z.string() }),
    handle: async ({ body, req, res, deps }) => {
      const user = await logInOrRefuse(deps.prisma, res, body);
      await startUserSession(req, user);
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
      await endSession(req, res);
      res.status(204).end();
      return undefined;
    },
  }),
];
