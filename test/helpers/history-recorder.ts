import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

export const HISTORIES_DIR = path.resolve(import.meta.dirname, '../histories');
const SUFFIX = '.history.pb';
const { History } = temporal.api.history.v1;

/**
 * With RECORD_HISTORIES=1, keeps the history of a test workflow in test/histories/ (protobuf
 * binary, the server's own encoding), where the replay test runs it against the current workflow
 * code. Record anew only for a change no running workflow will replay; others go through patched().
 */
export async function recordHistory(handle: WorkflowHandle, name: string): Promise<void> {
  if (!process.env.RECORD_HISTORIES) return;
  const history = History.fromObject(await handle.fetchHistory());
  await writeFile(path.join(HISTORIES_DIR, `${name}${SUFFIX}`), History.encode(history).finish());
}

export async function recordedHistories(): Promise<
  Array<{ workflowId: string; history: temporal.api.history.v1.History }>
> {
  const files = (await readdir(HISTORIES_DIR)).filter((f) => f.endsWith(SUFFIX)).sort();
  return Promise.all(
    files.map(async (file) => ({
      workflowId: path.basename(file, SUFFIX),
      history: History.decode(await readFile(path.join(HISTORIES_DIR, file))),
    })),
  );
}
