import { type LogLevel, type LogMetadata, Runtime } from '@temporalio/worker';
import { logger } from '../config/logger.js';

const levels: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/**
 * Routes the Temporal SDK's logs (worker, workflow and activity loggers, which carry workflowId,
 * runId and activity ids) into the same one-line-JSON log as the rest of duzhan.
 * Runtime.install may run once per process, before any worker or connection exists.
 */
export function installTemporalLogger(): void {
  const log = (level: LogLevel, message: string, meta?: LogMetadata) =>
    logger[levels[level]]({ ...meta }, message);
  Runtime.install({
    logger: {
      log,
      trace: (m, meta) => log('TRACE', m, meta),
      debug: (m, meta) => log('DEBUG', m, meta),
      info: (m, meta) => log('INFO', m, meta),
      warn: (m, meta) => log('WARN', m, meta),
      error: (m, meta) => log('ERROR', m, meta),
    },
  });
}
