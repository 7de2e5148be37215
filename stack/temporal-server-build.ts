import { execFile, spawn } from 'node:child_process';
import { access, chmod, cp, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * The production Temporal server (not the CLI's dev server) and its schema tool, pinned. No release
 * binary reaches this machine, but the Go module proxy serves the module: `go install` compiles
 * both (about 4 minutes on 2 cores the first time). v1.32.2 needs Go ≥ 1.26.10, hence the toolchain,
 * which the proxy also serves.
 */
export const TEMPORAL_SERVER = {
  module: 'go.temporal.io/server',
  version: '1.32.2',
  goToolchain: 'go1.27.3',
} as const;

export interface TemporalServerBinaries {
  server: string;
  sqlTool: string;
  /** schema/postgresql/v12 of the same module version: what temporal-sql-tool applies. */
  postgresSchemaDir: string;
}

type Say = (line: string) => void;

const FOLDER = `temporal-server-${TEMPORAL_SERVER.version}`;
const SERVER = 'temporal-server';
const SQL_TOOL = 'temporal-sql-tool';

/**
 * The machine-wide cache, outside any clone, so a second clone on this machine copies the binaries
 * instead of compiling them again: DUZHAN_CACHE_DIR, else $XDG_CACHE_HOME/duzhan, else ~/.cache/duzhan.
 */
export function machineCacheDir(): string {
  if (process.env.DUZHAN_CACHE_DIR) return path.resolve(process.env.DUZHAN_CACHE_DIR);
  const xdg = process.env.XDG_CACHE_HOME;
  return path.join(xdg && path.isAbsolute(xdg) ? xdg : path.join(os.homedir(), '.cache'), 'duzhan');
}

const exists = (file: string) =>
  access(file).then(
    () => true,
    () => false,
  );

const layout = (dir: string): TemporalServerBinaries => ({
  server: path.join(dir, SERVER),
  sqlTool: path.join(dir, SQL_TOOL),
  postgresSchemaDir: path.join(dir, 'schema', 'postgresql', 'v12'),
});

/** A folder is only ever renamed into place whole, so one that exists is complete. */
const complete = async (dir: string) => {
  const files = layout(dir);
  return (await exists(files.server)) && (await exists(files.sqlTool)) && exists(files.postgresSchemaDir);
};

/** Copies a complete folder to `target` through a temporary sibling, so `target` is never half there. */
async function copyInto(source: string, target: string): Promise<void> {
  await mkdir(path.dirname(target), { recursive: true });
  const partial = await mkdtemp(path.join(path.dirname(target), '.partial-'));
  try {
    await cp(source, partial, { recursive: true });
    await chmod(partial, 0o755);
    await rename(partial, target).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error; // another copy won
    });
  } finally {
    await rm(partial, { recursive: true, force: true });
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * One build per machine at a time: a lock folder holding the builder's pid. Another process (a
 * second clone, the test that needs the binaries while the global setup is still compiling them)
 * waits for that build instead of starting its own; a lock whose process is gone is taken over.
 */
async function withBuildLock<T>(lock: string, ready: () => Promise<boolean>, build: () => Promise<T>) {
  for (;;) {
    try {
      await mkdir(lock);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number.parseInt(await readFile(path.join(lock, 'pid'), 'utf8').catch(() => ''), 10);
      if (Number.isFinite(owner) && !alive(owner)) await rm(lock, { recursive: true, force: true });
      else await new Promise((r) => setTimeout(r, 2_000));
      if (await ready()) return undefined;
      continue;
    }
    try {
      await writeFile(path.join(lock, 'pid'), String(process.pid));
      if (await ready()) return undefined; // built while we waited for the lock
      return await build();
    } finally {
      await rm(lock, { recursive: true, force: true });
    }
  }
}

/**
 * The `go` to build with: the machine's, or — on a machine without Go — the toolchain the Go module
 * proxy serves (the same zip `GOTOOLCHAIN` downloads), unpacked once into the cache.
 */
async function goCommand(cacheDir: string, say: Say): Promise<string> {
  try {
    await run('go', ['version']);
    return 'go';
  } catch {}
  const arch = { x64: 'amd64', arm64: 'arm64' }[os.arch() as string];
  if (!arch || os.platform() !== 'linux')
    throw new Error(`no Go here and no toolchain for ${os.platform()}/${os.arch()}`);
  const name = `v0.0.1-${TEMPORAL_SERVER.goToolchain}.linux-${arch}`;
  const home = path.join(cacheDir, `go-${name}`);
  const go = path.join(home, `golang.org/toolchain@${name}`, 'bin', 'go');
  if (
    await access(go).then(
      () => true,
      () => false,
    )
  )
    return go;
  say(`no Go on this machine: fetching ${TEMPORAL_SERVER.goToolchain} from the Go module proxy`);
  const response = await fetch(`https://proxy.golang.org/golang.org/toolchain/@v/${name}.zip`);
  if (!response.ok) throw new Error(`the Go module proxy answered ${response.status} for ${name}`);
  const zip = `${home}.zip`;
  await writeFile(zip, Buffer.from(await response.arrayBuffer()));
  await rm(home, { recursive: true, force: true });
  await run('unzip', ['-q', '-o', zip, '-d', home]);
  await rm(zip, { force: true });
  await chmod(go, 0o755);
  return go;
}

function goInstall(go: string, gobin: string, background: boolean): Promise<void> {
  const { module, version, goToolchain } = TEMPORAL_SERVER;
  const env = {
    ...process.env,
    GOTOOLCHAIN: goToolchain,
    GOBIN: gobin,
    CGO_ENABLED: '0',
    // In the background of a test run: one package at a time, so the tests keep a core.
    ...(background ? { GOFLAGS: `${process.env.GOFLAGS ?? ''} -p=1`.trim() } : {}),
  };
  const args = ['install', `${module}/cmd/server@v${version}`, `${module}/cmd/tools/sql@v${version}`];
  return new Promise((resolve, reject) => {
    const child = spawn(go, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    if (background && child.pid) {
      try {
        os.setPriority(child.pid, 10);
      } catch {} // only a courtesy to the tests running beside it
    }
    let errors = '';
    child.stderr.on('data', (chunk: Buffer) => {
      errors = (errors + chunk.toString('utf8')).slice(-4000);
    });
    child.once('error', (error) =>
      reject(new Error(`cannot run go (needed once to build the Temporal server): ${error.message}`)),
    );
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`go install of the Temporal server failed: ${errors}`)),
    );
  });
}

