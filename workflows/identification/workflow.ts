// The identification workflow's wiring (识别纳入, `identification-<case id>`): its updates with their
// validators, its query, and the loop that sleeps on durable timers until a reminder, a rung of the
// ladder or the end of the public notice is due. The steps' work lives in steps.ts.
import { ApplicationFailure, allHandlersFinished, condition, setHandler } from '@temporalio/workflow';
import { parseInstant } from '../../policy/rules.js';
import {
  decideIdentificationStepUpdate,
  type IdentificationState,
  type IdentificationWorkflowInput,
  identificationStateQuery,
  type ObjectionArgs,
  recordObjectionUpdate,
  type StepDecisionArgs,
} from './definitions.js';
import { IdentificationRun } from './run.js';
import {
  checkDecision,
  checkObjection,
  decideStep,
  initialState,
  nextWakeAt,
  processDue,
  recordObjection,
  startStep,
} from './steps.js';

/** One case of 识别纳入, from the first clue to 纳入监测 (the household's supervision) or 不予纳入. */
export async function identificationWorkflow(
  input: IdentificationWorkflowInput,
): Promise<IdentificationState> {
  const state = initialState(input);
  const run = new IdentificationRun(state);

  /** Checked by the validator (a refusal leaves no trace) and again once the lock is held. */
  function guarded<A>(preconditions: (args: A) => void, work: (args: A) => Promise<void>) {
    return (args: A) =>
      run.exclusive(async () => {
        try {
          preconditions(args);
        } catch (error) {
          if (error instanceof ApplicationFailure) throw error;
          throw ApplicationFailure.nonRetryable((error as Error).message, 'PreconditionFailed');
        }
        await work(args);
        return state;
      });
  }

  const decision = (args: StepDecisionArgs) => checkDecision(state, args);
  setHandler(
    decideIdentificationStepUpdate,
    guarded(decision, (args) => decideStep(run, args)),
    { validator: decision },
  );
  const objection = (args: ObjectionArgs) => checkObjection(state, args);
  setHandler(
    recordObjectionUpdate,
    guarded(objection, (args) => recordObjection(run, args)),
    { validator: objection },
  );
  setHandler(identificationStateQuery, () => state);

  await run.exclusive(() => startStep(run, 'HOME_CHECK'));
  for (;;) {
    await run.exclusive(() => processDue(run));
    if (state.status !== 'OPEN') break;
    const wake = nextWakeAt(state);
    run.poked = false;
    if (wake === undefined) await condition(() => run.poked);
    else await condition(() => run.poked, Math.max(1, parseInstant(wake) - Date.now()));
  }
  await condition(allHandlersFinished);
  return state;
}
