import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { SEARCH_ATTRIBUTE_CLI_TYPES } from '../workflows/household/search-attribute-keys.js';
import { exitAsError, type ManagedProcess, startProcess } from './child-process.js';
import { assertPortFree, waitForPort } from './ports.js';

export interface DevServerOptions {
  cli: string;
  port: number;
  uiPort: number;
  namespace: string;
  /** SQLite file that keeps workflows across restarts; omitted = in memory (tests). */
  dbFile?: string;
}

export interface RunningDevServer {
  address: string;
  uiUrl: string;
  process: ManagedProcess;
}

/** `temporal server start-dev`: a full Temporal server with the Web UI, on loopback. */
export async function startTemporalDevServer(options: DevServerOptions): Promise<RunningDevServer> {
  await assertPortFree(options.port, 'TEMPORAL_PORT');
  await assertPortFree(options.uiPort, 'TEMPORAL_UI_PORT');
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(options.port),
    '--ui-port',
    String(options.uiPort),
    '--namespace',
    options.namespace,
    '--log-format',
    'json',
    '--log-level',
    'error',
  ];
  // The households' search attributes, so workflows can set them and the UI can filter by them.
  for (const [name, type] of Object.entries(SEARCH_ATTRIBUTE_CLI_TYPES))
    args.push('--search-attribute', `${name}=${type}`);
  if (options.dbFile) {
    await mkdir(path.dirname(options.dbFile), { recursive: true });
    args.push('--db-filename', options.dbFile);
  }
  const proc = startProcess('temporal', options.cli, args);
  try {
    await Promise.race([waitForPort(options.port, 60_000), exitAsError(proc)]);
  } catch (error) {
    await proc.stop();
    throw error;
  }
  return {
    address: `127.0.0.1:${options.port}`,
    uiUrl: `http://127.0.0.1:${options.uiPort}`,
    process: proc,
  };
}
