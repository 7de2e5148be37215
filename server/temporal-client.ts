import {
  Client,
  Connection,
  type ConnectionOptions,
  defaultGrpcRetryOptions,
  makeGrpcRetryInterceptor,
} from '@temporalio/client';
import { ConfigError } from '../config/env.js';

type Interceptor = NonNullable<ConnectionOptions['interceptors']>[number];

/**
 * How long one client call may take, retries included, when the caller set no deadline of its own.
 * Long enough for a visit's update under load (p99 about 2 s), short enough that a cadre whose
 * Temporal server is down hears "try again" within seconds instead of waiting out the SDK's
 * ten retries (about 20 s).
 */
export const TEMPORAL_CALL_DEADLINE_MS = 8_000;

/** Gives every call without a deadline the default one; the retry interceptor below honours it. */
export function defaultDeadlineInterceptor(deadlineMs: number): Interceptor {
  // Passing the next call through unchanged is all an interceptor that only edits options must do.
  return (options, nextCall) =>
    nextCall(
      options.deadline === undefined ? { ...options, deadline: Date.now() + deadlineMs } : options,
    ) as ReturnType<Interceptor>;
}

/**
 * Connects once at start-up; an unreachable server ends start-up with one clear line. Later the
 * channel reconnects by itself (backoff capped at a few seconds), so the same process serves again
 * as soon as the server is back.
 */
export async function connectTemporalClient(
  address: string,
  namespace: string,
  deadlineMs = TEMPORAL_CALL_DEADLINE_MS,
): Promise<Client> {
  try {
    const connection = await Connection.connect({
      address,
      connectTimeout: '5 seconds',
      // The first interceptor is the outermost: the deadline covers all the retries.
      interceptors: [
        defaultDeadlineInterceptor(deadlineMs),
        makeGrpcRetryInterceptor(defaultGrpcRetryOptions({ maxAttempts: 4 })),
      ],
      channelArgs: { 'grpc.initial_reconnect_backoff_ms': 500, 'grpc.max_reconnect_backoff_ms': 3_000 },
    });
    await connection.ensureConnected();
    return new Client({ connection, namespace });
  } catch (error) {
    throw new ConfigError(`cannot reach Temporal at ${address}: ${(error as Error).message.split('\n')[0]}`);
  }
}
