import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { redact } from '../db/check.js';
import { createPrisma } from '../db/client.js';
import { ensureBuiltInPolicies } from '../domain/policy-versions.js';
import { startScratchInfrastructure } from '../stack/scratch-infrastructure.js';
import { ensureTemporalBinaries, TEMPORAL_CLI, TEMPORAL_TEST_SERVER } from '../stack/temporal-binaries.js';
import { ensureTemporalServer } from '../stack/temporal-server-build.js';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    databaseUrl: string;
    testServerPath: string;
  }
}

/**
 * One real Temporal dev server (in memory) and one real PostgreSQL (a fresh cluster in a temp folder)
 * for the whole run, on free ports so a running `npm start` is never disturbed.
 * DUZHAN_UNIT_ONLY=1 skips them for a quick run of pure unit tests.
 */
export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  if (process.env.DUZHAN_UNIT_ONLY) return undefined;
  const root = path.resolve(import.meta.dirname, '..');
  const say = (line: string) => console.log(`[test setup] ${line}`);
  const toolsDir = path.join(root, '.tools');
  const binaries = await ensureTemporalBinaries(toolsDir, say);
  // The cluster suite (run last) needs the production server: when this machine has not built it
  // yet, it compiles now, on one core, beside the other files. The suite waits for this build.
  const serverBuild = ensureTemporalServer(toolsDir, say, { background: true }).then(
    () => undefined,
    (error: Error) => say(`Temporal server build failed (the cluster suite will say why): ${error.message}`),
  );
  const started = Date.now();
  const infra = await startScratchInfrastructure(toolsDir, say);
  // Tests against a dead server fail by their timeouts; this line says why.
  void infra.failed.catch((error: Error) => say(error.message));
  const prisma = createPrisma(infra.databaseUrl); // as npm start does after migrating
  await ensureBuiltInPolicies(prisma).finally(() => prisma.$disconnect());
  say(
    `real Temporal dev server (temporal CLI ${TEMPORAL_CLI.version}) at ${infra.temporalAddress}; ` +
      `real PostgreSQL at ${redact(infra.databaseUrl)}; ` +
      `time-skipping test server ${binaries.testServer ? TEMPORAL_TEST_SERVER.version : 'MISSING'}; ` +
      `up in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  project.provide('temporalAddress', infra.temporalAddress);
  project.provide('databaseUrl', infra.databaseUrl);
  project.provide('testServerPath', binaries.testServer ?? '');
  return async () => {
    await infra.stop();
    await serverBuild; // never leaves a compiler running behind the run
  };
}
