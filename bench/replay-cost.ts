/**
 * `npm run bench:replay [-- --rounds R --histories a,b]`: the CPU of replaying recorded household
 * histories (test/histories) through the SDK's replayer, in its reusable V8 context as a worker
 * replays a household evicted from its cache at each update or wake (the replayer runs it on the
 * main thread, a worker on a thread of its own). The figure is the process's CPU (every thread)
 * per replay and per event, after one warm-up pass through the same replayer.
 * What it is for: the SDK's cost per activation, which no bench of duzhan's own code shows (the
 * stack traces turned off in workflows/shared-modules.ts were measured with it). Run by hand.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import proto from '@temporalio/proto';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { workflowBundle } from '../worker/worker.js';

const { History } = proto.temporal.api.history.v1;
Runtime.install({ logger: new DefaultLogger('WARN') }); // not a line per replay worker started and stopped
const historiesDir = path.resolve(import.meta.dirname, '../test/histories');

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '20' },
    // An admission, a first visit, a visit with findings and follow-ups, and a closing: the shapes
    // of history an evicted household replays.
    histories: {
      type: 'string',
      default: 'patch-generation,one-write-per-transition,findings-follow-ups,closing-deadlines',
    },
  },
});
const rounds = Number(values.rounds);
if (!(Number.isInteger(rounds) && rounds >= 1)) throw new Error('--rounds must be a whole number ≥ 1');

const histories = await Promise.all(
  values.histories.split(',').map(async (name) => ({
    workflowId: name,
    history: History.decode(await readFile(path.join(historiesDir, `${name}.history.pb`))),
  })),
);
const bundle = await workflowBundle();
const warmUp = histories.map((h) => ({ ...h, workflowId: `warm-up-${h.workflowId}` }));
const runs = Array.from({ length: rounds }, (_, round) =>
  histories.map((h) => ({ ...h, workflowId: `${h.workflowId}-${round}` })),
).flat();
const events = runs.reduce((n, run) => n + run.history.events.length, 0);

// One replayer for all: the clock starts once the warm-up has loaded the bundle and its context.
let done = 0;
let cpuBefore = process.cpuUsage();
let started = performance.now();
for await (const result of Worker.runReplayHistories({ workflowBundle: bundle }, [...warmUp, ...runs])) {
  if (result.error) throw result.error;
  if (++done === warmUp.length) {
    cpuBefore = process.cpuUsage();
    started = performance.now();
  }
}
const wallMs = performance.now() - started;
const cpu = process.cpuUsage(cpuBefore);
const cpuMs = (cpu.user + cpu.system) / 1000;
console.log(
  `${runs.length} replays of ${histories.length} histories (${events} events): ` +
    `CPU ${(cpuMs / runs.length).toFixed(1)} ms a replay, ${((cpuMs / events) * 1000).toFixed(0)} µs an event; ` +
    `wall ${(wallMs / runs.length).toFixed(1)} ms a replay`,
);
