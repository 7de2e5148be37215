import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Infrastructure } from '../../stack/infrastructure.js';
import { startScratchInfrastructure } from '../../stack/scratch-infrastructure.js';
import { pidListeningOn, postgresPid } from '../helpers/stack-processes.js';

const toolsDir = path.resolve(import.meta.dirname, '../../.tools');

const settledWithin = (promise: Promise<unknown>, ms: number) =>
  Promise.race([
    promise.then(
      () => 'resolved',
      (error: Error) => error.message,
    ),
    new Promise((resolve) => setTimeout(() => resolve('pending'), ms)),
  ]);

// The stack the tests and the bench start (no supervisor, Temporal in memory): nobody starts a
// dead server again, so whoever runs on it must hear of it at once, not retry against a port
// nobody answers.
describe('a stack without a supervisor reports a server that died', () => {
  let infra: Infrastructure | undefined;
  afterEach(async () => {
    await infra?.stop();
    infra = undefined;
  });

  it('the Temporal dev server: how it ended', { timeout: 120_000 }, async () => {
    infra = await startScratchInfrastructure(toolsDir, () => {});
    expect(await settledWithin(infra.failed, 500)).toBe('pending');
    process.kill(await pidListeningOn(Number(infra.temporalAddress.split(':')[1])), 'SIGKILL');
    await expect(infra.failed).rejects.toThrow(
      /^the Temporal dev server stopped unexpectedly: killed by SIGKILL;/,
    );
  });

  it('the embedded PostgreSQL: how it ended, and its last lines', { timeout: 120_000 }, async () => {
    infra = await startScratchInfrastructure(toolsDir, () => {});
    process.kill(await postgresPid(infra.databaseUrl), 'SIGKILL');
    const failure = infra.failed.catch((error: Error) => error.message);
    expect(await failure).toMatch(/^the embedded PostgreSQL stopped unexpectedly: killed by SIGKILL;/);
    expect(await failure).toMatch(/ready to accept connections/);
  });

  it('but not a server stopped on purpose', { timeout: 120_000 }, async () => {
    infra = await startScratchInfrastructure(toolsDir, () => {});
    await infra.stop();
    expect(await settledWithin(infra.failed, 1_000)).toBe('pending');
  });
});