/** Compiles both programs and copies the module's PostgreSQL schema next to them, in `cacheDir`. */
async function build(cacheDir: string, background: boolean, say: Say): Promise<void> {
  const partial = await mkdtemp(path.join(cacheDir, '.partial-'));
  try {
    const started = Date.now();
    say(
      `building Temporal server ${TEMPORAL_SERVER.version} from the Go module proxy ` +
        `(${TEMPORAL_SERVER.goToolchain}), minutes the first time on this machine…`,
    );
    const go = await goCommand(cacheDir, say);
    await goInstall(go, partial, background);
    await rename(path.join(partial, 'server'), path.join(partial, SERVER));
    await rename(path.join(partial, 'sql'), path.join(partial, SQL_TOOL));
    const { stdout } = await run(go, ['env', 'GOMODCACHE'], {
      env: { ...process.env, GOTOOLCHAIN: TEMPORAL_SERVER.goToolchain },
    });
    const moduleDir = path.join(stdout.trim(), `${TEMPORAL_SERVER.module}@v${TEMPORAL_SERVER.version}`);
    const schema = layout(partial).postgresSchemaDir;
    await cp(path.join(moduleDir, 'schema', 'postgresql', 'v12'), schema, { recursive: true });
    await run('chmod', ['-R', 'u+w', schema]); // the module cache is read-only; our copy need not be
    await chmod(partial, 0o755);
    await rename(partial, path.join(cacheDir, FOLDER));
    say(`Temporal server built in ${((Date.now() - started) / 1000).toFixed(0)} s: ${cacheDir}/${FOLDER}`);
  } finally {
    await rm(partial, { recursive: true, force: true });
  }
}

/**
 * The server binaries in `<toolsDir>/temporal-server-<version>/`, like the project's other Temporal
 * binaries: taken from the machine-wide cache when there, built into it (once per machine) when not.
 * `background`: built with one core at a lower priority, for a build started early beside the tests.
 */
export async function ensureTemporalServer(
  toolsDir: string,
  say: Say = () => {},
  options: { background?: boolean; cacheDir?: string } = {},
): Promise<TemporalServerBinaries> {
  const local = path.join(toolsDir, FOLDER);
  if (await complete(local)) return layout(local);
  const cacheDir = options.cacheDir ?? machineCacheDir();
  const cached = path.join(cacheDir, FOLDER);
  await mkdir(cacheDir, { recursive: true });
  await withBuildLock(
    path.join(cacheDir, `${FOLDER}.lock`),
    () => complete(cached),
    () => build(cacheDir, options.background ?? false, say),
  );
  if (!(await complete(cached))) throw new Error(`the Temporal server build left nothing in ${cached}`);
  await copyInto(cached, local);
  return layout(local);
}
