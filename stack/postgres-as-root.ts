import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, cp, lstat, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ConfigError } from '../config/env.js';

/**
 * PostgreSQL refuses to run as root, so as root the embedded server runs as the `postgres` user.
 * That user must be able to walk down to the binaries and to the cluster. A project under a 0700
 * home (root's own, the usual case in containers and cloud VMs) is closed to it: then the binaries
 * are copied once into a root-owned cache folder and the cluster lives in a root-owned state folder,
 * both under /var (or the temp folder when /var cannot be written), and start-up says where.
 */

const run = promisify(execFile);

export interface PostgresUser {
  uid: number;
  gid: number;
}

export const isRoot = () => process.getuid?.() === 0;

/** Root-owned folders, the first that works is used: system cache or state dir, else the temp dir. */
export const SYSTEM_DIRS = {
  cache: ['/var/cache/duzhan', path.join(os.tmpdir(), 'duzhan-cache')],
  state: ['/var/lib/duzhan', path.join(os.tmpdir(), 'duzhan-state')],
};

async function idOf(flag: '-u' | '-g'): Promise<number> {
  const { stdout } = await run('id', [flag, 'postgres']);
  return Number.parseInt(stdout, 10);
}

/** The `postgres` user, created (a system user without a home) when the machine has none. */
export async function postgresUser(): Promise<PostgresUser> {
  const lookUp = async () => ({ uid: await idOf('-u'), gid: await idOf('-g') });
  try {
    return await lookUp();
  } catch {
    try {
      await run('groupadd', ['-f', '--system', 'postgres']);
      await run('useradd', [
        '--system',
        '-g',
        'postgres',
        '--no-create-home',
        '-s',
        '/usr/sbin/nologin',
        'postgres',
      ]);
      return await lookUp();
    } catch (error) {
      throw new ConfigError(
        `as root, PostgreSQL runs as the user postgres, which is missing and could not be created ` +
          `(${firstLine(error)}): create it (useradd --system postgres) or run as a normal user`,
      );
    }
  }
}

const firstLine = (error: unknown) =>
  (error instanceof Error ? error.message : String(error)).split('\n')[0]?.trim() ?? '';

/** Runs a command as that user; true when it exits 0 (false when it cannot even be started). */
function succeedsAs(user: PostgresUser, command: string, args: string[]): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { uid: user.uid, gid: user.gid, stdio: 'ignore' });
    child.once('error', () => resolve(false));
    child.once('exit', (code) => resolve(code === 0));
  });
}

/** True when the user can walk into `dir`: every folder above it must let them pass. */
export const canEnter = (user: PostgresUser, dir: string) =>
  succeedsAs(user, '/bin/sh', ['-c', 'test -d "$1" && test -x "$1"', 'sh', dir]);

const canRunPostgres = (user: PostgresUser, binDir: string) =>
  succeedsAs(user, path.join(binDir, 'postgres'), ['--version']);

/**
 * The first candidate folder that is, or can be made, root's own (a directory, not a link, owned by
 * root, writable by nobody else): a folder in a shared temp dir that someone else made first is
 * never trusted with binaries PostgreSQL will run.
 */
export async function rootOwnedDir(candidates: readonly string[]): Promise<string> {
  const refused: string[] = [];
  for (const dir of candidates) {
    try {
      await mkdir(dir, { recursive: true, mode: 0o711 });
      const info = await lstat(dir);
      if (!info.isDirectory() || info.uid !== 0 || (info.mode & 0o022) !== 0) {
        refused.push(`${dir} is not root's own folder`);
        continue;
      }
      if ((info.mode & 0o011) !== 0o011) await chmod(dir, (info.mode & 0o777) | 0o011);
      return dir;
    } catch (error) {
      refused.push(`${dir}: ${firstLine(error)}`);
    }
  }
  throw new ConfigError(
    `no folder the postgres user can reach for PostgreSQL: ${refused.join('; ')} ` +
      `(make ${candidates[0]} a folder of root's, mode 0711, or clone the project outside a 0700 folder)`,
  );
}

/**
 * The folder of PostgreSQL binaries the `postgres` user can run: the npm package's own when it can
 * reach it, else a copy made once in the cache folder (per package version, copied aside then
 * renamed into place, so two starts at once never see half a copy) and reused after.
 */
export async function reachableBinaries(
  user: PostgresUser,
  packageBinDir: string,
  say: (line: string) => void,
  cacheDirs: readonly string[] = SYSTEM_DIRS.cache,
): Promise<string> {
  if (await canRunPostgres(user, packageBinDir)) return packageBinDir;
  const nativeDir = path.dirname(packageBinDir);
  const { version } = JSON.parse(await readFile(path.join(nativeDir, '..', 'package.json'), 'utf8')) as {
    version: string;
  };
  const cache = await rootOwnedDir(cacheDirs);
  const target = path.join(cache, `postgres-${version}-${process.platform}-${process.arch}`);
  const present = await lstat(path.join(target, 'bin', 'postgres')).then(
    () => true,
    () => false,
  );
  if (!present) {
    const partial = await mkdtemp(path.join(cache, '.partial-'));
    try {
      await cp(nativeDir, partial, { recursive: true, verbatimSymlinks: true });
      await chmod(partial, 0o755);
      await rename(partial, target).catch(async (error: NodeJS.ErrnoException) => {
        // Another start copied it first: theirs is complete, ours goes.
        if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
      });
    } finally {
      await rm(partial, { recursive: true, force: true });
    }
    say(`the postgres user cannot reach ${nativeDir}; PostgreSQL's binaries copied to ${target}`);
  }
  const binDir = path.join(target, 'bin');
  if (!(await canRunPostgres(user, binDir)))
    throw new ConfigError(
      `the postgres user cannot run ${path.join(binDir, 'postgres')}: remove ${target} and start again`,
    );
  return binDir;
}

/** Written next to the wanted cluster folder when the cluster had to live elsewhere. */
const locationFile = (wanted: string) => `${wanted}.location`;

/**
 * The folder for the cluster the caller wants at `wanted` (e.g. `.data/pg`): there when the
 * `postgres` user can reach its parent (opened for passing through, 0711, never for listing), else
 * a folder of its own in the state folder, recorded in `<wanted>.location` so later starts use the
 * same cluster, and a deleted data folder means a fresh one, as it does without the detour.
 */
export async function reachableClusterDir(
  user: PostgresUser,
  wanted: string,
  say: (line: string) => void,
  stateDirs: readonly string[] = SYSTEM_DIRS.state,
): Promise<string> {
  const parent = path.dirname(wanted);
  const recorded = (await readFile(locationFile(wanted), 'utf8').catch(() => '')).trim();
  if (path.isAbsolute(recorded)) {
    await rootOwnedDir([path.dirname(recorded)]); // still there, still root's own
    say(`PostgreSQL's data is in ${recorded} (recorded in ${locationFile(wanted)})`);
    return recorded;
  }
  await mkdir(parent, { recursive: true });
  const mode = (await lstat(parent)).mode & 0o777;
  if ((mode & 0o011) !== 0o011) await chmod(parent, mode | 0o011);
  if (await canEnter(user, parent)) return wanted;

  const elsewhere = path.join(await rootOwnedDir(stateDirs), `pg-${randomBytes(8).toString('hex')}`);
  await writeFile(locationFile(wanted), `${elsewhere}\n`, { mode: 0o600 });
  say(`the postgres user cannot reach ${parent}; PostgreSQL's data goes to ${elsewhere}`);
  return elsewhere;
}
