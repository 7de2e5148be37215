import { csrfSync } from 'csrf-sync';
import type { Request } from 'express';

/**
 * Synchroniser tokens kept in the session: pages put the token in a meta tag, scripts send it back
 * in `x-csrf-token`, plain forms in `_csrf`. Safe methods (GET, HEAD, OPTIONS) need none.
 */
export const csrf = csrfSync({
  getTokenFromRequest: (req: Request) =>
    (req.headers['x-csrf-token'] as string | undefined) ??
    (req.body as { _csrf?: string } | undefined)?._csrf,
  errorConfig: { statusCode: 403, message: '页面已过期，请刷新后重试', code: 'csrf' },
});
