import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Infrastructure, startInfrastructure } from '../../stack/infrastructure.js';
import { freePort } from '../../stack/ports.js';
import { eventually } from '../helpers/real-stack.js';
import { alive, pidListeningOn, postgresPid } from '../helpers/stack-processes.js';

const root = path.resolve(import.meta.dirname, '../..');

// npm start's own servers (the Temporal dev server, the embedded PostgreSQL) killed with SIGKILL:
// each is started again on the same port with the same data.
describe('npm start keeps the servers it started running', () => {
  let dataDir: string;
  let infra: Infrastructure;
  let temporalPort: number;
  const said: string[] = [];
  /** When each line was said, to time the supervisor rather than this test's polling. */
  const saidAt = new Map<string, number>();

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'duzhan-supervise-'));
    await chmod(dataDir, 0o755);
    temporalPort = await freePort();
    infra = await startInfrastructure({
      dataDir,
      toolsDir: path.join(root, '.tools'),
      namespace: 'default',
      temporalPort,
      temporalUiPort: await freePort(),
      persistTemporal: true,
      pgPort: await freePort(),
      supervise: true,
      say: (line) => {
        said.push(line);
        if (!saidAt.has(line)) saidAt.set(line, Date.now());
      },
    });
  }, 120_000);
  afterAll(async () => {
    await infra?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('starts the Temporal dev server again when it dies', { timeout: 90_000 }, async () => {
    const pid = await pidListeningOn(temporalPort);
    process.kill(pid, 'SIGKILL');
    await eventually(async () => (alive(pid) ? undefined : true));
    const again = await eventually(async () => pidListeningOn(temporalPort).catch(() => undefined), 60_000);
    expect(again).not.toBe(pid);
    const connection = await eventually(
      () =>
        Connection.connect({ address: infra.temporalAddress, connectTimeout: '2 seconds' }).catch(
          () => undefined,
        ),
      60_000,
    );
    await connection.workflowService.describeNamespace({ namespace: 'default' });
    await connection.close();
    expect(said).toContain('the Temporal dev server is running again');
  });

  it('starts the embedded PostgreSQL again when it dies', { timeout: 90_000 }, async () => {
    process.kill(await postgresPid(infra.databaseUrl), 'SIGKILL');
    const killedAt = Date.now();
    const answers = async () => {
      const client = new pg.Client({ connectionString: infra.databaseUrl, connectionTimeoutMillis: 2_000 });
      client.on('error', () => {});
      try {
        await client.connect();
        return (await client.query('SELECT 1 AS one')).rows[0]?.one === 1;
      } catch {
        return false;
      } finally {
        await client.end().catch(() => {});
      }
    };
    await eventually(async () => ((await answers()) ? undefined : true), 10_000);
    // Seen from the process's own exit, not from failed connections (three, 2 s apart, took ≥ 6 s).
    const seenAt = await eventually(
      async () => saidAt.get('the embedded PostgreSQL has stopped unexpectedly; starting it again'),
      10_000,
    );
    expect(seenAt - killedAt).toBeLessThan(4_000);
    await eventually(async () => ((await answers()) ? true : undefined), 60_000);
    // The server may answer a moment before the supervisor's start call returns and says so.
    await eventually(
      async () => (said.includes('the embedded PostgreSQL is running again') ? true : undefined),
      10_000,
    );
  });
});
