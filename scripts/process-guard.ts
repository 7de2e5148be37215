import { logger } from '../config/logger.js';

/**
 * A long-running duzhan process (server, worker, `npm start`) must outlive its dependencies: an
 * 'error' event nobody listens to (a pg pool whose PostgreSQL restarted) or a promise rejected with
 * nobody waiting must not end it. Such a failure is logged as a bug to fix, and the process carries
 * on: every request and activity handles its own errors, so no half-done work is left behind.
 */
export function guardProcess(): void {
  process.on('uncaughtException', (error, origin) => {
    logger.error({ err: error, origin }, 'uncaught error, kept running');
  });
  process.on('unhandledRejection', (reason) => {
    logger.error({ err: reason }, 'unhandled rejection, kept running');
  });
}
