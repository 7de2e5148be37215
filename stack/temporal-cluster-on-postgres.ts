import { type RunningPostgres, startEmbeddedPostgres } from './embedded-postgres.js';
import { freePort } from './ports.js';
import { type FrontDoor, startFrontDoor } from './tcp-front-door.js';
import { clusterDatabase, startTemporalCluster, type TemporalCluster } from './temporal-cluster.js';
import { ensureTemporalServer } from './temporal-server-build.js';

export interface ClusterOnPostgresOptions {
  /** The project's `.tools`, where the server's binaries are kept (built once per machine). */
  toolsDir: string;
  /** The cluster's PostgreSQL keeps its data in `<dataDir>/pg`. */
  dataDir: string;
  /** Its PostgreSQL's port; a free one when unset. */
  postgresPort?: number;
  /** The front door's port; a free one when unset. */
  doorPort?: number;
  /**
   * No front door: `address` is then the first node's frontend (which forwards to the history and
   * matching services of both). For the bench, whose CPU rows would not count a proxy in its own process.
   */
  withoutFrontDoor?: boolean;
  say?: (line: string) => void;
  /**
   * Told, as soon as the cluster's PostgreSQL runs, how to stop everything this starts (what has
   * started by then): a Ctrl-C while the nodes are still starting stops the database too.
   */
  onStarted?: (stop: () => Promise<void>) => void;
}

export interface ClusterOnPostgres {
  /** The one address in front of both nodes, as a load balancer would be (or the first node's: `withoutFrontDoor`). */
  address: string;
  cluster: TemporalCluster;
  /** The cluster's own PostgreSQL (its `temporal` and `temporal_visibility` databases). */
  postgres: RunningPostgres;
  /** Stops the door, the nodes and then their PostgreSQL (the same as given to `onStarted`). */
  stop(): Promise<void>;
}

/**
 * The production Temporal server as a two-node cluster on an embedded PostgreSQL of its own, one
 * address in front of both: what `npm run temporal:cluster`, the cluster suite and the bench's
 * `--temporal cluster` each run. Whatever was started is stopped again when a later step fails.
 */
export async function startClusterOnPostgres(options: ClusterOnPostgresOptions): Promise<ClusterOnPostgres> {
  const say = options.say ?? (() => {});
  const binaries = await ensureTemporalServer(options.toolsDir, say);
  const postgres = await startEmbeddedPostgres({
    dataDir: options.dataDir,
    port: options.postgresPort ?? (await freePort()),
    database: 'postgres',
  });
  let cluster: TemporalCluster | undefined;
  let door: FrontDoor | undefined;
  // Once, whoever asks first (a failed start here, the caller's Ctrl-C): later calls wait for it.
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      await door?.close();
      await cluster?.stop();
      await postgres.stop();
    })());
  options.onStarted?.(stop);
  // A stop asked for while a step was under way did not see what that step started: stopped here.
  const stoppedMeanwhile = async (stopStarted: () => Promise<void>) => {
    if (!stopping) return;
    await stopStarted();
    throw new Error('the Temporal cluster was stopped while it started');
  };
  try {
    const nodes = await startTemporalCluster({ binaries, db: clusterDatabase(postgres.url), say });
    cluster = nodes;
    await stoppedMeanwhile(() => nodes.stop());
    const addresses = nodes.nodes.map((n) => n.address);
    if (!options.withoutFrontDoor) {
      const frontDoor = await startFrontDoor(addresses, options.doorPort);
      door = frontDoor;
      await stoppedMeanwhile(() => frontDoor.close());
    }
    return { address: door?.address ?? addresses[0] ?? '', cluster: nodes, postgres, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
