import { ConfigError } from '../config/env.js';
import { guardProcess } from './process-guard.js';

/**
 * Runs a command's main function. A failure ends the process with one line that says what is wrong
 * (set DEBUG=1 for the stack); `cleanup` stops whatever was started, on failure and on Ctrl-C.
 */
export function runMain(
  main: (
    onStop: (cleanup: () => Promise<void>) => void,
    fail: (error: unknown) => Promise<void>,
  ) => Promise<void>,
): void {
  guardProcess();
  const cleanups: Array<() => Promise<void>> = [];
  let stopping = false;
  const stopAll = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
    cleanups.length = 0;
  };
  const fail = async (error: unknown) => {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    console.error(`duzhan: ${error instanceof ConfigError ? '' : 'start-up failed: '}${message}`);
    if (process.env.DEBUG && error instanceof Error) console.error(error.stack);
    await stopAll();
    process.exit(1);
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      console.error(`duzhan: ${signal}, stopping…`);
      void stopAll().then(() => process.exit(0));
    });
  }
  main((cleanup) => cleanups.push(cleanup), fail).catch(fail);
}
