import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSupervision } from '../../domain/supervision.js';
import { createUser } from '../../domain/users.js';
import { NODE_SERVICES } from '../../stack/temporal-cluster.js';
import { type ClusterOnPostgres, startClusterOnPostgres } from '../../stack/temporal-cluster-on-postgres.js';
import { TEMPORAL_SERVER } from '../../stack/temporal-server-build.js';
import { type FaultStack, startFaultStack } from '../faults/fault-stack.js';
import { sleep, type VisitCampaign, visitCampaign } from '../faults/visit-campaign.js';
import { ApiClient } from '../helpers/http-client.js';
import { eventually } from '../helpers/real-stack.js';
import { createTownshipFixture, type TownshipFixture } from '../helpers/township-fixture.js';

const root = path.resolve(import.meta.dirname, '../..');
/** Households per killed node. */
const PER_KILL = 5;
/** How long a killed node stays down before it is started again. */
const DOWN_MS = 8_000;
const PASSWORD = 'cluster suite password';

// The production Temporal server (not the dev server): two nodes, each frontend, history, matching
// and worker, on PostgreSQL, one address in front of them as a load balancer would be. duzhan's own
// `npm run server` and two `npm run worker` processes use it. A campaign of visits runs while one
// node is killed with SIGKILL and started again, then the other: nothing lost, nothing doubled.
describe(`duzhan on a two-node Temporal ${TEMPORAL_SERVER.version} cluster with PostgreSQL`, () => {
  let dataDir: string;
  let temporal: ClusterOnPostgres | undefined;
  let stack: FaultStack | undefined;
  let town: TownshipFixture;
  let campaign: VisitCampaign;
  const households: string[] = [];

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'duzhan-cluster-'));
    await chmod(dataDir, 0o755); // as root, PostgreSQL runs as `postgres` inside it
    // The server is compiled once per machine (the global setup starts it early, in the background).
    temporal = await startClusterOnPostgres({ toolsDir: path.join(root, '.tools'), dataDir });
    stack = await startFaultStack({ temporalAddress: temporal.address });
    town = await createTownshipFixture(stack.prisma);
    await town.activate();
    await createUser(stack.prisma, {
      username: 'cluster-leader',
      displayName: '张帮扶',
      password: PASSWORD,
      cadreId: town.cadres.assistance,
    });
    for (let i = 0; i < 2 * PER_KILL; i++) households.push(await town.addHousehold());
    for (const id of households) await startSupervision(stack, id);
    const running = stack;
    await eventually(
      async () =>
        (await running.prisma.task.count({ where: { householdId: { in: households }, kind: 'VISIT' } })) ===
        households.length
          ? true
          : undefined,
      90_000,
    );
    const leader = await new ApiClient(stack.base).login('cluster-leader', PASSWORD);
    campaign = visitCampaign(stack, leader, town.cadres.assistance);
  }, 900_000);

  afterAll(async () => {
    await stack?.close();
    await temporal?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  }, 120_000);

  it('the two nodes formed one ring: two live members of each service, both serving', async () => {
    for (const node of temporal?.cluster.nodes ?? []) {
      const connection = await Connection.connect({ address: node.address });
      try {
        const info = await connection.workflowService.getSystemInfo({});
        expect(info.serverVersion).toBe(TEMPORAL_SERVER.version);
      } finally {
        await connection.close();
      }
    }
    const members = await liveMembers(temporal?.postgres.url ?? '');
    for (const role of NODE_SERVICES) expect(members[role], JSON.stringify(members)).toBe(2);
  });

  for (const [index, which] of [
    [0, 'first'],
    [1, 'second'],
  ] as const) {
    it(`visits while the ${which} node is killed with SIGKILL and started again: each recorded once`, {
      timeout: 300_000,
    }, async () => {
      const node = temporal?.cluster.nodes[index];
      if (!node || !stack) throw new Error('no cluster');
      const ids = households.slice(index * PER_KILL, (index + 1) * PER_KILL);
      const runs = await campaign.burst(ids, async () => {
        await node.kill();
        await sleep(DOWN_MS);
        await node.start();
      });
      expect(node.isRunning()).toBe(true);
      await campaign.expectRecordedOnce(runs);
    });
  }

  it('afterwards: the workflows and the read model agree, and no e-mail went out twice', {
    timeout: 120_000,
  }, async () => {
    await campaign.expectConsistent(households);
  });
});

/** Live members of the ring per service, as the cluster records them (how the nodes find each other). */
async function liveMembers(databaseUrl: string): Promise<Record<string, number>> {
  const url = new URL(databaseUrl);
  url.pathname = '/temporal';
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    // role: persistence.ServiceType (1 frontend, 2 history, 3 matching, 4 worker); times in UTC.
    const { rows } = await client.query<{ role: number; members: string }>(
      `SELECT role, count(DISTINCT (rpc_address, rpc_port)) AS members FROM cluster_membership
        WHERE last_heartbeat > (now() AT TIME ZONE 'UTC') - interval '30 seconds' GROUP BY role`,
    );
    const names: Record<number, string> = { 1: 'frontend', 2: 'history', 3: 'matching', 4: 'worker' };
    return Object.fromEntries(rows.map((r) => [names[r.role] ?? String(r.role), Number(r.members)]));
  } finally {
    await client.end();
  }
}
