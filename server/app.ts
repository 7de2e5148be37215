import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import express from 'express';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import { logger } from '../config/logger.js';
import type { PrismaClient } from '../db/client.js';
import { DAY_MS } from '../policy/township-calendar.js';
import type { ApiDeps } from './api/define-route.js';
import { openApiDocument } from './api/openapi.js';
import { apiRouter, loginBody } from './api/router.js';
import { apiRoutes } from './api/routes/index.js';
import { loginRateLimit } from './api/routes/session.js';
import { csrfProtection } from './auth/csrf.js';
import { sessionMiddleware } from './auth/session.js';
import { errorHandler, notFound } from './errors.js';
import { pagesRouter } from './pages/router.js';
import { healthRouter } from './routes/health.js';
import { installableAppRouter } from './routes/installable-app.js';

export interface AppDeps {
  config: {
    TEMPORAL_TASK_QUEUE: string;
    publicUrl: string;
    sessionSecret: string;
    loginAttemptsPer15Min?: number;
    /** Absolute lifetime of a logged-in session, in days (SESSION_MAX_AGE_DAYS, default 7). */
    SESSION_MAX_AGE_DAYS?: number;
  };
  prisma: PrismaClient;
  temporal: Client;
  databaseUrl: string;
}

export interface App {
  app: express.Express;
  /** Ends what the app holds open (the session store's pool). */
  close(): Promise<void>;
}

export function createApp(deps: AppDeps): App {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use(
    pinoHttp({
      logger,
      // Made here, never taken from the client: a caller must not be able to forge or reuse log ids.
      genReqId: (_req, res) => {
        const id = randomUUID();
        res.setHeader('x-request-id', id);
        return id;
      },
      autoLogging: { ignore: (req) => req.url === '/healthz' || req.url?.startsWith('/static/') === true },
      // One short line per request: id, method, URL, status, time; never cookies or tokens.
      serializers: {
        req: (req: { id: string; method: string; url: string }) => ({
          id: req.id,
          method: req.method,
          url: req.url,
        }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
    }),
  );
  app.use(
    helmet({
      // blob: for the visit form's previews of photos taken offline (never uploaded until sent).
      contentSecurityPolicy: {
        directives: { 'script-src': ["'self'"], 'img-src': ["'self'", 'data:', 'blob:'] },
      },
      hsts: deps.config.publicUrl.startsWith('https:'),
    }),
  );
  const apiDeps: ApiDeps = {
    prisma: deps.prisma,
    temporal: deps.temporal,
    taskQueue: deps.config.TEMPORAL_TASK_QUEUE,
    publicUrl: deps.config.publicUrl,
  };
  app.use(healthRouter(apiDeps));
  app.use(installableAppRouter());
  app.use('/static', express.static(new URL('./static/', import.meta.url).pathname, { maxAge: '1h' }));
  app.use('/static/vendor/chart.umd.js', (_req, res) => res.sendFile(chartJsPath()));

  const secureCookies = deps.config.publicUrl.startsWith('https:');
  app.locals.secureCookies = secureCookies;
  const sessions = sessionMiddleware({
    databaseUrl: deps.databaseUrl,
    secret: deps.config.sessionSecret,
    secure: secureCookies,
    maxAgeMs: (deps.config.SESSION_MAX_AGE_DAYS ?? 7) * DAY_MS,
  });
  app.use(sessions.middleware);

  app.get('/api/openapi.json', (_req, res) => res.json(openApiDocument(apiRoutes, deps.config.publicUrl)));
  // One limiter for both ways in (the page's form and the API), so they share the count.
  const loginLimiter = loginRateLimit(deps.config.loginAttemptsPer15Min ?? 10);
  app.post('/api/session', loginBody, loginLimiter);
  // The API reads a body only after the route's access check (server/api/router.ts).
  app.use('/api', csrfProtection, apiRouter(apiRoutes, apiDeps));
  app.use(express.json({ limit: '100kb' }));
  app.use(express.urlencoded({ extended: false, limit: '100kb' }));
  app.use(pagesRouter(apiDeps, loginLimiter));
  app.use(notFound);
  app.use(errorHandler);
  return { app, close: sessions.close };
}

/** The chart library's browser build, served from the installed package (no CDN reachable). */
function chartJsPath(): string {
  return path.join(path.dirname(createRequire(import.meta.url).resolve('chart.js')), 'chart.umd.min.js');
}
