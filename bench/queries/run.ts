/**
 * `npm run bench:queries [-- --households 1000,10000,100000 --runs 20]`: for each size, generates the
 * read model in a database of its own on a scratch PostgreSQL (bench/queries/generate.ts), then
 * times every page's query (bench/queries/page-queries.ts) and prints p50/p95 in milliseconds as a
 * Markdown table. Run by hand, not by `npm test`.
 *
 * `--data-dir DIR` keeps the cluster in DIR and its databases after the run: a later run with the
 * same DIR reuses a size it generated completely (applying only migrations added since, whose
 * backfills bring the kept tables up to date) instead of generating it again (6 minutes at 100,000).
 * `--only TEXT,…` times only the queries whose label contains one of the TEXTs. `--hold` keeps the server running
 * after the timings (its address printed) until the process is interrupted, for EXPLAIN by hand.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { createPrisma } from '../../db/client.js';
import { applyMigrations } from '../../db/migrate.js';
import { embeddedDatabaseUrl, startEmbeddedPostgres } from '../../stack/embedded-postgres.js';
import { freePort } from '../../stack/ports.js';
import { percentile } from '../stats.js';
import { generateReadModel } from './generate.js';
import { PAGE_QUERIES } from './page-queries.js';

const say = (line: string) => console.error(`bench:queries: ${line}`);

const { values } = parseArgs({
  options: {
    households: { type: 'string', default: '1000,10000' },
    runs: { type: 'string', default: '20' },
    /** Stop timing a query after this many seconds of it (the slow ones at large sizes). */
    budget: { type: 'string', default: '30' },
    'data-dir': { type: 'string' },
    only: { type: 'string' },
    hold: { type: 'boolean', default: false },
  },
});
const sizes = (values.households ?? '').split(',').map((s) => Number(s.trim()));
const runs = Number(values.runs);
const budgetMs = Number(values.budget) * 1000;
if (!sizes.every((n) => Number.isInteger(n) && n >= 1) || !(runs >= 1) || !(budgetMs > 0))
  throw new Error('--households must be a comma-separated list of integers ≥ 1, --runs and --budget ≥ 1');

// The generated data's "now"; queries run at this instant so the overdue set is the same every run.
const NOW = new Date('2026-11-01T04:00:00Z');

interface Timing {
  p50: number;
  p95: number;
  runs: number;
  /** Bytes of the answer (JSON, or the CSV). */
  bytes: number;
  error?: string;
}

async function timeQuery(work: () => Promise<unknown>): Promise<Timing> {
  const sizeOf = (answer: unknown) =>
    typeof answer === 'string' ? Buffer.byteLength(answer) : Buffer.byteLength(JSON.stringify(answer));
  try {
    const bytes = sizeOf(await work()); // warm-up: plans cached, pages in memory
    const samples: number[] = [];
    const started = performance.now();
    while (samples.length < runs && performance.now() - started < budgetMs) {
      const t0 = performance.now();
      await work();
      samples.push(performance.now() - t0);
    }
    return { p50: percentile(samples, 50), p95: percentile(samples, 95), runs: samples.length, bytes };
  } catch (error) {
    const code = (error as { code?: string }).code;
    return { p50: Number.NaN, p95: Number.NaN, runs: 0, bytes: 0, error: code ?? (error as Error).message };
  }
}

const keptDir = values['data-dir'] ? path.resolve(values['data-dir']) : undefined;
const only = values.only?.split(',').map((s) => s.trim());
const queries = PAGE_QUERIES.filter((query) => !only || only.some((text) => query.label.includes(text)));
const dataDir = keptDir ?? (await mkdtemp(path.join(os.tmpdir(), 'duzhan-bench-queries-')));
const { chmod, mkdir } = await import('node:fs/promises');
await mkdir(dataDir, { recursive: true });
await chmod(dataDir, 0o755); // as root, PostgreSQL runs as `postgres` inside it

