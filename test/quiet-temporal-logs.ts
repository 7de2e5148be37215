import { DefaultLogger, Runtime } from '@temporalio/worker';

// Test output keeps the SDK's warnings and errors (a failing workflow task says why), but through
// console.error, which vitest holds back and prints only for a test that fails (`silent:
// 'passed-only'`); native (Core) logs are forwarded to the same logger instead of going straight to
// stderr. INFO chatter about every worker starting and stopping is dropped. Once per test process.
try {
  Runtime.install({
    logger: new DefaultLogger('WARN', ({ level, message, meta }) =>
      console.error(`[temporal ${level}] ${message}${meta ? ` ${JSON.stringify(meta)}` : ''}`),
    ),
    telemetryOptions: { logging: { filter: { core: 'WARN', other: 'ERROR' }, forward: {} } },
  });
} catch {
  // already installed by an earlier file in this process
}
