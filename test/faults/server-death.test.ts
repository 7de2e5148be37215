import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Infrastructure, startInfrastructure } from '../../stack/infrastructure.js';
import { freePort } from '../../stack/ports.js';
import { pidListeningOn, postgresPid } from '../helpers/stack-processes.js';

const root = path.resolve(import.meta.dirname, '../..');

/** A stack as the tests and the bench start it: no supervisor, Temporal in memory. */
async function unsupervisedStack() {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'duzhan-server-death-'));
  await chmod(dataDir, 0o755);
  const temporalPort = await freePort();
  const infra = await startInfrastructure({
    dataDir,
    toolsDir: path.join(root, '.tools'),
    namespace: 'default',
    temporalPort,
    temporalUiPort: await freePort(),
    persistTemporal: false,
    pgPort: await freePort(),
    say: () => {},
  });
  return { dataDir, temporalPort, infra };
}

const settledWithin = (promise: Promise<unknown>, ms: number) =>
  Promise.race([
    promise.then(
      () => 'resolved',
      (error: Error) => error.message,
    ),
    new Promise((resolve) => setTimeout(() => resolve('pending'), ms)),
  ]);

// Without a supervisor nobody starts a dead server again: whoever runs on the stack (the bench)
// must hear of it at once, not retry against a port nobody answers.
describe('a stack without a supervisor reports a server that died', () => {
  let stack: { dataDir: string; infra: Infrastructure } | undefined;
  afterEach(async () => {
    await stack?.infra.stop();
    if (stack) await rm(stack.dataDir, { recursive: true, force: true });
    stack = undefined;
  });

  it('the Temporal dev server, with its last lines', { timeout: 120_000 }, async () => {
    const started = await unsupervisedStack();
    stack = started;
    expect(await settledWithin(started.infra.failed, 500)).toBe('pending');
    process.kill(await pidListeningOn(started.temporalPort), 'SIGKILL');
    await expect(started.infra.failed).rejects.toThrow(/^the Temporal dev server stopped unexpectedly/);
  });

  it('the embedded PostgreSQL', { timeout: 120_000 }, async () => {
    const started = await unsupervisedStack();
    stack = started;
    process.kill(await postgresPid(started.dataDir), 'SIGKILL');
    await expect(started.infra.failed).rejects.toThrow(/^the embedded PostgreSQL stopped unexpectedly/);
  });

  it('but not a server stopped on purpose', { timeout: 120_000 }, async () => {
    const started = await unsupervisedStack();
    stack = started;
    await started.infra.stop();
    expect(await settledWithin(started.infra.failed, 1_000)).toBe('pending');
  });
});
