/**
 * `npm test` with no arguments: the test files in lanes side by side, each lane a `vitest run
 * --shard` of its own with its own Temporal dev server and PostgreSQL (the global setup starts them
 * on free ports), so lanes share nothing but the machine. Their results are merged into one report,
 * printed with vitest's dot reporter: a passing run fits on one screen; a failing test prints its
 * error and its logs.
 *
 * With arguments (`npm test -- test/api`) it is a plain `vitest run` of those files.
 * TEST_LANES sets the number of lanes (default 2; 1 = one vitest, as with arguments).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { ensureTemporalBinaries } from '../stack/temporal-binaries.js';

const root = path.resolve(import.meta.dirname, '..');
const vitest = path.join(root, 'node_modules', 'vitest', 'vitest.mjs');
const artifacts = path.join(root, 'test-artifacts');
const blobs = path.join(artifacts, 'vitest-blobs');

const args = process.argv.slice(2);
const lanes = Number.parseInt(process.env.TEST_LANES ?? '2', 10);
const children = new Set<ChildProcess>();

function run(argv: string[], options: { log?: string } = {}): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [vitest, ...argv], {
      cwd: root,
      stdio: options.log ? ['ignore', 'pipe', 'pipe'] : 'inherit',
      // Its own process group, so a stop reaches the servers its global setup started.
      detached: true,
    });
    children.add(child);
    if (options.log) {
      const out = createWriteStream(options.log);
      child.stdout?.pipe(out);
      child.stderr?.pipe(out);
    }
    child.on('exit', (code, signal) => {
      children.delete(child);
      resolve(code ?? (signal ? 1 : 0));
    });
  });
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    for (const child of children) if (child.pid) process.kill(-child.pid, signal);
  });
}

const PROGRESS_EVERY_MS = 60_000;

/** One line: files done of all lanes, and failed files so far (from the lanes' progress lines). */
async function printProgress(lanes: number, started: number): Promise<void> {
  let files = 0;
  let done = 0;
  const failed: string[] = [];
  for (let lane = 1; lane <= lanes; lane += 1) {
    const text = await readFile(path.join(artifacts, `lane-${lane}.log`), 'utf8').catch(() => '');
    for (const line of text.split('\n')) {
      const total = /^\[lane\] files (\d+)$/.exec(line);
      // Every lane is told of all the run's files (before the split), so any one of them gives the total.
      if (total) files = Math.max(files, Number(total[1]));
      const end = /^\[lane\] done (\w+) (.+)$/.exec(line);
      if (end) done += 1;
      if (end?.[1] === 'failed') failed.push(end[2] ?? '');
    }
  }
  const minutes = ((Date.now() - started) / 60_000).toFixed(0);
  const failures = failed.length > 0 ? `; failed: ${failed.join(', ')}` : '';
  console.log(`[test] ${minutes} min: ${done} of ${files || '?'} files done${failures}`);
}

async function runInLanes(): Promise<number> {
  // Fetched once here: the lanes' global setups would otherwise race to unpack the same binaries.
  await ensureTemporalBinaries(path.join(root, '.tools'), (line) => console.log(`[test] ${line}`));
  await rm(blobs, { recursive: true, force: true });
  await mkdir(blobs, { recursive: true });
  console.log(
    `[test] ${lanes} lanes, each with its own Temporal dev server and PostgreSQL; logs in test-artifacts/`,
  );
  const started = Date.now();
  const progress = setInterval(() => void printProgress(lanes, started), PROGRESS_EVERY_MS);
  const codes = await Promise.all(
    Array.from({ length: lanes }, async (_, i) => {
      const lane = i + 1;
      const log = path.join(artifacts, `lane-${lane}.log`);
      const code = await run(
        [
          'run',
          `--shard=${lane}/${lanes}`,
          '--reporter=blob',
          `--outputFile=${path.join(blobs, `lane-${lane}.json`)}`,
          '--reporter=./test/lane-progress-reporter.ts',
        ],
        { log },
      );
      console.log(`[test] lane ${lane} finished in ${Math.round((Date.now() - started) / 1000)} s`);
      return { lane, code, log };
    }),
  );
  clearInterval(progress);
  const merged = await run(['run', `--merge-reports=${blobs}`, '--reporter=dot']);
  // A lane that failed outside any test (its global setup, a crash) may have written no report, or
  // one that passes: its own log says why.
  const broken = codes.filter(
    (c) => c.code !== 0 && (merged === 0 || !existsSync(path.join(blobs, `lane-${c.lane}.json`))),
  );
  for (const { lane, log } of broken) {
    const text = await readFile(log, 'utf8').catch(() => '');
    console.error(
      `[test] lane ${lane} exited with an error; the end of its log (${path.relative(root, log)}):`,
    );
    console.error(text.split('\n').slice(-40).join('\n'));
  }
  return broken.length > 0 || codes.some((c) => c.code !== 0) ? 1 : merged;
}

const code = args.length > 0 || lanes <= 1 ? await run(['run', ...args]) : await runInLanes();
process.exit(code);
