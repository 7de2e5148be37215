import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time.js';
import { ensureSearchAttributes } from '../worker/search-attributes.js';
import { exitAsError, exitReport, type ManagedProcess, startProcess } from './child-process.js';
import { assertPortFree, waitForPort } from './ports.js';
import type { TemporalServerBinaries } from './temporal-server-build.js';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '..');

/** The one configuration every node reads (docker-compose.yml mounts the same file). */
export const CLUSTER_CONFIG_FILE = path.join(root, 'deploy', 'temporal-cluster.yaml');
export const CLUSTER_DYNAMIC_CONFIG_FILE = path.join(root, 'deploy', 'temporal-dynamicconfig.yaml');

/** The services each node runs; `worker` hosts the system workflows (schedules among them). */
export const NODE_SERVICES = ['frontend', 'history', 'matching', 'worker'] as const;

export interface ClusterDatabase {
  host: string;
  port: number;
  user: string;
  password: string;
}

/** The server, user and password of a PostgreSQL URL (the embedded one's, in tests and the script). */
export function clusterDatabase(databaseUrl: string): ClusterDatabase {
  const url = new URL(databaseUrl);
  return {
    host: url.hostname,
    port: Number(url.port || 5432),
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
  };
}

/**
 * Creates Temporal's two databases and brings their schemas to the server's version with
 * temporal-sql-tool, as an operator would. Safe to run again: existing databases are kept,
 * setup-schema is a no-op on a set-up one and update-schema applies only missing versions.
 */
export async function setUpClusterSchemas(binaries: TemporalServerBinaries, db: ClusterDatabase) {
  for (const [database, folder] of [
    ['temporal', 'temporal'],
    ['temporal_visibility', 'visibility'],
  ] as const) {
    const sql = (...args: string[]) =>
      run(
        binaries.sqlTool,
        [
          '--plugin',
          'postgres12',
          '--ep',
          db.host,
          '-p',
          String(db.port),
          '-u',
          db.user,
          '--pw',
          db.password,
          '--db',
          database,
          ...args,
        ],
        { maxBuffer: 16 * 1024 * 1024 },
      );
    await sql('create-database').catch((error: Error) => {
      if (!/already exists/.test(error.message)) throw error;
    });
    await sql('setup-schema', '-v', '0.0');
    await sql('update-schema', '-d', path.join(binaries.postgresSchemaDir, folder, 'versioned'));
  }
}

/** The ports of one node: distinct per node because on one machine they share 127.0.0.1. */
export interface NodePorts {
  frontend: number;
  frontendHttp: number;
  frontendMembership: number;
  history: number;
  historyMembership: number;
  matching: number;
  matchingMembership: number;
  worker: number;
  workerMembership: number;
}

/**
 * A free port below 32768: Temporal records each member's port in cluster_membership.rpc_port, a
 * SMALLINT, so a node on an ephemeral port (32768 and up, what the OS hands out) fails to join.
 */
async function freeMemberPort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (
      await assertPortFree(port, 'port').then(
        () => true,
        () => false,
      )
    )
      return port;
  }
}

async function freeNodePorts(): Promise<NodePorts> {
  const names: (keyof NodePorts)[] = [
    'frontend',
    'frontendHttp',
    'frontendMembership',
    'history',
    'historyMembership',
    'matching',
    'matchingMembership',
    'worker',
    'workerMembership',
  ];
  const ports: Partial<NodePorts> = {};
  for (const name of names) ports[name] = await freeMemberPort();
  return ports as NodePorts;
}

/** The environment the config template reads for one node. */
export function nodeEnvironment(ports: NodePorts, db: ClusterDatabase, shards: number): NodeJS.ProcessEnv {
  return {
    POSTGRES_SEEDS: db.host,
    DB_PORT: String(db.port),
    POSTGRES_USER: db.user,
    POSTGRES_PWD: db.password,
    NUM_HISTORY_SHARDS: String(shards),
    BIND_ON_IP: '127.0.0.1',
    FRONTEND_GRPC_PORT: String(ports.frontend),
    FRONTEND_HTTP_PORT: String(ports.frontendHttp),
    FRONTEND_MEMBERSHIP_PORT: String(ports.frontendMembership),
    HISTORY_GRPC_PORT: String(ports.history),
    HISTORY_MEMBERSHIP_PORT: String(ports.historyMembership),
    MATCHING_GRPC_PORT: String(ports.matching),
    MATCHING_MEMBERSHIP_PORT: String(ports.matchingMembership),
    WORKER_GRPC_PORT: String(ports.worker),
    WORKER_MEMBERSHIP_PORT: String(ports.workerMembership),
    DYNAMIC_CONFIG_FILE_PATH: CLUSTER_DYNAMIC_CONFIG_FILE,
    LOG_LEVEL: 'error',
    // How docker-compose.yml starts the temporalio/server image too (its entrypoint runs
    // `temporal-server start`): the same file, the same services, through the same variables.
    TEMPORAL_SERVER_CONFIG_FILE_PATH: CLUSTER_CONFIG_FILE,
    TEMPORAL_SERVICES: NODE_SERVICES.join(','),
    TEMPORAL_ALLOW_NO_AUTH: 'true',
  };
}

