import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { inject } from 'vitest';
import { createPrisma, type PrismaClient } from '../../db/client.js';
import { freePort } from '../../stack/ports.js';
import { type RunningWorker, startWorker } from '../../worker/worker.js';

/**
 * Clients for the real Temporal server and PostgreSQL the global setup started, and a worker on a
 * task queue of the test file's own, so files never pick up each other's workflows.
 */
export interface RealStack {
  prisma: PrismaClient;
  temporal: Client;
  taskQueue: string;
  /**
   * A worker on the file's task queue. E-mail goes to `smtpUrl`; by default to a port nothing
   * listens on, so notifications stay PENDING in `mail-<id>` workflows retrying in the background.
   */
  startWorker(options?: { smtpUrl?: string }): Promise<RunningWorker>;
  close(): Promise<void>;
}

/** `databaseUrl`: a database of the test's own (scratch-database.ts) instead of the shared one. */
export async function connectRealStack(options: { databaseUrl?: string } = {}): Promise<RealStack> {
  const address = inject('temporalAddress');
  const prisma = createPrisma(options.databaseUrl ?? inject('databaseUrl'));
  const connection = await Connection.connect({ address });
  const temporal = new Client({ connection, namespace: 'default' });
  const taskQueue = `test-${randomUUID()}`;
  const workers: RunningWorker[] = [];
  const noSmtp = `smtp://127.0.0.1:${await freePort()}`;
  return {
    prisma,
    temporal,
    taskQueue,
    async startWorker(options = {}) {
      const running = await startWorker({
        address,
        namespace: 'default',
        taskQueue,
        prisma,
        publicUrl: 'http://duzhan.test',
        smtpUrl: options.smtpUrl ?? noSmtp,
        mailFrom: '督战系统 <duzhan@duzhan.test>',
      });
      workers.push(running);
      return running;
    },
    async close() {
      for (const w of workers) {
        if (w.worker.getState() === 'RUNNING') w.worker.shutdown();
        await w.done;
      }
      await connection.close();
      await prisma.$disconnect();
    },
  };
}

/** Polls `probe` until it returns a value (not undefined/null) or the time is up. */
export async function eventually<T>(
  probe: () => Promise<T | null | undefined>,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== null) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
