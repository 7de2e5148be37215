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
  const tag = process.env.RECORD_HISTORIES;
  if (!tag) return;
  // RECORD_HISTORIES=1 writes <name>.history.pb; any other value is a tag, <name>.<tag>.history.pb,
  // so histories of an older workflow version stay beside the new ones and keep being replayed.
  const file = tag === '1' ? `${name}${SUFFIX}` : `${name}.${tag}${SUFFIX}`;
  const history = History.fromObject(await handle.fetchHistory());
  await writeFile(path.join(HISTORIES_DIR, file), History.encode(history).finish());
}

/**
 * Like recordHistory, but keeps an edited copy: for a history no test can record as such, e.g. a
 * visit record accepted under an older, looser schema (the edit loosens a recorded record).
 */
export async function recordEditedHistory(
  handle: WorkflowHandle,
  name: string,
  edit: (history: temporal.api.history.v1.History) => void,
): Promise<void> {
  if (!process.env.RECORD_HISTORIES) return;
  const history = History.fromObject(await handle.fetchHistory());
  edit(history);
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
