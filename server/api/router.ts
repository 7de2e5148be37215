import express, {
  type NextFunction,
  type Request,
  type RequestHandler,
  type Response,
  Router,
} from 'express';
import multer from 'multer';
import { ACCESS_MESSAGES, decideAccess } from '../../domain/access.js';
import { HttpError } from '../errors.js';
import type { ApiDeps, ApiRoute } from './define-route.js';

const JSON_LIMIT = '100kb';

/** The access rule of the route (domain/access.ts), before anything of the request's body is read. */
function accessCheck(route: ApiRoute): RequestHandler {
  return (req, _res, next) => {
    if (route.access === 'public') return next();
    const decision = decideAccess(route.access, req.session?.user);
    if (decision === 'allowed') return next();
    if (decision === 'unauthenticated')
      return next(new HttpError(401, 'unauthenticated', ACCESS_MESSAGES.unauthenticated));
    if (decision === 'mustChangePassword')
      return next(new HttpError(403, 'must_change_password', ACCESS_MESSAGES.mustChangePassword));
    return next(new HttpError(403, 'forbidden', ACCESS_MESSAGES.forbidden));
  };
}

const MULTER_MESSAGES: Partial<Record<string, [number, string, string]>> = {
  LIMIT_FILE_SIZE: [413, 'too_large', '上传的文件太大'],
  LIMIT_FILE_COUNT: [400, 'invalid_input', '一次只能上传一个文件'],
  LIMIT_PART_COUNT: [400, 'invalid_input', '上传内容只能包含一个文件'],
  LIMIT_FIELD_COUNT: [400, 'invalid_input', '上传内容只能包含一个文件，不能有其他字段'],
  LIMIT_UNEXPECTED_FILE: [400, 'invalid_input', '上传的文件字段不正确'],
};

/** One file part under `field` and nothing else: no other fields, no second file. */
function singleFileUpload(upload: NonNullable<ApiRoute['upload']>): RequestHandler {
  const parse = multer({
    storage: multer.memoryStorage(),
    limits: { fileSize: upload.maxBytes, files: 1, fields: 0, parts: 1 },
  }).single(upload.field);
  return (req: Request, res: Response, next: NextFunction) =>
    parse(req, res, (error: unknown) => {
      if (!error) return next();
      const known = error instanceof multer.MulterError ? MULTER_MESSAGES[error.code] : undefined;
      if (known) return next(new HttpError(known[0], known[1], known[2]));
      const message = error instanceof Error ? error.message : '';
      // busboy's own refusals (not multipart, a broken body) are the caller's to fix
      if (/multipart|boundary|Unexpected end of form/i.test(message))
        return next(new HttpError(400, 'invalid_input', '上传内容不是有效的文件表单'));
      return next(error);
    });
}

/**
 * Express routes from the table, each in this order: the access check, then the body (JSON, or one
 * uploaded file) is read, then the input parsed by its schemas, then the handler. The app mounts
 * this router before any global body parser, so a refused caller's body is never read.
 */
export function apiRouter(routes: readonly ApiRoute[], deps: ApiDeps): Router {
  const router = Router();
  const jsonBody = express.json({ limit: JSON_LIMIT });
  for (const route of routes) {
    const body = route.upload ? singleFileUpload(route.upload) : jsonBody;
    router[route.method](route.path, accessCheck(route), body, async (req, res) => {
      const result = await route.handle({
        user: req.session?.user,
        actor: req.session?.user?.id ?? 'anonymous',
        deps,
        body: route.body ? route.body.parse(req.body ?? {}) : undefined,
        query: route.query ? route.query.parse(req.query) : undefined,
        params: route.params ? route.params.parse(req.params) : undefined,
        req,
        res,
      });
      if (result) res.status(result.status ?? 200).json(result.json);
    });
  }
  return router;
}

/** The JSON parser of the log-in route, which the log-in limiter (keyed by user name) must run after. */
export const loginBody = express.json({ limit: JSON_LIMIT });
