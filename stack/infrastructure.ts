import path from 'node:path';
import { ConfigError } from '../config/env.js';
import { assertDatabaseReachable } from '../db/check.js';
import { applyMigrations } from '../db/migrate.js';
import { exitReport } from './child-process.js';
import { startEmbeddedPostgres } from './embedded-postgres.js';
import { processExit, serverExit, supervise } from './supervise.js';
import { ensureTemporalBinaries } from './temporal-binaries.js';
import { startTemporalDevServer } from './temporal-dev-server.js';

export interface InfrastructureOptions {
  dataDir: string;
  toolsDir: string;
  namespace: string;
  /** Use this Temporal server and start none. */
  temporalAddress?: string | undefined;
  temporalPort: number;
  temporalUiPort: number;
  /** Keep Temporal's state in `<dataDir>/temporal.db` (npm start) or in memory (tests). */
  persistTemporal: boolean;
  /** Use this database and start none. */
  databaseUrl?: string | undefined;
  pgPort: number;
  say: (line: string) => void;
  /** Start the embedded servers again when they die (npm start); tests leave them alone. */
  supervise?: boolean;
  /** Told of each server as soon as it runs, so a Ctrl-C during start-up can stop it too. */
  onStarted?: (stop: () => Promise<void>) => void;
}

export interface Infrastructure {
  temporalAddress: string;
  temporalUiUrl: string | undefined;
  databaseUrl: string;
  appliedMigrations: string[];
  /**
   * Rejects, naming the server and its last lines, when a server started here without a supervisor
   * exits before `stop` (a Temporal dev server that dies under a large bench, say): whoever waits on
   * the servers races it instead of retrying against a port nobody answers. Never settles otherwise.
   */
  failed: Promise<never>;
  stop(): Promise<void>;
}

/**
 * Brings up what duzhan stands on: a Temporal server and a migrated PostgreSQL, each the embedded
 * default unless an address for it is given. On any failure, whatever was started is stopped again.
 */
export async function startInfrastructure(options: InfrastructureOptions): Promise<Infrastructure> {
  const stops: Array<() => Promise<void>> = [];
  // Stopped on purpose, by `stop` (a Ctrl-C that reaches the servers first is the caller's to tell).
  let stopping = false;
  const stop = async () => {
    stopping = true;
    for (const s of stops.reverse()) await s().catch(() => {});
    stops.length = 0;
  };
  const exits: Array<Promise<never>> = [];
  const watchExit = (name: string, exited: Promise<string>) =>
    exits.push(unexpectedExit(name, exited, () => stopping));
  try {
    let temporalAddress = options.temporalAddress;
    let temporalUiUrl: string | undefined;
    if (!temporalAddress) {
      const { cli } = await ensureTemporalBinaries(options.toolsDir, options.say);
      const devOptions = {
        cli,
        port: options.temporalPort,
        uiPort: options.temporalUiPort,
        namespace: options.namespace,
        ...(options.persistTemporal ? { dbFile: path.join(options.dataDir, 'temporal.db') } : {}),
      };
      const dev = await startTemporalDevServer(devOptions);
      const server = options.supervise
        ? supervise({
            name: 'the Temporal dev server',
            first: dev.process,
            died: (proc, signal) => processExit(proc.child, signal),
            restart: async () => (await startTemporalDevServer(devOptions)).process,
            say: options.say,
          })
        : dev.process;
      if (!options.supervise)
        watchExit('the Temporal dev server', exitReport(dev.process.child, dev.process.tail));
      stops.push(() => server.stop());
      options.onStarted?.(() => {
        stopping = true;
        return server.stop();
      });
      temporalAddress = dev.address;
      temporalUiUrl = dev.uiUrl;
    }

    let databaseUrl = options.databaseUrl;
    if (!databaseUrl) {
      const pgOptions = { dataDir: options.dataDir, port: options.pgPort, database: 'duzhan' };
      const pg = await startEmbeddedPostgres(pgOptions, options.say);
      const server = options.supervise
        ? supervise({
            name: 'the embedded PostgreSQL',
            first: pg,
            died: (running, signal) => serverExit(running.exited, signal),
            restart: () => startEmbeddedPostgres(pgOptions, options.say),
            say: options.say,
          })
        : pg;
      if (!options.supervise) watchExit('the embedded PostgreSQL', pg.exited);
      stops.push(() => server.stop());
      options.onStarted?.(() => {
        stopping = true;
        return server.stop();
      });
      databaseUrl = pg.url;
    }
    await assertDatabaseReachable(databaseUrl);
    const appliedMigrations = await applyMigrations(databaseUrl).catch((error: Error) => {
      throw new ConfigError(`migrations failed: ${error.message.split('\n')[0]}`);
    });
    const failed = Promise.race(exits); // of none: never settles
    failed.catch(() => {});
    return { temporalAddress, temporalUiUrl, databaseUrl, appliedMigrations, failed, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * Rejects, naming the server and how it ended, when `exited` resolves while `stopping()` is false
 * (a server that died on its own); never settles when it was stopped on purpose.
 */
export function unexpectedExit(
  name: string,
  exited: Promise<string>,
  stopping: () => boolean,
): Promise<never> {
  const failure = exited.then((report) => {
    if (!stopping()) throw new Error(`${name} stopped unexpectedly: ${report}`);
    return new Promise<never>(() => {});
  });
  failure.catch(() => {}); // handled by whoever awaits it, even if it dies before that exists
  return failure;
}
