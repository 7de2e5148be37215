// Which failures mean "a part duzhan stands on is down, try again shortly" rather than a bug:
// PostgreSQL unreachable or restarting (through Prisma, its pg adapter or a plain pg pool), and
// Temporal unreachable or too slow to answer within the client's deadline.
import { ServiceError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';

export type UnavailablePart = 'postgres' | 'temporal';

/** Prisma's codes for "cannot reach / lost the database / no connection free in time". */
const PRISMA_CONNECTION_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024']);
/** The pg adapter's kinds for the same. */
const ADAPTER_CONNECTION_KINDS = new Set([
  'DatabaseNotReachable',
  'ConnectionClosed',
  'SocketTimeout',
  'TooManyConnections',
]);
/** Socket errors of node-postgres. */
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
]);
/** SQLSTATEs of a server shutting down, starting up or out of connections. */
const SERVER_STATES = new Set(['57P01', '57P02', '57P03', '53300']);
/** node-postgres says these without a code. */
const PG_MESSAGES = [
  /^Connection terminated/,
  /^timeout exceeded when trying to connect/,
  /^Client has encountered a connection error and is not queryable/,
  /^Cannot use a pool after calling end/,
];
/** gRPC statuses of a server that cannot be reached or did not answer in time. */
const GRPC_UNAVAILABLE = 14;
const GRPC_DEADLINE_EXCEEDED = 4;

function postgresDown(error: Record<string, unknown>): boolean {
  const code = typeof error.code === 'string' ? error.code : undefined;
  if (code && (PRISMA_CONNECTION_CODES.has(code) || SOCKET_CODES.has(code) || SERVER_STATES.has(code)))
    return true;
  if (code?.startsWith('08')) return true; // SQLSTATE class 08: connection exception
  if (typeof error.kind === 'string' && ADAPTER_CONNECTION_KINDS.has(error.kind)) return true;
  const message = typeof error.message === 'string' ? error.message : '';
  return PG_MESSAGES.some((pattern) => pattern.test(message)) || /Can't reach database server/.test(message);
}

function temporalDown(error: unknown): boolean {
  if (error instanceof WorkflowUpdateRPCTimeoutOrCancelledError) return true;
  const code = (error as { code?: unknown }).code;
  const isGrpc = typeof (error as { details?: unknown }).details === 'string' && typeof code === 'number';
  return isGrpc && (code === GRPC_UNAVAILABLE || code === GRPC_DEADLINE_EXCEEDED);
}

/** Every error reachable from `error`: its causes, Prisma's driver error, an AggregateError's parts. */
function* chain(error: unknown, depth = 0): Generator<unknown> {
  if (error === null || typeof error !== 'object' || depth > 8) return;
  yield error;
  const e = error as { cause?: unknown; meta?: { driverAdapterError?: unknown }; errors?: unknown };
  yield* chain(e.cause, depth + 1);
  yield* chain(e.meta?.driverAdapterError, depth + 1);
  if (Array.isArray(e.errors)) for (const part of e.errors) yield* chain(part, depth + 1);
}

/** The part that is down, when `error` says one is; undefined for every other failure. */
export function unavailablePart(error: unknown): UnavailablePart | undefined {
  for (const e of chain(error)) {
    if (temporalDown(e)) return 'temporal';
    if (e instanceof ServiceError) continue; // a Temporal refusal for another reason: its cause decides
    if (postgresDown(e as Record<string, unknown>)) return 'postgres';
  }
  return undefined;
}
