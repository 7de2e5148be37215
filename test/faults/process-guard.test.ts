import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');

describe('a stray error does not end a duzhan process', () => {
  it("logs an unhandled 'error' event and an unhandled rejection, and keeps running", async () => {
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', 'test/faults/fixtures/stray-errors.ts'],
      {
        cwd: root,
        env: { ...process.env, LOG_LEVEL: 'error' },
        timeout: 30_000,
      },
    );
    const lines = stdout.trim().split('\n');
    expect(lines.at(-1)).toBe('still serving');
    const logged = lines.slice(0, -1).map((l) => JSON.parse(l) as { msg: string; err: { message: string } });
    expect(logged.map((l) => [l.msg, l.err.message])).toEqual([
      ['uncaught error, kept running', 'Connection terminated unexpectedly'],
      ['unhandled rejection, kept running', 'nobody waits for this'],
    ]);
  });
});
