/**
 * CPU time spent by the parts of the stack the bench started (its worker, the Temporal server,
 * PostgreSQL with every backend), read from /proc, so each phase can say how many milliseconds of
 * a core one operation cost in each part, beside the floor's. Linux only; elsewhere it reads nothing.
 */
import { readdir, readFile } from 'node:fs/promises';

export type Part = 'worker' | 'temporal' | 'postgres';
export const PARTS: readonly Part[] = ['worker', 'temporal', 'postgres'];
/** A number for each part (CPU seconds, MiB…). */
export type PerPart = Record<Part, number>;
export type CpuSeconds = PerPart;
/** CPU seconds so far, and the moment they were read (performance.now(), ms). */
export type CpuReading = CpuSeconds & { atMs: number };
export const PART_LABELS = {
  worker: 'worker',
  temporal: 'Temporal',
  postgres: 'PostgreSQL',
  all: 'all three',
};

const TICKS_PER_SECOND = 100; // USER_HZ: 100 on every Linux the project runs on

interface ProcessStat {
  pid: number;
  parent: number;
  command: string;
  /** Its own CPU time and that of its children already reaped (a PostgreSQL backend that exited). */
  ticks: number;
}

async function readStat(pid: number): Promise<ProcessStat | undefined> {
  try {
    const text = await readFile(`/proc/${pid}/stat`, 'utf8');
    // The command is in parentheses and may itself hold spaces or parentheses: split after the last one.
    const close = text.lastIndexOf(')');
    const command = text.slice(text.indexOf('(') + 1, close);
    const fields = text.slice(close + 2).split(' ');
    const number = (i: number) => Number(fields[i]);
    // Fields after the command, from 0: state, ppid, … utime (11), stime (12), cutime (13), cstime (14).
    return { pid, parent: number(1), command, ticks: number(11) + number(12) + number(13) + number(14) };
  } catch {
    return undefined; // gone between the listing and the read
  }
}

/**
 * The processes whose part is known by pid, each with its children: the worker, and what is Temporal's
 * though not named so (a cluster's own PostgreSQL, whose backends are named `postgres` like duzhan's).
 */
export interface PartPids {
  worker: number;
  temporal: readonly number[];
}

/** Which part a process is by its command; undefined for anything else. */
function byCommand(stat: ProcessStat): Part | undefined {
  if (stat.command.startsWith('temporal')) return 'temporal';
  if (stat.command.startsWith('postgres')) return 'postgres';
  return undefined;
}

/** The processes under this bench process, each with the part it belongs to. */
export async function processesByPart(
  pids: PartPids,
): Promise<Array<{ pid: number; part: Part; ticks: number }>> {
  let entries: string[];
  try {
    entries = (await readdir('/proc')).filter((name) => /^\d+$/.test(name));
  } catch {
    return [];
  }
  const stats = (await Promise.all(entries.map((name) => readStat(Number(name))))).filter(
    (s): s is ProcessStat => s !== undefined,
  );
  const byPid = new Map(stats.map((s) => [s.pid, s]));
  const partOf = (stat: ProcessStat): Part | undefined => {
    // Walk up to this bench process: only what it started counts, each under its part, an ancestor
    // known by pid before the nearest command that names one.
    let named: Part | undefined;
    let known: Part | undefined;
    for (let at: ProcessStat | undefined = stat; at; at = byPid.get(at.parent)) {
      if (at.pid === pids.worker) known ??= 'worker';
      else if (pids.temporal.includes(at.pid)) known ??= 'temporal';
      named ??= byCommand(at);
      if (at.pid === process.pid) return known ?? named;
    }
    return undefined;
  };
  return stats.flatMap((stat) => {
    const part = partOf(stat);
    return part ? [{ pid: stat.pid, part, ticks: stat.ticks }] : [];
  });
}

/** The CPU seconds each part has used so far (the processes under this one, grouped by part), and when. */
export async function cpuSeconds(pids: PartPids): Promise<CpuReading> {
  const totals: CpuReading = { worker: 0, temporal: 0, postgres: 0, atMs: performance.now() };
  for (const { part, ticks } of await processesByPart(pids)) totals[part] += ticks / TICKS_PER_SECOND;
  return totals;
}

/**
 * What each part spends a second with nothing to do (the Temporal server's own timers, PostgreSQL's
 * background writers, the worker's polls), read over `seconds` before any work: taken off every
 * phase in proportion to its length, so a slow phase is not charged for the time it lasted.
 */
export async function idleCpuPerSecond(pids: PartPids, seconds: number): Promise<CpuSeconds> {
  const before = await cpuSeconds(pids);
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const after = await cpuSeconds(pids);
  const elapsed = (after.atMs - before.atMs) / 1000;
  return byPart((p) => (after[p] - before[p]) / elapsed);
}

export type PerOperationMs = Record<Part | 'all', number>;

/** One value for each part. */
export const byPart = (value: (part: Part) => number): PerPart =>
  Object.fromEntries(PARTS.map((p) => [p, value(p)])) as PerPart;

const withTotal = (parts: CpuSeconds): PerOperationMs => ({
  ...parts,
  all: PARTS.reduce((sum, p) => sum + parts[p], 0),
});

/**
 * What a phase cost per operation: milliseconds of one core in each part, and in all of them, less
 * what the parts spend idle over the phase's length (never below zero).
 */
export function perOperationMs(
  before: CpuReading,
  after: CpuReading,
  operations: number,
  idle: CpuSeconds,
): PerOperationMs {
  const elapsed = (after.atMs - before.atMs) / 1000;
  return withTotal(
    byPart((p) => (Math.max(0, after[p] - before[p] - idle[p] * elapsed) * 1000) / operations),
  );
}

/** `cost` less `overhead`, part by part (the bench's own polling, measured by doing it again). */
export function lessOverhead(cost: PerOperationMs, overhead: PerOperationMs): PerOperationMs {
  return withTotal(byPart((p) => Math.max(0, cost[p] - overhead[p])));
}
