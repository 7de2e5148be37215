import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import { Client, Connection } from '@temporalio/client';
import { workerNodeOptions } from '../../config/worker-capacity.js';
import { applyMigrations } from '../../db/migrate.js';
import { PrismaClient } from '../../prisma/generated/client.js';
import { type ManagedProcess, startProcess } from '../../stack/child-process.js';
import { type RunningPostgres, startEmbeddedPostgres } from '../../stack/embedded-postgres.js';
import { freePort, waitForPort } from '../../stack/ports.js';
import { ensureTemporalBinaries } from '../../stack/temporal-binaries.js';
import { type RunningDevServer, startTemporalDevServer } from '../../stack/temporal-dev-server.js';
import { TestSmtpServer } from '../helpers/test-smtp.js';

const root = path.resolve(import.meta.dirname, '../..');

/**
 * The production layout on this machine, all of it the suite's own (never the global setup's
 * servers): a Temporal dev server keeping its state in a file (so it can be killed and started
 * again), an embedded PostgreSQL that can be stopped and started, a real SMTP server, one
 * `npm run server` and two `npm run worker` processes.
 */
export interface FaultStack {
  base: string;
  prisma: PrismaClient;
  temporal: Client;
  taskQueue: string;
  smtp: TestSmtpServer;
  server: ManagedProcess;
  workers: ManagedProcess[];
  stopPostgres(): Promise<void>;
  startPostgres(): Promise<void>;
  killTemporal(): Promise<void>;
  startTemporal(): Promise<void>;
  /** SIGKILL one of the two workers, without warning: the other must carry on. */
  killWorker(): Promise<void>;
  /** Processes that exited although nobody killed them on purpose, with their last lines. */
  deaths(): string[];
  close(): Promise<void>;
}

export interface FaultStackOptions {
  /**
   * A Temporal server the suite does not own (the cluster suite's): used instead of starting a
   * dev server; killTemporal/startTemporal are then the caller's business and refuse.
   */
  temporalAddress?: string;
}

export async function startFaultStack(options: FaultStackOptions = {}): Promise<FaultStack> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'duzhan-faults-'));
  await chmod(dataDir, 0o755); // as root, PostgreSQL runs as `postgres` inside it
  const { cli } = await ensureTemporalBinaries(path.join(root, '.tools'), () => {});
  const temporalOptions = {
    cli,
    port: await freePort(),
    uiPort: await freePort(),
    namespace: 'default',
    dbFile: path.join(dataDir, 'temporal.db'),
  };
  const pgOptions = { dataDir, port: await freePort(), database: 'duzhan' };
  const [firstDev, firstPg] = await Promise.all([
    options.temporalAddress ? undefined : startTemporalDevServer(temporalOptions),
    startEmbeddedPostgres(pgOptions).then(async (running) => {
      await applyMigrations(running.url);
      return running;
    }),
  ]);
  let dev: RunningDevServer | undefined = firstDev;
  let pg: RunningPostgres | undefined = firstPg;
  const smtp = new TestSmtpServer(await freePort());
  await smtp.start();

  const address = options.temporalAddress ?? (dev as RunningDevServer).address;
  const databaseUrl = pg.url;
  const taskQueue = 'faults';
  const port = await freePort();
  const env = {
    ...process.env,
    TEMPORAL_ADDRESS: address,
    DATABASE_URL: databaseUrl,
    TEMPORAL_TASK_QUEUE: taskQueue,
    SMTP_URL: smtp.url,
    SESSION_SECRET: randomBytes(24).toString('hex'),
    ADMIN_PASSWORD: randomBytes(12).toString('hex'),
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    LOG_LEVEL: 'info',
  };
  const expectedExits = new Set<ManagedProcess>();
  const spawnScript = (name: string, script: string, ready: string) => {
    let resolveReady: () => void = () => {};
    const isReady = new Promise<void>((resolve) => {
      resolveReady = resolve;
    });
    // A worker process gets its main-thread heap cap, as every worker process is started.
    const nodeOptions = script === 'scripts/worker.ts' ? workerNodeOptions() : [];
    const proc = startProcess(name, process.execPath, [...nodeOptions, '--import', 'tsx', script], {
      env,
      onLine: (line) => {
        if (line.includes(`"msg":"${ready}"`)) resolveReady();
      },
    });
    return { proc, isReady };
  };

  const server = spawnScript('server', 'scripts/server.ts', 'server is up');
  const workers = [
    spawnScript('worker 1', 'scripts/worker.ts', 'worker is up'),
    spawnScript('worker 2', 'scripts/worker.ts', 'worker is up'),
  ];
  const all = [server, ...workers].map((s) => s.proc);
  const started = Promise.all([server, ...workers].map((s) => s.isReady));
  const died = new Promise<never>((_, reject) => {
    for (const p of all)
      p.child.once('exit', (code, signal) =>
        reject(new Error(`${p.name} exited (${signal ?? code}) while starting: ${p.tail().slice(-800)}`)),
      );
  });
  await Promise.race([started, died]);
  await waitForPort(port, 10_000);
  died.catch(() => {}); // later exits are reported by deaths()

  // The suite's own reads; the adapter's pool drops connections PostgreSQL closes, quietly.
  const prisma: PrismaClient = new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl }) });
  const connection = await Connection.connect({ address });
  const temporal = new Client({ connection, namespace: 'default' });

  return {
    base: `http://127.0.0.1:${port}`,
    prisma,
    temporal,
    taskQueue,
    smtp,
    server: server.proc,
    workers: workers.map((w) => w.proc),
    async stopPostgres() {
      await pg?.stop();
      pg = undefined;
    },
    async startPostgres() {
      pg = await startEmbeddedPostgres(pgOptions);
    },
    async killTemporal() {
      const proc = dev?.process;
      dev = undefined;
      if (!proc) return;
      const exited = new Promise((resolve) => proc.child.once('exit', resolve));
      proc.child.kill('SIGKILL');
      await exited;
    },
    async startTemporal() {
      if (options.temporalAddress) throw new Error('this stack does not own its Temporal server');
      dev = await startTemporalDevServer(temporalOptions);
    },
    async killWorker() {
      const proc = workers[0]?.proc;
      if (!proc) return;
      expectedExits.add(proc);
      const exited = new Promise((resolve) => proc.child.once('exit', resolve));
      proc.child.kill('SIGKILL');
      await exited;
    },
    deaths: () =>
      all
        .filter((p) => !expectedExits.has(p) && (p.child.exitCode !== null || p.child.signalCode !== null))
        .map((p) => `${p.name} exited (${p.child.signalCode ?? p.child.exitCode}): ${p.tail().slice(-800)}`),
    async close() {
      for (const p of all) expectedExits.add(p);
      for (const p of all) await p.stop();
      await connection.close();
      await prisma.$disconnect();
      await smtp.stop();
      await dev?.process.stop();
      await pg?.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
