/**
 * `npm run temporal:cluster`: the production Temporal server (1.32.2, built once from the Go module
 * proxy and cached) as a two-node cluster on an embedded PostgreSQL, with one address in front of
 * both nodes. Point duzhan at it: `TEMPORAL_ADDRESS=127.0.0.1:7233 npm start` (with other
 * TEMPORAL_PORT/PG_PORT for npm start's own servers, which it then does not start).
 * `npm run temporal:cluster -- --build-only` only fetches and builds the binaries.
 * Settings: TEMPORAL_PORT (the front door, 7233), DATA_DIR (.data; the cluster's PostgreSQL in
 * <DATA_DIR>/temporal-cluster), CLUSTER_PG_PORT (5434).
 */
import path from 'node:path';
import { startClusterOnPostgres } from '../stack/temporal-cluster-on-postgres.js';
import { ensureTemporalServer } from '../stack/temporal-server-build.js';
import { runMain } from './run-main.js';

const root = path.resolve(import.meta.dirname, '..');
const say = (line: string) => console.log(`duzhan: ${line}`);

runMain(async (onStop) => {
  if (process.argv.includes('--build-only')) {
    const binaries = await ensureTemporalServer(path.join(root, '.tools'), say);
    say(`Temporal server ready: ${binaries.server}`);
    return;
  }
  const dataDir = path.resolve(root, process.env.DATA_DIR ?? '.data', 'temporal-cluster');
  const { address, cluster } = await startClusterOnPostgres({
    toolsDir: path.join(root, '.tools'),
    dataDir,
    postgresPort: Number(process.env.CLUSTER_PG_PORT ?? 5434),
    doorPort: Number(process.env.TEMPORAL_PORT ?? 7233),
    say,
    onStarted: onStop,
  });
  say(`Temporal cluster (${cluster.nodes.map((n) => `${n.name} ${n.address}`).join(', ')}) at ${address}`);
  say(`Ctrl-C stops it; its data stays in ${dataDir}`);
  await new Promise(() => {}); // until Ctrl-C
});
