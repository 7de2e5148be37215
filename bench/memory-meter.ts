/**
 * The memory each part of the stack the bench started holds, sampled once a minute through a long
 * run: a server whose memory grows with a backlog (the dev server in memory reached 22 GiB under a
 * 100,000 run and died) shows it here minutes before it fails. Linux only; elsewhere it reads nothing.
 */
import { readFile } from 'node:fs/promises';
import { byPart, PART_LABELS, PARTS, type PartPids, type PerPart, processesByPart } from './cpu-meter.js';

/** MiB per part; the same shape as the CPU rows. */
export type MiBByPart = PerPart;

/**
 * Each process's proportional set size (PSS: its shared pages divided among the processes sharing
 * them), so PostgreSQL's shared buffers count once for all its backends, not once for each.
 */
async function pssMiB(pid: number): Promise<number> {
  try {
    const rollup = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8');
    const kib = Number(/^Pss:\s+(\d+) kB/m.exec(rollup)?.[1] ?? 0);
    return kib / 1024;
  } catch {
    return 0; // gone since it was listed, or not readable
  }
}

/** What each part holds now (the sum of its processes' PSS). */
async function memoryByPart(pids: PartPids): Promise<MiBByPart> {
  const totals = byPart(() => 0);
  for (const { pid, part } of await processesByPart(pids)) totals[part] += await pssMiB(pid);
  return totals;
}

export interface MemorySampler {
  /** The most each part held, a sample taken now included (a run shorter than a minute has none else). */
  peakWithOneMoreSample(): Promise<MiBByPart>;
  stop(): void;
}

/** Samples every `everyMs`, telling each sample with `progress()` (e.g. how many are admitted). */
export function sampleMemory(
  pids: PartPids,
  say: (line: string) => void,
  progress: () => string,
  everyMs = 60_000,
): MemorySampler {
  const peak = byPart(() => 0);
  const measure = async () => {
    const now = await memoryByPart(pids);
    for (const part of PARTS) peak[part] = Math.max(peak[part], now[part]);
    return now;
  };
  const sample = async () => {
    const now = await measure();
    say(
      `${progress()}; memory (PSS): ${PARTS.map((p) => `${PART_LABELS[p]} ${now[p].toFixed(0)} MiB`).join(', ')}`,
    );
  };
  const timer = setInterval(() => void sample().catch(() => {}), everyMs);
  timer.unref();
  return {
    peakWithOneMoreSample: async () => {
      await measure();
      return { ...peak };
    },
    stop: () => clearInterval(timer),
  };
}
