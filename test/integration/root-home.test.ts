import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../stack/ports.js';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const isRoot = process.getuid?.() === 0;
const START_TIMEOUT_MS = 180_000;

/**
 * The project as a new user has it: its files (tracked and new, not ignored; so uncommitted work is
 * what gets tried) in `dir`, with node_modules, the Temporal binaries and the generated Prisma client
 * hard-linked from this checkout (copied when another file system forbids links), so no network
 * install runs.
 */
async function cloneInto(dir: string): Promise<void> {
  const { stdout } = await run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: root,
    maxBuffer: 16 * 1024 * 1024,
  });
  for (const file of stdout.split('\0').filter(Boolean)) {
    const from = path.join(root, file);
    if (!(await stat(from).catch(() => undefined))?.isFile()) continue; // deleted, not yet committed
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await copyFile(from, path.join(dir, file));
  }
  for (const installed of ['node_modules', '.tools', 'prisma/generated']) {
    const to = path.join(dir, installed);
    await run('cp', ['-al', path.join(root, installed), to]).catch(async () => {
      await rm(to, { recursive: true, force: true });
      await run('cp', ['-a', path.join(root, installed), to]);
    });
  }
}

/** Distinct free ports, one per setting. */
async function freePorts(names: readonly string[]): Promise<Record<string, string>> {
  const ports = new Set<number>();
  while (ports.size < names.length) ports.add(await freePort());
  const values = [...ports];
  return Object.fromEntries(names.map((name, i) => [name, String(values[i])]));
}

/** Processes whose command line mentions `text` (read from /proc, so nothing else is needed). */
async function processesMentioning(text: string): Promise<string[]> {
  const found: string[] = [];
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(text)) found.push(`${pid}: ${cmdline.replaceAll('\0', ' ').trim()}`);
  }
  return found;
}

/** The processes still mentioning `text` after the stack's stop deadline (15 s), [] as soon as none is. */
async function leftRunning(text: string): Promise<string[]> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const found = await processesMentioning(text);
    if (found.length === 0 || Date.now() > deadline) return found;
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function healthz(port: string): Promise<{ ok?: boolean } | undefined> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/healthz`);
    return (await response.json()) as { ok?: boolean };
  } catch {
    return undefined;
  }
}

describe('npm start as root from a clone inside a 0700 home folder', () => {
  let parent = '';
  const locationFile = () => path.join(parent, 'duzhan', '.data', 'pg.location');
  afterAll(async () => {
    if (!parent) return;
    // The cluster outside the clone goes too, however far the test got.
    const cluster = (await readFile(locationFile(), 'utf8').catch(() => '')).trim();
    if (path.isAbsolute(cluster)) await rm(cluster, { recursive: true, force: true });
    await rm(parent, { recursive: true, force: true });
  });

  it.skipIf(!isRoot)(
    'reaches /healthz up and leaves nothing running after Ctrl-C (skipped unless run as root: only root hits the postgres user detour)',
    async () => {
      // mkdtemp makes the folder 0700: nobody but root can pass, like root's own home.
      parent = await mkdtemp(path.join(os.homedir(), '.duzhan-root-home-'));
      expect((await stat(parent)).mode & 0o777).toBe(0o700);
      const clone = path.join(parent, 'duzhan');
      await cloneInto(clone);

      const ports = await freePorts([
        'PORT',
        'PG_PORT',
        'TEMPORAL_PORT',
        'TEMPORAL_UI_PORT',
        'MAIL_SMTP_PORT',
        'MAIL_WEB_PORT',
      ]);
      // Its own process group, so SIGINT reaches every process the way Ctrl-C in a terminal does.
      const child = spawn('npm', ['start'], {
        cwd: clone,
        detached: true,
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { ...process.env, ...ports, DATA_DIR: path.join(clone, '.data'), LOG_LEVEL: 'silent' },
      });
      let stderr = '';
      child.stderr?.on('data', (chunk: Buffer) => {
        stderr += chunk.toString('utf8');
      });
      // 'close', not 'exit': npm may end before duzhan has written its last lines to the shared stderr.
      const exited = once(child, 'close');
      try {
        const deadline = Date.now() + START_TIMEOUT_MS;
        let health = await healthz(ports.PORT ?? '');
        while (!health?.ok && Date.now() < deadline && child.exitCode === null) {
          await new Promise((r) => setTimeout(r, 1000));
          health = await healthz(ports.PORT ?? '');
        }
        expect(health, stderr).toMatchObject({ ok: true });
      } finally {
        if (child.exitCode === null && child.pid) process.kill(-child.pid, 'SIGINT');
        await exited;
      }
      // npm passes the signal on, waits for duzhan to stop, then ends by the same signal.
      expect(child.exitCode === 0 || child.signalCode === 'SIGINT', stderr).toBe(true);
      // Not asserted: the "SIGINT, stopping" line itself. Ctrl-C reaches every process of the group at
      // once, and in one clean-clone run of many the line was missing although everything stopped;
      // what a user sees is checked instead: no failure, no stack trace, nothing left running.
      expect(stderr).not.toContain('start-up failed');
      expect(stderr).not.toMatch(/^\s+at /m);

      // The cluster lives where the postgres user can reach it, recorded beside the data folder.
      const cluster = (await readFile(locationFile(), 'utf8')).trim();
      expect(stderr).toContain(`PostgreSQL's data goes to ${cluster}`);
      expect(await stat(path.join(cluster, 'PG_VERSION'))).toBeTruthy();
      // npm may end by the signal before duzhan has finished stopping its servers (each gets SIGTERM,
      // then SIGKILL after 10 s): what must hold is that nothing is left once that is over.
      expect(await leftRunning(clone)).toEqual([]);
      expect(await leftRunning(cluster)).toEqual([]);
    },
    START_TIMEOUT_MS + 60_000,
  );
});
