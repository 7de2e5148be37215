// The household workflow's wiring: its handlers with their validators, and the main loop. What
// each piece of work does lives in its own module (admission, visit handling, escalation, the
// closing procedure, cadre reassignment, classification, the course of supervision).
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { describeIssues, HOUSEHOLD_CATEGORIES, parseInstant, validatePolicy } from '../../policy/index.js';
import { admit, admitting } from './admission.js';
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
  type CompleteTaskArgs,
  cancelSupervisionSignal,
  changeCategoryUpdate,
  completeTaskUpdate,
  decideClosingStepUpdate,
  declareShockSignal,
  type HouseholdState,
  type HouseholdView,
  type HouseholdWorkflowInput,
  pauseSignal,
  reassignCadreUpdate,
  resumeSignal,
  stateQuery,
  updateFactsUpdate,
  upgradePolicyUpdate,
} from './definitions.js';
import { remindAndEscalate } from './escalation.js';
import { checkedProfile, updateFacts } from './facts.js';
import { nextWakeAt } from './schedule.js';
import { cancelSupervision, declareShock, pause, resume } from './supervision-state.js';
import { checkCompletion, completeTask, openDueVisit } from './visit-handling.js';

/** Past this many events, the run hands its state to a new one (Temporal's limit is 51,200). */
const DEFAULT_HISTORY_LIMIT = 10_000;

/** One key household under 挂牌督战, from admission to a stable exit (or cancellation). */
export async function householdWorkflow(input: HouseholdWorkflowInput): Promise<HouseholdView> {
  // Handlers are registered before the first await, so a query during admission already answers.
  const state: HouseholdState = input.carried ?? admitting(input);
  const run = new HouseholdRun(state);
  const historyLimit = input.historyLimit ?? DEFAULT_HISTORY_LIMIT;

  const assertActive = () => {
    if (state.status === 'STABLY_OUT' || state.status === 'CANCELLED') throw new Error('该户已结束挂牌督战');
    if (state.status === 'ADMITTING') throw new Error('该户正在纳入督战、分配帮扶干部，请稍后再试');
  };

  // ---- updates: validated before anything is written; a rejected update leaves no trace ----

  setHandler(completeTaskUpdate, (args: CompleteTaskArgs) => run.exclusive(() => completeTask(run, args)), {
    validator: (args: CompleteTaskArgs) => {
      assertActive();
      checkCompletion(run, args);
    },
  });

  setHandler(reassignCadreUpdate, (args) => run.exclusive(() => reassignCadre(run, args)), {
    validator: (args) => {
      assertActive();
      if (args?.role !== 'ASSISTANCE' && args?.role !== 'LEADER')
        throw new Error('角色必须是 帮扶责任人 或 结对帮扶领导');
      if (!args.cadreId) throw new Error('请选择接替的干部');
      if (run.cadreIds().includes(args.cadreId)) throw new Error('该干部已经是这户的帮扶干部');
    },
  });

  setHandler(changeCategoryUpdate, (args) => run.exclusive(() => changeCategory(run, args)), {
    validator: ({ category }) => {
      assertActive();
      if (!HOUSEHOLD_CATEGORIES.includes(category))
        throw new Error('户类别必须是 未脱贫户、脱贫监测户 或 边缘户');
      if (category === state.facts.category) throw new Error('该户已经是这个类别');
    },
  });

  setHandler(upgradePolicyUpdate, (args) => run.exclusive(() => upgradePolicy(run, args)), {
    validator: ({ policy }) => {
      assertActive();
      const checked = validatePolicy(policy);
      if (!checked.ok) throw new Error(`督战策略有误：${describeIssues(checked.issues)}`);
    },
  });

  setHandler(
    decideClosingStepUpdate,
    (args) =>
      run.exclusive(async () => {
        await decideClosingStep(run, args);
        return run.view();
      }),
    {
      validator: (args) => {
        if (state.status !== 'CLOSING' || state.closing?.step !== args?.step)
          throw new Error('该户当前不在这个退出程序步骤');
        if (args.step === 'PUBLIC_NOTICE' && args.approved)
          throw new Error('公示期满后自动进入下一步，只能在公示期间提出异议');
        if (!args.by) throw new Error('请注明审核人');
        checkClosingDecider(state, args);
      },
    },
  );

  setHandler(updateFactsUpdate, (args) => run.exclusive(() => updateFacts(run, args)), {
    validator: (args) => {
      assertActive();
      if (!args?.by) throw new Error('请注明修改人');
      checkedProfile(args);
    },
  });

  // ---- signals: fire-and-forget changes, applied in turn with everything else ----

  setHandler(declareShockSignal, (args) => run.exclusive(() => declareShock(run, args)));
  setHandler(pauseSignal, (args) => run.exclusive(() => pause(run, args)));
  setHandler(resumeSignal, (args) => run.exclusive(() => resume(run, args)));
  setHandler(cancelSupervisionSignal, (args) => run.exclusive(() => cancelSupervision(run, args)));

  setHandler(stateQuery, () => run.view());

  if (state.status === 'ADMITTING') await run.exclusive(() => admit(run));

  /** Everything that has come due by now: visits to open, reminders, rungs, the end of the notice. */
  async function processDue() {
    if (state.status !== 'SUPERVISED' && state.status !== 'CLOSING') return;
    const now = nowIso();
    await openDueVisit(run, now);
    await remindAndEscalate(run, now);
    await endPublicNoticeIfDue(run, now);
    await remindOverdueClosingStep(run, now);
  }

  // ---- the loop: do what is due, then sleep on a durable timer until the next thing is ----
  for (;;) {
    await run.exclusive(processDue);
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
