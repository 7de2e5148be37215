import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type Infrastructure, startInfrastructure, unexpectedExit } from './infrastructure.js';
import { freePort } from './ports.js';
import { type ClusterOnPostgres, startClusterOnPostgres } from './temporal-cluster-on-postgres.js';

/**
 * Which Temporal server a scratch stack runs: the dev server in memory (the tests), the dev server on
 * a SQLite file in the folder (as npm start keeps it), or the production server, a two-node cluster
 * on a PostgreSQL of its own (`npm run temporal:cluster`).
 */
export const SCRATCH_TEMPORALS = ['memory', 'disk', 'cluster'] as const;
export type ScratchTemporal = (typeof SCRATCH_TEMPORALS)[number];

export interface ScratchInfrastructure extends Infrastructure {
  /**
   * Processes that are Temporal's though not named so, with their children: the cluster's
   * PostgreSQL (none for the dev server). The bench's CPU rows count them as Temporal's.
   */
  temporalPids: number[];
}

/**
 * A throwaway Temporal server and PostgreSQL (in a temp folder) on free ports, for the tests and
 * the benchmark: a running `npm start` is never disturbed. `stop` also removes the folder.
 */
export async function startScratchInfrastructure(
  toolsDir: string,
  say: (line: string) => void,
  { temporal = 'memory' }: { temporal?: ScratchTemporal } = {},
): Promise<ScratchInfrastructure> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'duzhan-scratch-'));
  await chmod(dataDir, 0o755); // mkdtemp makes it 0700; as root, PostgreSQL runs as `postgres` inside it
  let cluster: ClusterOnPostgres | undefined;
  let stopped = false;
  const stopClusterAndRemoveDir = async () => {
    stopped = true;
    await cluster?.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    if (temporal === 'cluster')
      cluster = await startClusterOnPostgres({
        toolsDir,
        dataDir: path.join(dataDir, 'temporal-cluster'),
        // Every call of the worker and of the bench through a proxy in this process would cost CPU
        // that the bench's rows do not count, taken from the cores the stack shares.
        withoutFrontDoor: true,
        say,
      });
    const infra = await startInfrastructure({
      dataDir,
      toolsDir,
      namespace: 'default',
      temporalAddress: cluster?.address,
      temporalPort: await freePort(),
      temporalUiPort: await freePort(),
      persistTemporal: temporal === 'disk',
      pgPort: await freePort(),
      say,
    });
    // Without a front door every call goes to the first node: its death ends the run, as the
    // database's does (the second node's only moves work, as a cluster's node death should).
    const clusterFailures = cluster
      ? [
          unexpectedExit("the Temporal cluster's PostgreSQL", cluster.postgres.exited, () => stopped),
          unexpectedExit(
            "the Temporal cluster's first node",
            cluster.cluster.nodes[0]?.exited() ?? new Promise(() => {}),
            () => stopped,
          ),
        ]
      : [];
    const failed = Promise.race([infra.failed, ...clusterFailures]);
    failed.catch(() => {}); // handled by whoever awaits `failed`
    return {
      ...infra,
      failed,
      temporalPids: cluster ? [cluster.postgres.pid] : [],
      stop: async () => {
        stopped = true; // before the servers go: their exits are then no failure
        await infra.stop();
        await stopClusterAndRemoveDir();
      },
    };
  } catch (error) {
    await stopClusterAndRemoveDir();
    throw error;
  }
}
