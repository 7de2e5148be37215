import { DefaultLogger, Runtime } from '@temporalio/worker';

// Test output keeps the SDK's warnings and errors (a failing workflow task says why) but not its
// INFO chatter about every worker starting and stopping. Once per test process.
try {
  Runtime.install({ logger: new DefaultLogger('WARN') });
} catch {
  // already installed by an earlier file in this process
}
