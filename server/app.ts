import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import express from 'express';
import { pinoHttp } from 'pino-http';
import type { Config } from '../config/env.js';
import { logger } from '../config/logger.js';
import type { PrismaClient } from '../db/client.js';
import { errorHandler, notFound } from './errors.js';
import { healthRouter } from './routes/health.js';
import { householdsRouter } from './routes/households.js';

export interface AppDeps {
  config: Pick<Config, 'TEMPORAL_TASK_QUEUE'>;
  prisma: PrismaClient;
  temporal: Client;
}

export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(
    pinoHttp({
      logger,
      genReqId: (req, res) => {
        const id = (req.headers['x-request-id'] as string | undefined) ?? randomUUID();
        res.setHeader('x-request-id', id);
        return id;
      },
      autoLogging: { ignore: (req) => req.url === '/healthz' },
    }),
  );
  app.use(express.json({ limit: '100kb' }));
  const domainDeps = {
    prisma: deps.prisma,
    temporal: deps.temporal,
    taskQueue: deps.config.TEMPORAL_TASK_QUEUE,
  };
  app.use(healthRouter(domainDeps));
  app.use('/api', householdsRouter(domainDeps));
  app.use(notFound);
  app.use(errorHandler);
  return app;
}