/** One node of the cluster: a `temporal-server start` process that can be killed and started again. */
export interface ClusterNode {
  readonly name: string;
  /** Its own frontend, host:port. */
  readonly address: string;
  isRunning(): boolean;
  /** Started again on the same ports, with the same database: it rejoins the ring. */
  start(): Promise<void>;
  /** SIGKILL, no warning: its shards and task queue partitions must move to the other node. */
  kill(): Promise<void>;
  stop(): Promise<void>;
  tail(): string;
  /** Resolves once the process running now exits, how and with its last lines (exitReport). */
  exited(): Promise<string>;
}

const READY_TIMEOUT_MS = 90_000;

/** Waits until the node's frontend answers the health check (it opens its port before it serves). */
async function waitUntilServing(address: string, proc: ManagedProcess): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  const port = Number(address.split(':')[1]);
  await Promise.race([waitForPort(port, READY_TIMEOUT_MS), exitAsError(proc)]);
  for (;;) {
    try {
      const connection = await Connection.connect({ address, connectTimeout: 2_000 });
      try {
        const health = await connection.healthService.check({
          service: 'temporal.api.workflowservice.v1.WorkflowService',
        });
        if (health.status === 1) return; // SERVING
      } finally {
        await connection.close();
      }
    } catch {}
    if (proc.child.exitCode !== null || proc.child.signalCode !== null)
      throw new Error(`${proc.name} exited while starting: ${proc.tail().slice(-800)}`);
    if (Date.now() > deadline) throw new Error(`${proc.name} did not serve within ${READY_TIMEOUT_MS} ms`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

function clusterNode(
  name: string,
  binaries: TemporalServerBinaries,
  ports: NodePorts,
  env: NodeJS.ProcessEnv,
): ClusterNode {
  const address = `127.0.0.1:${ports.frontend}`;
  let proc: ManagedProcess | undefined;
  const running = () => !!proc && proc.child.exitCode === null && proc.child.signalCode === null;
  return {
    name,
    address,
    isRunning: running,
    async start() {
      if (running()) return;
      proc = startProcess(name, binaries.server, ['start'], { env: { ...process.env, ...env } });
      await waitUntilServing(address, proc);
    },
    async kill() {
      const current = proc;
      if (!current || !running()) return;
      const exited = new Promise((resolve) => current.child.once('exit', resolve));
      current.child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      await proc?.stop();
    },
    tail: () => proc?.tail() ?? '',
    exited: () => (proc ? exitReport(proc.child, proc.tail) : Promise.resolve('never started')),
  };
}

export interface TemporalCluster {
  nodes: ClusterNode[];
  namespace: string;
  stop(): Promise<void>;
}

export interface ClusterOptions {
  binaries: TemporalServerBinaries;
  db: ClusterDatabase;
  nodeCount?: number;
  namespace?: string;
  /** Fixed at the first start on a database; must be the same on every node and every start. */
  shards?: number;
  say?: (line: string) => void;
}

/**
 * Sets up the schemas, starts the nodes (the first alone, so it creates the cluster's metadata,
 * then the others, which join its ring), then creates the namespace and duzhan's search attributes.
 */
export async function startTemporalCluster(options: ClusterOptions): Promise<TemporalCluster> {
  const say = options.say ?? (() => {});
  const namespace = options.namespace ?? 'default';
  const started = Date.now();
  await setUpClusterSchemas(options.binaries, options.db);
  say(`Temporal schemas set up in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const nodes: ClusterNode[] = [];
  for (let i = 1; i <= (options.nodeCount ?? 2); i++) {
    const ports = await freeNodePorts();
    nodes.push(
      clusterNode(
        `temporal-${i}`,
        options.binaries,
        ports,
        nodeEnvironment(ports, options.db, options.shards ?? 8),
      ),
    );
  }
  const stop = async () => {
    for (const node of nodes) await node.stop();
  };
  try {
    for (const node of nodes) {
      await node.start();
      say(`${node.name} serving at ${node.address}`);
    }
    await ensureNamespace(
      nodes.map((n) => n.address),
      namespace,
    );
  } catch (error) {
    await stop();
    throw error;
  }
  say(`Temporal cluster of ${nodes.length} nodes up in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return { nodes, namespace, stop };
}

/** How long closed workflows are kept, as docker-compose.yml's namespace (720h). */
const RETENTION = '30 days';

/**
 * Registers the namespace if it is missing, waits until every frontend serves it (a new namespace
 * reaches the frontends' caches after a few seconds), then registers the search attributes.
 */
export async function ensureNamespace(addresses: string[], namespace: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (const [i, address] of addresses.entries()) {
    const connection = await Connection.connect({ address });
    try {
      for (;;) {
        try {
          if (i === 0) {
            await connection.workflowService
              .registerNamespace({
                namespace,
                workflowExecutionRetentionPeriod: msToTs(RETENTION),
              })
              .catch((error: Error) => {
                if (!/already exists|AlreadyExists/i.test(error.message)) throw error;
              });
          }
          await connection.workflowService.describeNamespace({ namespace });
          await ensureSearchAttributes(connection, namespace);
          break;
        } catch (error) {
          if (Date.now() > deadline) throw error;
          await new Promise((r) => setTimeout(r, 1_000));
        }
      }
    } finally {
      await connection.close();
    }
  }
}
