import type { ErrorRequestHandler, Request, RequestHandler } from 'express';
import { z } from 'zod';
import { DomainError } from '../domain/errors.js';
import { unavailablePart } from '../domain/unavailable.js';
import { HttpError } from './http-error.js';
import { render } from './pages/render.js';

export { HttpError };

/** The one error shape every /api answer uses. */
export interface ApiError {
  error: { code: string; message: string; details?: unknown };
}

const statusOfDomainError: Record<DomainError['kind'], [number, string]> = {
  NOT_FOUND: [404, 'not_found'],
  CONFLICT: [409, 'conflict'],
  INVALID: [422, 'unprocessable'],
  FORBIDDEN: [403, 'forbidden'],
};

/** A page opened in the browser (not the JSON API, not a script's fetch): it gets a page back. */
const wantsPage = (req: Request) =>
  !req.originalUrl.startsWith('/api/') && req.method === 'GET' && req.accepts(['json', 'html']) === 'html';

export const notFound: RequestHandler = (_req, _res, next) =>
  next(new HttpError(404, 'not_found', '没有这个地址'));

/** What a cadre reads while PostgreSQL or Temporal is down: nothing was done, send it again. */
export const UNAVAILABLE_MESSAGE = '服务暂时不可用，请稍后重试';

export const errorHandler: ErrorRequestHandler = (error, req, res, next) => {
  // Already answered (e.g. the session store could not touch the session while PostgreSQL was
  // down, after the answer went out): log it; a half-sent answer is cut off by Express.
  if (res.headersSent) {
    req.log?.warn({ reason: (error as Error).message?.split('\n')[0] }, 'error after the answer was sent');
    return res.writableEnded ? undefined : next(error);
  }
  const send = (status: number, body: ApiError) => res.status(status).json(body);
  const down = unavailablePart(error);
  if (down) {
    req.log?.warn({ part: down, reason: (error as Error).message?.split('\n')[0] }, 'dependency unavailable');
    res.setHeader('retry-after', '5');
    if (wantsPage(req))
      return render(req, res, 'error.njk', { title: '服务暂时不可用', message: UNAVAILABLE_MESSAGE }, 503);
    return send(503, { error: { code: 'unavailable', message: UNAVAILABLE_MESSAGE } });
  }
  if (error instanceof z.ZodError) {
    const details = error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
    return send(400, {
      error: { code: 'invalid_input', message: details[0]?.message ?? '输入有误', details },
    });
  }
  if (error instanceof DomainError) {
    const [status, code] = statusOfDomainError[error.kind];
    return send(status, { error: { code, message: error.message, details: error.details } });
  }
  if (error instanceof HttpError) {
    return send(error.status, {
      error: { code: error.code, message: error.message, details: error.details },
    });
  }
  if ((error as { code?: string }).code === 'LIMIT_FILE_SIZE') {
    return send(413, { error: { code: 'too_large', message: '上传的文件太大' } });
  }
  if ((error as { code?: string }).code === 'csrf') {
    return send(403, { error: { code: 'csrf', message: '页面已过期，请刷新后重试' } });
  }
  // body-parser errors carry a status (413 too large, 400 bad JSON).
  const status = (error as { status?: number }).status;
  if (status === 413) return send(413, { error: { code: 'too_large', message: '提交的内容太大' } });
  if (status === 400) return send(400, { error: { code: 'bad_json', message: '提交的内容不是有效的 JSON' } });
  req.log?.error({ err: error }, 'unhandled error');
  return send(500, { error: { code: 'internal', message: '系统出错了，请稍后再试' } });
};
