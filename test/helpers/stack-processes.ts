import { readdir, readFile } from 'node:fs/promises';

/** The pid of the process whose command line `matches`, among all of this machine's. */
async function pidWhose(matches: (args: string[]) => boolean, what: string): Promise<number> {
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (matches(cmdline.split('\0'))) return Number(entry);
  }
  throw new Error(`no ${what}`);
}

const argAfter = (args: string[], flag: string) => {
  const at = args.indexOf(flag);
  return at >= 0 ? args[at + 1] : undefined;
};

/** The pid of the Temporal dev server a test started, found by the `--port <port>` on its command line. */
export const pidListeningOn = (port: number) =>
  pidWhose(
    (args) => args.includes('start-dev') && argAfter(args, '--port') === String(port),
    `Temporal dev server with --port ${port}`,
  );

/** The pid of the embedded PostgreSQL (its postmaster) serving `databaseUrl`. */
export const postgresPid = (databaseUrl: string) => {
  const port = new URL(databaseUrl).port;
  return pidWhose(
    (args) => (args[0] ?? '').endsWith('/postgres') && argAfter(args, '-p') === port,
    `PostgreSQL with -p ${port}`,
  );
};

export const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