/** The shape a complete earlier generation recorded in this database, if there was one. */
async function generatedBefore(url: string): Promise<{ seconds: number; tasks: number } | undefined> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ seconds: number; tasks: number }>(
      `SELECT seconds, tasks FROM bench_generated WHERE households = (SELECT count(*) FROM "Household")`,
    );
    return rows[0];
  } catch {
    return undefined; // no such table: never generated completely
  } finally {
    await client.end();
  }
}

async function recordGenerated(url: string, households: number, seconds: number, tasks: number) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('CREATE TABLE bench_generated (households int, seconds float8, tasks int)');
    await client.query('INSERT INTO bench_generated VALUES ($1, $2, $3)', [households, seconds, tasks]);
  } finally {
    await client.end();
  }
}
const port = await freePort();
const postgres = await startEmbeddedPostgres({ dataDir, port, database: 'duzhan' }, say);
const results = new Map<number, Map<string, Timing>>();
const generation = new Map<number, { seconds: number; tasks: number }>();
try {
  for (const households of sizes) {
    const database = `bench_${households}`;
    const url = embeddedDatabaseUrl(port, database);
    const admin = new pg.Client({ connectionString: postgres.url });
    await admin.connect();
    const exists =
      (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database])).rowCount === 1;
    const earlier = keptDir && exists ? await generatedBefore(url) : undefined;
    if (!earlier) {
      await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await admin.query(`CREATE DATABASE ${database}`);
    }
    await admin.end();
    const applied = await applyMigrations(url);
    if (earlier) {
      generation.set(households, earlier);
      say(
        `reusing ${database} (generated in ${earlier.seconds.toFixed(0)} s; applied now: ${applied.join(', ') || 'none'})`,
      );
    } else {
      say(`generating ${households} households…`);
      const started = performance.now();
      const shape = await generateReadModel(url, households, NOW, say);
      const seconds = (performance.now() - started) / 1000;
      generation.set(households, { seconds, tasks: shape.tasks });
      say(`generated in ${seconds.toFixed(1)} s: ${JSON.stringify(shape)}`);
      if (keptDir) await recordGenerated(url, households, seconds, shape.tasks);
    }

    const prisma = createPrisma(url);
    try {
      const timings = new Map<string, Timing>();
      for (const query of queries) {
        const timing = await timeQuery(() => query.run(prisma, { now: NOW, households }));
        timings.set(query.label, timing);
        say(
          `${households} ${query.label}: ${timing.error ? `fails (${timing.error})` : `p50 ${timing.p50.toFixed(1)} ms, p95 ${timing.p95.toFixed(1)} ms (${timing.runs} runs, ${timing.bytes} bytes)`}`,
        );
      }
      results.set(households, timings);
    } finally {
      await prisma.$disconnect();
    }
    if (keptDir) continue;
    const drop = new pg.Client({ connectionString: postgres.url });
    await drop.connect();
    await drop.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await drop.end();
  }
  if (values.hold) {
    say(`holding the server at ${postgres.url} (databases bench_<households>); interrupt to stop it`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
  }
} finally {
  await postgres.stop();
  if (!keptDir) await rm(dataDir, { recursive: true, force: true });
}

const cell = (t: Timing | undefined) => {
  if (!t) return '';
  if (t.error) return `**fails** (${t.error.slice(0, 40)})`;
  const kb = t.bytes >= 1024 ? ` (${Math.round(t.bytes / 1024)} KB)` : '';
  return `${t.p50.toFixed(1)} / ${t.p95.toFixed(1)}${kb}`;
};
const header = sizes.map((n) => `${n.toLocaleString('en')} households`);
console.log(`\nPage queries, p50 / p95 ms (${os.cpus().length} cores, ${os.cpus()[0]?.model ?? ''})\n`);
console.log(`| query | ${header.join(' | ')} |`);
console.log(`|---|${sizes.map(() => '---').join('|')}|`);
for (const query of queries)
  console.log(`| ${query.label} | ${sizes.map((n) => cell(results.get(n)?.get(query.label))).join(' | ')} |`);
console.log(
  `| (tasks; generation) | ${sizes
    .map((n) => {
      const g = generation.get(n);
      return g ? `${g.tasks.toLocaleString('en')}; ${g.seconds.toFixed(0)} s` : '';
    })
    .join(' | ')} |`,
);
