import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type Infrastructure, startInfrastructure } from './infrastructure.js';
import { freePort } from './ports.js';

/**
 * A throwaway Temporal dev server (in memory) and PostgreSQL (in a temp folder) on free ports, for
 * the tests and the benchmark: a running `npm start` is never disturbed. `stop` also removes the folder.
 */
export async function startScratchInfrastructure(
  toolsDir: string,
  say: (line: string) => void,
  /** Temporal's state in a SQLite file in the folder (as npm start keeps it) instead of in memory. */
  { temporalOnDisk = false }: { temporalOnDisk?: boolean } = {},
): Promise<Infrastructure> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'duzhan-scratch-'));
  await chmod(dataDir, 0o755); // mkdtemp makes it 0700; as root, PostgreSQL runs as `postgres` inside it
  const removeDir = () => rm(dataDir, { recursive: true, force: true });
  try {
    const infra = await startInfrastructure({
      dataDir,
      toolsDir,
      namespace: 'default',
      temporalPort: await freePort(),
      temporalUiPort: await freePort(),
      persistTemporal: temporalOnDisk,
      pgPort: await freePort(),
      say,
    });
    return {
      ...infra,
      stop: async () => {
        await infra.stop();
        await removeDir();
      },
    };
  } catch (error) {
    await removeDir();
    throw error;
  }
}
