import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';

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
      if (lines.length > 20) lines.shift();
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
