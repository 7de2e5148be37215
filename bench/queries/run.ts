/**
 * `npm run bench:queries [-- --households 1000,10000,100000 --runs 20]`: for each size, generates the
 * read model in a database of its own on a scratch PostgreSQL (bench/queries/generate.ts), then
 * times every page's query (bench/queries/page-queries.ts) and prints p50/p95 in milliseconds as a
 * Markdown table. Run by hand, not by `npm test`.
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

const dataDir = await mkdtemp(path.join(os.tmpdir(), 'duzhan-bench-queries-'));
const { chmod } = await import('node:fs/promises');
await chmod(dataDir, 0o755); // as root, PostgreSQL runs as `postgres` inside it
const port = await freePort();
const postgres = await startEmbeddedPostgres({ dataDir, port, database: 'duzhan' }, say);
const results = new Map<number, Map<string, Timing>>();
const generation = new Map<number, { seconds: number; tasks: number }>();
try {
  for (const households of sizes) {
    const database = `bench_${households}`;
    const admin = new pg.Client({ connectionString: postgres.url });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${database}`);
    await admin.query(`CREATE DATABASE ${database}`);
    await admin.end();
    const url = embeddedDatabaseUrl(port, database);
    await applyMigrations(url);
    say(`generating ${households} households…`);
    const started = performance.now();
    const shape = await generateReadModel(url, households, NOW, say);
    const seconds = (performance.now() - started) / 1000;
    generation.set(households, { seconds, tasks: shape.tasks });
    say(`generated in ${seconds.toFixed(1)} s: ${JSON.stringify(shape)}`);

    const prisma = createPrisma(url);
    try {
      const timings = new Map<string, Timing>();
      for (const query of PAGE_QUERIES) {
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
    const drop = new pg.Client({ connectionString: postgres.url });
    await drop.connect();
    await drop.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await drop.end();
  }
} finally {
  await postgres.stop();
  await rm(dataDir, { recursive: true, force: true });
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
for (const query of PAGE_QUERIES)
  console.log(`| ${query.label} | ${sizes.map((n) => cell(results.get(n)?.get(query.label))).join(' | ')} |`);
console.log(
  `| (tasks; generation) | ${sizes
    .map((n) => {
      const g = generation.get(n);
      return g ? `${g.tasks.toLocaleString('en')}; ${g.seconds.toFixed(0)} s` : '';
    })
    .join(' | ')} |`,
);
