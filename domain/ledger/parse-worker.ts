// The parsing worker's entry: reads and checks one ledger file, answers with the rows and errors.
// Runs in its own thread (parse-in-worker.ts), so a slow or hostile file never blocks the server.
import { parentPort, workerData } from 'node:worker_threads';
import { parseSheet } from './parse-ledger.js';

const { bytes, filename } = workerData as { bytes: Uint8Array; filename: string };
const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
parentPort?.postMessage(await parseSheet(buffer, filename));
