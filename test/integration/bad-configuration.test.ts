import { execFile } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, inject, it } from 'vitest';
import { freePort } from '../../stack/ports.js';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');

/** Runs `npm start`'s entry point with the given settings; returns its exit code and what it printed. */
async function start(env: Record<string, string>): Promise<{ code: number; stderr: string }> {
  try {
    await run(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
      cwd: root,
      env: { ...process.env, LOG_LEVEL: 'silent', ...env },
      timeout: 60_000,
    });
    return { code: 0, stderr: '' };
  } catch (error) {
    const failed = error as { code: number; stderr: string };
    return { code: failed.code, stderr: failed.stderr };
  }
}

function expectOneClearLine(stderr: string, pattern: RegExp) {
  const lines = stderr.trim().split('\n');
  expect(lines.at(-1)).toMatch(pattern);
  expect(stderr).not.toMatch(/^\s+at /m); // no stack trace
}

describe('bad configuration ends start-up with one clear line', () => {
  it('names an unreachable TEMPORAL_ADDRESS', async () => {
    const closed = await freePort();
    const { code, stderr } = await start({
      TEMPORAL_ADDRESS: `127.0.0.1:${closed}`,
      DATABASE_URL: inject('databaseUrl'),
      PORT: String(await freePort()),
    });
    expect(code).toBe(1);
    expectOneClearLine(stderr, new RegExp(`^duzhan: cannot reach Temporal at 127\\.0\\.0\\.1:${closed}`));
  });

  it('names a bad DATABASE_URL without printing its password', async () => {
    const closed = await freePort();
    const { code, stderr } = await start({
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      DATABASE_URL: `postgresql://duzhan:secret@127.0.0.1:${closed}/duzhan`,
      PORT: String(await freePort()),
    });
    expect(code).toBe(1);
    expectOneClearLine(
      stderr,
      /^duzhan: cannot reach PostgreSQL at postgresql:\/\/duzhan:\*\*\*@127\.0\.0\.1/,
    );
    expect(stderr).not.toContain('secret');
  });

  it('names a port already in use and the setting to change', async () => {
    const busy = net.createServer().listen(0, '0.0.0.0');
    await new Promise((r) => busy.once('listening', r));
    const port = (busy.address() as net.AddressInfo).port;
    try {
      const { code, stderr } = await start({ PORT: String(port) });
      expect(code).toBe(1);
      expectOneClearLine(
        stderr,
        new RegExp(`^duzhan: port ${port} is already in use \\(set PORT to another port\\)`),
      );
    } finally {
      busy.close();
    }
  });

  it('names a malformed setting', async () => {
    const { code, stderr } = await start({ PORT: 'eighty' });
    expect(code).toBe(1);
    expectOneClearLine(stderr, /^duzhan: bad setting PORT/);
  });
});
