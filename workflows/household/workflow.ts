// The household workflow's wiring: its handlers with their validators, and the main loop. What
// each piece of work does lives in its own module (admission, visit handling, escalation, the
// closing procedure, cadre reassignment, classification, the course of supervision).
import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { describeIssues, HOUSEHOLD_CATEGORIES, parseInstant, validatePolicy } from '../../policy/rules.js';
import { admitting, admitUnlessCancelled, cancelMeetingAdmission } from './admission.js';
import { reassignCadre } from './cadre-reassignment.js';
import { changeCategory, upgradePolicy } from './classification.js';
import {
  checkClosingDecider,
  decideClosingStep,
  endPublicNoticeIfDue,
  remindOverdueClosingStep,
} from './closing.js';
import { HouseholdRun, nowIso } from './context.js';
import {
  type CancelReason,
  type ClosingDecisionArgs,
  type CompleteTaskArgs,
  cancelSupervisionSignal,
  cancelUpdate,
  changeCategoryUpdate,
  completeTaskUpdate,
  decideClosingStepUpdate,
  declareShockSignal,
  type HouseholdState,
  type HouseholdView,
  type HouseholdWorkflowInput,
  pauseSignal,
  pauseUpdate,
  type ReassignCadreArgs,
  reassignCadreUpdate,
  resumeSignal,
  resumeUpdate,
  stateQuery,
  type UpdateFactsArgs,
  updateFactsUpdate,
  upgradePolicyUpdate,
} from './definitions.js';
import { remindAndEscalate } from './escalation.js';
import { checkedProfile, updateFacts } from './facts.js';
import { enterGeneration, isPatched } from './patches.js';
import { nextWakeAt } from './schedule.js';
import { publishSearchAttributes } from './search-attributes.js';
import {
  cancelSupervision,
  checkActive,
  checkCancel,
  checkPause,
  checkResume,
  declareShock,
  pause,
  resume,
} from './supervision-state.js';
import { checkCompletion, checkSubmittedRecord, completeTask, openDueVisit } from './visit-handling.js';

/** Past this many events, the run hands its state to a new one (Temporal's limit is 51,200). */
const DEFAULT_HISTORY_LIMIT = 10_000;

