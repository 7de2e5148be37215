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

/** The worker runs the TypeScript sources through tsx, as the rest of the app does. */
function workerOptions() {
  const source = import.meta.url.endsWith('.ts');
  const url = new URL(source ? './parse-worker.ts' : './parse-worker.js', import.meta.url);
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  return { url, execArgv: source ? ['--import', tsx] : [] };
}

export function parseSheetInWorker(
  buffer: Buffer,
  filename: string,
  limits: ParseLimits = DEFAULT_PARSE_LIMITS,
): Promise<ParsedSheet> {
  const { url, execArgv } = workerOptions();
  const worker = new Worker(url, {
    execArgv,
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
              `读取文件超过 ${Math.round(limits.timeoutMs / 1000)} 秒仍未完成，已停止；请检查文件或拆分后导入`,
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
