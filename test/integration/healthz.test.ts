import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkHealth } from '../../domain/health.js';
import { type Listening, listen } from '../../server/listen.js';
import { healthRouter } from '../../server/routes/health.js';
import { startAppServer } from '../helpers/app-server.js';
import { connectRealStack, eventually, type RealStack } from '../helpers/real-stack.js';

describe('health of Temporal, PostgreSQL and the worker', () => {
  let stack: RealStack;
  beforeAll(async () => {
    stack = await connectRealStack();
  });
  afterAll(async () => stack?.close());

  it('reports the worker down until one polls the task queue, then all up', async () => {
    const deps = { prisma: stack.prisma, temporal: stack.temporal, taskQueue: stack.taskQueue };
    const before = await checkHealth(deps);
    expect(before).toMatchObject({ ok: false, temporal: { status: 'up' }, postgres: { status: 'up' } });
    expect(before.worker.status).toBe('down');

    await stack.startWorker();
    const after = await eventually(async () => {
      const health = await checkHealth(deps);
      return health.ok ? health : undefined;
    });
    expect(after.worker.status).toBe('up');
  });

  it('/healthz tells a caller from outside only up or down; the reasons stay on this machine', async () => {
    const app = express();
    app.set('trust proxy', 'loopback'); // as createApp: the TLS proxy in front runs on this host
    app.use(healthRouter({ prisma: stack.prisma, temporal: stack.temporal, taskQueue: 'nobody-polls-this' }));
    const server: Listening = await listen(app, 0, '127.0.0.1');
    try {
      const url = `http://127.0.0.1:${server.port}/healthz`;
      const outside = await fetch(url, { headers: { 'x-forwarded-for': '203.0.113.7' } });
      expect(outside.status).toBe(503);
      expect(await outside.json()).toEqual({
        ok: false,
        temporal: { status: 'up' },
        postgres: { status: 'up' },
        worker: { status: 'down' },
      });
      const local = await fetch(url);
      expect(local.status).toBe(503);
      expect(await local.json()).toMatchObject({
        worker: { status: 'down', reason: 'no worker polls task queue nobody-polls-this' },
      });
    } finally {
      await server.close();
    }
  });
});

describe('request ids', () => {
  it('are made by the server, never taken from the client', async () => {
    const app = await startAppServer();
    try {
      const res = await fetch(`${app.base}/healthz`, { headers: { 'x-request-id': 'forged-by-client' } });
      const id = res.headers.get('x-request-id');
      expect(id).not.toBe('forged-by-client');
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
    } finally {
      await app.close();
    }
  });
});
