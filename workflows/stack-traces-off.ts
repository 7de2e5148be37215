// Preloaded into every workflow thread (WorkerOptions' bundle, worker/worker.ts; the bench's floor
// too), so it runs before the SDK freezes the context's globals: after that, Error cannot be changed.
//
// Stack traces are off in workflow code. The SDK's promise hook captures a stack for every promise a
// workflow creates, and maps each frame through the bundle's source map, whether or not anyone asks
// for it (the `__stack_trace` query). That was a third of the CPU of replaying a household's
// history (`npm run bench:replay`: 134 → 91 ms a replay of the recorded histories), and an evicted
// household replays its history at every update and wake. What is lost: an error thrown in workflow
// code carries its type and message but no frames, and the stack-trace query shows bare `Error`s.
// The household's errors are its own messages (validators, ApplicationFailure); a bug in workflow
// code is found by replaying its recorded history in a test, where the message names the step.
Error.stackTraceLimit = 0;
