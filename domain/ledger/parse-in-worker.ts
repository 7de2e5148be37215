// Reads an uploaded ledger file off the main thread, with a time and a memory limit: whatever the
// file holds (a zip bomb that lies about its sizes, a pathological cell), the server's event loop
// keeps answering, and the thread is ended when a limit is passed.
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ParsedSheet } from './parse-ledger.js';

export interface ParseLimits {
  /** The worker is ended after this long. */
  timeoutMs: number;
  /** Its heap (V8 old generation), in MB. */
  maxMemoryMb: number;
}

/** A full ledger of 2,000 households parses in a few seconds on one core. */
export const DEFAULT_PARSE_LIMITS: ParseLimits = { timeoutMs: 30_000, maxMemoryMb: 512 };

const fileError = (message: string): ParsedSheet => ({ rows: [], errors: [{ row: 0, column: '', message }] });

/**
 * The worker's code. From the TypeScript sources (tsx, as the rest of the app runs) it first
 * registers tsx's loader inside the thread — `--import` in a worker's execArgv is not honoured.
 */
function workerSource(): string {
  const source = import.meta.url.endsWith('.ts');
  const entry = JSON.stringify(
    new URL(source ? './parse-worker.ts' : './parse-worker.js', import.meta.url).href,
  );
  if (!source) return `import(${entry});`;
  // The ES module build of tsx's API (its CommonJS build cannot register from an eval'd worker).
  const api = createRequire(import.meta.url)
    .resolve('tsx/esm/api')
    .replace(/\.cjs$/, '.mjs');
  return `import(${JSON.stringify(pathToFileURL(api).href)}).then((tsx) => { tsx.register(); return import(${entry}); });`;
}

/** Workers parsing at once: each may take its memory limit, so uploads wait their turn. */
const MAX_PARSERS = 2;
let parsers = 0;
const waiting: Array<() => void> = [];

async function inTurn<T>(work: () => Promise<T>): Promise<T> {
  if (parsers < MAX_PARSERS) parsers += 1;
  else await new Promise<void>((resolve) => waiting.push(resolve)); // handed a running one's slot
  try {
    return await work();
  } finally {
    const next = waiting.shift();
    if (next) next();
    else parsers -= 1;
  }
}

/** The file's rows and errors (parse-ledger.ts), computed in a worker thread within the limits. */
export function parseSheetInWorker(
  buffer: Buffer,
  filename: string,
  limits: ParseLimits = DEFAULT_PARSE_LIMITS,
): Promise<ParsedSheet> {
  return inTurn(() => runWorker(buffer, filename, limits));
}

function runWorker(buffer: Buffer, filename: string, limits: ParseLimits): Promise<ParsedSheet> {
  const worker = new Worker(workerSource(), {
    eval: true,
    workerData: { bytes: new Uint8Array(buffer), filename },
    resourceLimits: { maxOldGenerationSizeMb: limits.maxMemoryMb },
    stdout: false,
    stderr: false,
  });
  return new Promise<ParsedSheet>((resolve, reject) => {
    let settled = false;
    const settle = (answer: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      answer();
    };
    const timer = setTimeout(
      () =>
        settle(() =>
          resolve(
            fileError(
              `读取文件超过 ${Math.ceil(limits.timeoutMs / 1000)} 秒仍未完成，已停止；请检查文件或拆分后导入`,
            ),
          ),
        ),
      limits.timeoutMs,
    );
    worker.once('message', (result: ParsedSheet) => settle(() => resolve(result)));
    worker.once('error', (error: Error & { code?: string }) =>
      settle(() =>
        error.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? resolve(fileError('文件解压或解析所需内存超过上限，无法读取；请检查文件或拆分后导入'))
          : reject(error),
      ),
    );
    worker.once('exit', (code) =>
      settle(() => reject(new Error(`ledger parsing worker exited with code ${code} before answering`))),
    );
  });
}
