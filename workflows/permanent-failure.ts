import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';

/**
 * The failure an activity will never heal from (non-retryable: a row not found, data refused), or
 * undefined for one worth retrying. A remote activity's failure comes wrapped in an ActivityFailure;
 * a local one's may come as is.
 */
export function permanentFailure(error: unknown): ApplicationFailure | undefined {
  const cause =
    error instanceof ActivityFailure ? error.cause : error instanceof ApplicationFailure ? error : undefined;
  return cause instanceof ApplicationFailure && cause.nonRetryable === true ? cause : undefined;
}
