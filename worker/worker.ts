import { fileURLToPath } from 'node:url';
import {
  bundleWorkflowCode,
  NativeConnection,
  Worker,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import { createActivities } from '../activities/index.js';
import { createMailTransport } from '../activities/mail-transport.js';
import type { PrismaClient } from '../db/client.js';

const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;

/** Workflow code is bundled once per process (about 2 s) and shared by every worker it starts. */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({ workflowsPath, logger: quietBundlerLogger });
  return bundle;
}

const quietBundlerLogger = {
  trace: () => {},
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: (message: string, meta?: Record<string, unknown>) => console.error(message, meta ?? ''),
  log: () => {},
};

export interface WorkerOptions {
  address: string;
  namespace: string;
  taskQueue: string;
  prisma: PrismaClient;
  /** Base of the links in notifications. */
  publicUrl: string;
  /** Where e-mail goes (smtp://… or smtps://…); npm start passes its embedded catcher's. */
  smtpUrl: string;
  /** From: of every e-mail. */
  mailFrom: string;
  /** Time zone of dates in messages and digests (default Asia/Shanghai). */
  timeZone?: string;
  /** false: start no e-mail deliveries (see ActivityDeps.deliverMail); default true. */
  deliverMail?: boolean;
}

export interface RunningWorker {
  worker: Worker;
  connection: NativeConnection;
  /** Resolves when the worker has stopped; call `worker.shutdown()` to stop it. */
  done: Promise<void>;
}

export async function startWorker(options: WorkerOptions): Promise<RunningWorker> {
  const connection = await NativeConnection.connect({ address: options.address });
  // One pooled SMTP transport per worker, closed when the worker has stopped.
  const mailTransport = createMailTransport(options.smtpUrl);
  const worker = await Worker.create({
    connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    workflowBundle: await workflowBundle(),
    activities: createActivities({
      prisma: options.prisma,
      publicUrl: options.publicUrl,
      smtpUrl: options.smtpUrl,
      mailFrom: options.mailFrom,
      ...(options.timeZone ? { timeZone: options.timeZone } : {}),
      ...(options.deliverMail === false ? { deliverMail: false } : {}),
      mailTransport,
    }),
  }).catch(async (error: unknown) => {
    mailTransport.close();
    await connection.close();
    throw error;
  });
  const done = worker.run().finally(() => {
    mailTransport.close();
    return connection.close();
  });
  return { worker, connection, done };
}