/** One key household under 挂牌督战, from admission to a stable exit (or cancellation). */
export async function householdWorkflow(input: HouseholdWorkflowInput): Promise<HouseholdView> {
  enterGeneration(); // before anything asks isPatched
  // Handlers are registered before the first await, so a query during admission already answers.
  const state: HouseholdState = input.carried ?? admitting(input);
  const run = new HouseholdRun(state);
  const historyLimit = input.historyLimit ?? DEFAULT_HISTORY_LIMIT;

  /**
   * An update's handler: its preconditions are checked by the validator (a refusal leaves no trace)
   * and again once the handler holds the lock, since a handler that ran in between (a cancel, the
   * same reassignment twice) may have changed them; a failed re-check is a clean refusal.
   */
  function guarded<A>(preconditions: (args: A) => void, work: (args: A) => Promise<HouseholdView>) {
    return (args: A) =>
      run.exclusive(async () => {
        if (isPatched('recheckAfterLock')) {
          try {
            preconditions(args);
          } catch (error) {
            if (error instanceof ApplicationFailure) throw error;
            throw ApplicationFailure.nonRetryable((error as Error).message, 'PreconditionFailed');
          }
        }
        return work(args);
      });
  }
  const viewAfter =
    <A>(work: (run: HouseholdRun, args: A) => Promise<unknown>) =>
    async (args: A) => {
      await work(run, args);
      return run.view();
    };

  // ---- updates: validated before anything is written; a rejected update leaves no trace ----

  const completion = (args: CompleteTaskArgs) => {
    checkActive(state);
    checkCompletion(run, args);
  };
  setHandler(
    completeTaskUpdate,
    guarded(completion, (args) => completeTask(run, args)),
    {
      validator: (args: CompleteTaskArgs) => {
        completion(args);
        checkSubmittedRecord(run, args);
      },
    },
  );

  const reassignment = (args: ReassignCadreArgs) => {
    checkActive(state);
    if (args?.role !== 'ASSISTANCE' && args?.role !== 'LEADER')
      throw new Error('角色必须是 帮扶责任人 或 结对帮扶领导');
    if (!args.cadreId) throw new Error('请选择接替的干部');
    if (run.cadreIds().includes(args.cadreId)) throw new Error('该干部已经是这户的帮扶干部');
  };
  setHandler(
    reassignCadreUpdate,
    guarded(reassignment, (args) => reassignCadre(run, args)),
    { validator: reassignment },
  );

  const categoryChange = ({ category }: { category: HouseholdState['facts']['category']; by: string }) => {
    checkActive(state);
    if (!HOUSEHOLD_CATEGORIES.includes(category))
      throw new Error('户类别必须是 未脱贫户、脱贫监测户 或 边缘户');
    if (category === state.facts.category) throw new Error('该户已经是这个类别');
  };
  setHandler(
    changeCategoryUpdate,
    guarded(categoryChange, (args) => changeCategory(run, args)),
    { validator: categoryChange },
  );

  const policyUpgrade = ({ policy }: { policy: HouseholdState['policy']; by: string }) => {
    checkActive(state);
    const checked = validatePolicy(policy);
    if (!checked.ok) throw new Error(`督战策略有误：${describeIssues(checked.issues)}`);
  };
  setHandler(
    upgradePolicyUpdate,
    guarded(policyUpgrade, (args) => upgradePolicy(run, args)),
    { validator: policyUpgrade },
  );

  const closingDecision = (args: ClosingDecisionArgs) => {
    if (state.status !== 'CLOSING' || state.closing?.step !== args?.step)
      throw new Error('该户当前不在这个退出程序步骤');
    if (args.step === 'PUBLIC_NOTICE' && args.approved)
      throw new Error('公示期满后自动进入下一步，只能在公示期间提出异议');
    if (!args.by) throw new Error('请注明审核人');
    checkClosingDecider(state, args);
  };
  setHandler(decideClosingStepUpdate, guarded(closingDecision, viewAfter(decideClosingStep)), {
    validator: closingDecision,
  });

  const factsChange = (args: UpdateFactsArgs) => {
    checkActive(state);
    if (!args?.by) throw new Error('请注明修改人');
    checkedProfile(args);
  };
  setHandler(
    updateFactsUpdate,
    guarded(factsChange, (args) => updateFacts(run, args)),
    { validator: factsChange },
  );

  // Pause, resume and cancel refuse a wrong state (the caller answers 409), never ignore it.
  const pausing = (_args: { reason: string; by: string }) => checkPause(state);
  setHandler(pauseUpdate, guarded(pausing, viewAfter(pause)), { validator: pausing });
  const resuming = (_args: { by: string }) => checkResume(state);
  setHandler(resumeUpdate, guarded(resuming, viewAfter(resume)), { validator: resuming });
  // A cancel ends an admission's wait for its pairing first (admission.ts), then waits for the lock.
  const cancelling = (_args: { reason: CancelReason; note: string; by: string }) => checkCancel(state);
  const cancel = guarded(cancelling, viewAfter(cancelSupervision));
  setHandler(cancelUpdate, (args) => cancelMeetingAdmission(run, () => cancel(args)), {
    validator: cancelling,
  });

  // ---- signals: fire-and-forget changes, applied in turn with everything else ----

  setHandler(declareShockSignal, (args) => run.exclusive(() => declareShock(run, args)));
  // The first form of pause, resume and cancel, still handled for runs that received them.
  setHandler(pauseSignal, (args) => run.exclusive(() => pause(run, args)));
  setHandler(resumeSignal, (args) => run.exclusive(() => resume(run, args)));
  setHandler(cancelSupervisionSignal, (args) =>
    cancelMeetingAdmission(run, () => run.exclusive(() => cancelSupervision(run, args))),
  );

  setHandler(stateQuery, () => run.view());

  if (state.status === 'ADMITTING') await admitUnlessCancelled(run);

  /** Everything that has come due by now: visits to open, reminders, rungs, the end of the notice, a closing step overdue. */
  async function processDue() {
    if (state.status !== 'SUPERVISED' && state.status !== 'CLOSING') return;
    const now = nowIso();
    await openDueVisit(run, now);
    await remindAndEscalate(run, now);
    await endPublicNoticeIfDue(run, now);
    await remindOverdueClosingStep(run, now);
  }

  // ---- the loop: do what is due, then sleep on a durable timer until the next thing is ----
  // Every handler pokes the loop when it ends, so the search attributes follow each change here.
  for (;;) {
    await run.exclusive(async () => {
      await processDue();
      await publishSearchAttributes(run);
    });
    if (state.status === 'STABLY_OUT' || state.status === 'CANCELLED') break;
    if (workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > historyLimit) {
      await condition(() => allHandlersFinished() && !run.locked);
      await continueAsNew<typeof householdWorkflow>({
        householdId: state.householdId,
        policy: state.policy,
        historyLimit,
        carried: state,
      });
    }
    const wake = nextWakeAt(state);
    run.poked = false;
    if (wake === undefined) await condition(() => run.poked);
    else await condition(() => run.poked, Math.max(1, parseInstant(wake) - Date.now()));
  }
  await condition(allHandlersFinished);
  return run.view();
}
