import { pino } from 'pino';

/**
 * One line of JSON per event. Callers bind `householdId` and `workflowId` with `logger.child(...)`
 * so every line about a household can be found by grep.
 */
export const logger = pino(
  {
    level: process.env.LOG_LEVEL ?? 'info',
    base: { service: process.env.DUZHAN_SERVICE ?? 'duzhan' },
    timestamp: pino.stdTimeFunctions.isoTime,
  },
  // Under vitest, lines go through console.log, which vitest holds back and prints only for a test
  // that fails; elsewhere pino writes to stdout directly (fast, asynchronous).
  process.env.VITEST ? { write: (line: string) => console.log(line.trimEnd()) } : undefined,
);

export type Logger = typeof logger;
