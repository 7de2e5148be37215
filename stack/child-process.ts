import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';

/** How many of a server's last lines of output are kept, for an error message when it dies. */
export const LAST_LINES = 20;

/** A server process owned by the stack: started with its output kept, stopped with SIGTERM then SIGKILL. */
export interface ManagedProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** Last lines the process wrote, for an error message when it dies early. */
  tail(): string;
  stop(): Promise<void>;
}

export function startProcess(
  name: string,
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; onLine?: (line: string) => void } = {},
): ManagedProcess {
  const child = spawn(command, args, { env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line.trim()) continue;
      lines.push(line);
      if (lines.length > LAST_LINES) lines.shift();
      options.onLine?.(line);
    }
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return {
    name,
    child,
    tail: () => lines.join('\n'),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Rejects as soon as the process exits, so a wait for readiness does not hang on a dead server. */
export function exitAsError(proc: ManagedProcess): Promise<never> {
  return new Promise((_, reject) => {
    proc.child.once('exit', (code, signal) =>
      reject(new Error(`${proc.name} exited (${signal ?? code}) while starting: ${proc.tail().slice(-500)}`)),
    );
  });
}

/**
 * Resolves once `child` has exited, with how (its code or signal) and its last lines of output.
 * The output is read at 'close' (all its pipes drained: a panic written just before the exit is
 * in it), or a second after the exit when something else holds a pipe open (PostgreSQL's backends).
 */
export async function exitReport(child: ChildProcess, lastLines: () => string): Promise<string> {
  const closed = once(child, 'close');
  closed.catch(() => {});
  const [code, signal] =
    child.exitCode !== null || child.signalCode !== null
      ? [child.exitCode, child.signalCode]
      : ((await once(child, 'exit')) as [number | null, NodeJS.Signals | null]);
  await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 1_000).unref())]);
  const how = signal ? `killed by ${signal}` : `exited with code ${code}`;
  return `${how}; its last lines: ${lastLines().trim() || '(no output)'}`;
}
