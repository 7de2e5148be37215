import { Router } from 'express';
import multer from 'multer';
import type { SessionUser } from '../../domain/users.js';
import { HttpError } from '../errors.js';
import type { ApiDeps, ApiRoute } from './define-route.js';

function checkAccess(route: ApiRoute, user: SessionUser | undefined) {
  if (route.access === 'public') return;
  if (!user) throw new HttpError(401, 'unauthenticated', '请先登录');
  if (!route.access.includes(user.role)) throw new HttpError(403, 'forbidden', '您的角色无权进行此操作');
}

/** Express routes from the table: role check, then input parsed by its schemas, then the handler. */
export function apiRouter(routes: readonly ApiRoute[], deps: ApiDeps): Router {
  const router = Router();
  for (const route of routes) {
    const upload = route.upload
      ? [
          multer({
            storage: multer.memoryStorage(),
            limits: { fileSize: route.upload.maxBytes, files: 1 },
          }).single(route.upload.field),
        ]
      : [];
    router[route.method](route.path, ...upload, async (req, res) => {
      const user = req.session?.user;
      checkAccess(route, user);
      const result = await route.handle({
        user,
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
