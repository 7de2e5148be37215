import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensureTemporalServer, TEMPORAL_SERVER } from '../../stack/temporal-server-build.js';

const FOLDER = `temporal-server-${TEMPORAL_SERVER.version}`;

/** What a finished build leaves in the machine cache (contents stand in for the real binaries). */
async function fillCache(cacheDir: string, marker: string) {
  const dir = path.join(cacheDir, FOLDER);
  await mkdir(path.join(dir, 'schema', 'postgresql', 'v12', 'temporal', 'versioned'), { recursive: true });
  await writeFile(path.join(dir, 'temporal-server'), marker);
  await writeFile(path.join(dir, 'temporal-sql-tool'), marker);
}

// The build itself (minutes) is exercised by the cluster suite; these check that a second clone on
// the machine, or a second caller during a build, never starts another one.
describe('the production Temporal server: one build per machine', () => {
  let base: string;
  let toolsDir: string;
  let cacheDir: string;
  const said: string[] = [];
  const say = (line: string) => said.push(line);

  beforeEach(async () => {
    base = await mkdtemp(path.join(os.tmpdir(), 'duzhan-server-cache-'));
    toolsDir = path.join(base, 'clone', '.tools');
    cacheDir = path.join(base, 'cache');
    said.length = 0;
  });
  afterEach(async () => rm(base, { recursive: true, force: true }));

  it('a clone whose machine has built it copies the cached binaries into its .tools, without compiling', async () => {
    await fillCache(cacheDir, 'cached build');
    const got = await ensureTemporalServer(toolsDir, say, { cacheDir });
    expect(got.server).toBe(path.join(toolsDir, FOLDER, 'temporal-server'));
    expect(await readFile(got.server, 'utf8')).toBe('cached build');
    expect(await readFile(got.sqlTool, 'utf8')).toBe('cached build');
    expect(said.filter((l) => l.includes('building'))).toEqual([]);
  });

  it('while another process holds the build lock, it waits for that build instead of starting one', async () => {
    await mkdir(cacheDir, { recursive: true });
    const lock = path.join(cacheDir, `${FOLDER}.lock`);
    await mkdir(lock);
    await writeFile(path.join(lock, 'pid'), String(process.pid)); // a live process: this one
    const waiting = ensureTemporalServer(toolsDir, say, { cacheDir });
    await new Promise((r) => setTimeout(r, 1_000));
    await fillCache(cacheDir, 'the other build'); // the other process finishes
    await rm(lock, { recursive: true });
    const got = await waiting;
    expect(await readFile(got.server, 'utf8')).toBe('the other build');
    expect(said.filter((l) => l.includes('building'))).toEqual([]);
  });

  it('.tools already holding the binaries is used as is', async () => {
    await fillCache(toolsDir, 'in the clone');
    const got = await ensureTemporalServer(toolsDir, say, { cacheDir });
    expect(await readFile(got.server, 'utf8')).toBe('in the clone');
  });
});
