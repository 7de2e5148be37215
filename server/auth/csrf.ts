import { randomBytes, timingSafeEqual } from 'node:crypto';
import { csrfSync } from 'csrf-sync';
import type { NextFunction, Request, Response } from 'express';
import { HttpError } from '../http-error.js';

const tokenFromRequest = (req: Request) =>
  (req.headers['x-csrf-token'] as string | undefined) ?? (req.body as { _csrf?: unknown } | undefined)?._csrf;

/**
 * Synchroniser tokens kept in the session of a logged-in user: pages put the token in a meta tag,
 * scripts send it back in `x-csrf-token`, plain forms in `_csrf`. Safe methods (GET, HEAD, OPTIONS)
 * need none.
 */
export const csrf = csrfSync({
  getTokenFromRequest: (req: Request) => {
    const token = tokenFromRequest(req);
    return typeof token === 'string' ? token : undefined;
  },
  errorConfig: { statusCode: 403, message: '页面已过期，请刷新后重试', code: 'csrf' },
});

/**
 * Visitors who have not logged in get no stored session, so their token (for the log-in form and
 * the API's log-in) cannot live in one: it is a random value in a cookie of its own, sent back in
 * the form or header (double submit). Another site can neither read that cookie nor set it.
 */
export const ANONYMOUS_CSRF_COOKIE = 'duzhan.csrf';

const anonymousCookieOf = (req: Request): string | undefined => {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === ANONYMOUS_CSRF_COOKIE) return value.join('=') || undefined;
  }
  return undefined;
};

const sameToken = (a: unknown, b: string | undefined): boolean => {
  if (typeof a !== 'string' || !b) return false;
  const [x, y] = [Buffer.from(a), Buffer.from(b)];
  return x.length === y.length && timingSafeEqual(x, y);
};

/** The token a page or the API hands out: the session's when logged in, else the cookie's. */
export function csrfTokenFor(req: Request, res: Response): string {
  if (req.session?.user) return csrf.generateToken(req);
  const existing = anonymousCookieOf(req);
  if (existing && /^[\w-]{43}$/.test(existing)) return existing;
  const token = randomBytes(32).toString('base64url');
  // Secure like the session cookie: over HTTPS, or when the app says its public URL is https.
  const secure = req.secure || req.app.locals.secureCookies === true;
  res.cookie(ANONYMOUS_CSRF_COOKIE, token, { httpOnly: true, sameSite: 'lax', secure, path: '/' });
  return token;
}

/** Every write needs the token: the session's for a user, the cookie's for a visitor. */
export function csrfProtection(req: Request, res: Response, next: NextFunction) {
  if (req.session?.user) return csrf.csrfSynchronisedProtection(req, res, next);
  if (['GET', 'HEAD', 'OPTIONS'].includes(req.method)) return next();
  if (sameToken(tokenFromRequest(req), anonymousCookieOf(req))) return next();
  next(new HttpError(403, 'csrf', '页面已过期，请刷新后重试'));
}
