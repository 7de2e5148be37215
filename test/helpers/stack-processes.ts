import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

/** The pid of the Temporal dev server a test started, found by the `--port <port>` on its command line. */
export async function pidListeningOn(port: number): Promise<number> {
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    const args = cmdline.split('\0');
    const at = args.indexOf('--port');
    if (args.includes('start-dev') && at >= 0 && args[at + 1] === String(port)) return Number(entry);
  }
  throw new Error(`no Temporal dev server with --port ${port}`);
}

export const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** The pid of the embedded PostgreSQL whose cluster is in `<dataDir>/pg`. */
export async function postgresPid(dataDir: string): Promise<number> {
  const pidFile = await readFile(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8');
  return Number(pidFile.split('\n')[0]);
}
