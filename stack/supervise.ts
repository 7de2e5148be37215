import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';

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
  const exited =
    child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : once(child, 'exit');
  return serverExit(exited, signal);
}

/**
 * A server's death as its own promise tells it (RunningPostgres.exited), or the watch's end. The
 * abort listener goes once the death is seen: the watch's signal lives as long as npm start.
 */
export function serverExit(exited: Promise<unknown>, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      signal.removeEventListener('abort', done);
      resolve();
    };
    if (signal.aborted) return done();
    signal.addEventListener('abort', done, { once: true });
    exited.then(done, done);
  });
}
