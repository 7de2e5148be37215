// The course of one case: each step opens its task for the right people with its deadline from the
// policy, a decision moves it on or ends it (不予纳入, told to whoever raised it), the public notice
// comes down on its timer unless an objection stops it, and the county's approval starts the
// household's supervision.
import { ApplicationFailure } from '@temporalio/workflow';
import {
  describeIssues,
  householdCategorySchema,
  householdProfileSchema,
  IDENTIFICATION_STEP_LABELS,
  type IdentificationStep,
  identificationLimitAt,
  identificationRules,
  identificationStepDeadline,
  isDecidedIdentificationStep,
  nextIdentificationStep,
  parseInstant,
  safeParseInChinese,
} from '../../policy/rules.js';
import { acts, nowIso } from '../household/context.js';
import type { OpenTask } from '../household/definitions.js';
import { remindAndEscalate } from '../household/escalation.js';
import { isDue, nextEscalation, reminderAt } from '../household/schedule.js';
import type {
  HomeCheckFindings,
  IdentificationState,
  IdentificationWorkflowInput,
  ObjectionArgs,
  StepDecisionArgs,
} from './definitions.js';
import { identificationWorkflowId } from './definitions.js';
import type { IdentificationRun } from './run.js';

/** The case is counted from the workflow's start: the first clue reached the procedure then. */
export function initialState(input: IdentificationWorkflowInput): IdentificationState {
  const rules = identificationRules(input.policy);
  const raisedAt = nowIso();
  return {
    caseId: input.caseId,
    householdId: input.householdId,
    workflowId: identificationWorkflowId(input.caseId),
    policy: input.policy,
    rules,
    timeZone: input.timeZone,
    raisedAt,
    ...(input.raisedByCadreId ? { raisedByCadreId: input.raisedByCadreId } : {}),
    limitAt: identificationLimitAt(rules, raisedAt, input.timeZone),
    status: 'OPEN',
    step: 'HOME_CHECK',
    steps: [],
    openTasks: [],
    seq: 0,
  };
}

const current = (state: IdentificationState) => state.steps[state.steps.length - 1];

/** Opens a step: its deadline, its task for the people who act on it (told at once), its row. */
export async function startStep(run: IdentificationRun, step: IdentificationStep) {
  const { state } = run;
  const now = nowIso();
  const dueAt = identificationStepDeadline(state.rules, step, now, state.timeZone);
  state.step = step;
  const progress: IdentificationState['steps'][number] = { step, startedAt: now, dueAt };
  state.steps.push(progress);
  if (isDecidedIdentificationStep(step)) {
    const assignee = await run.survive('identificationStepAssignee', () =>
      acts.identificationStepAssignee({ caseId: state.caseId, step }),
    );
    if (assignee) {
      const task: OpenTask = {
        id: `${state.workflowId}/t${++state.seq}`,
        kind: 'IDENTIFICATION',
        assigneeId: assignee.id,
        openedAt: now,
        dueAt,
        reason: `识别纳入：${IDENTIFICATION_STEP_LABELS[step]}`,
        reminded: false,
        rung: 0,
      };
      state.openTasks = [task];
      progress.taskId = task.id;
      progress.assigneeId = assignee.id;
      const { reminded: _r, rung: _g, ...row } = task;
      await run.survive('openTask', () =>
        acts.openTask({ ...row, householdId: state.householdId, workflowId: state.workflowId }),
      );
      await run.notify({
        key: `${task.id}/opened`,
        kind: 'TASK_OPENED',
        cadreId: assignee.id,
        task: run.taskInfo(task),
      });
    }
  }
  await acts.recordIdentificationStepStarted({
    caseId: state.caseId,
    step,
    // The first step fixes the case's clock: raised when the workflow started, and its limit.
    ...(step === 'HOME_CHECK' ? { raisedAt: state.raisedAt, limitAt: state.limitAt } : {}),
    startedAt: now,
    dueAt,
    ...(progress.taskId ? { taskId: progress.taskId } : {}),
    ...(progress.assigneeId ? { assigneeId: progress.assigneeId } : {}),
  });
}

/** Ends the current step: its task done (the leaders it reached told), its row written. */
async function endStep(
  run: IdentificationRun,
  decision: 'APPROVED' | 'REFUSED' | 'OBJECTED' | 'ENDED',
  by?: { userId: string; cadreId?: string },
  note = '',
) {
  const { state } = run;
  const now = nowIso();
  const task = state.openTasks[0];
  if (task) {
    const leaders = await run.survive('completeTask', () =>
      acts.completeTask({ taskId: task.id, byCadreId: by?.cadreId ?? task.assigneeId, at: now, note }),
    );
    state.openTasks = [];
    for (const leaderId of leaders ?? []) {
      await run.notify({
        key: `${task.id}/done/${leaderId}`,
        kind: 'TASK_DONE',
        cadreId: leaderId,
        task: run.taskInfo(task),
      });
    }
  }
  const progress = current(state);
  if (progress) Object.assign(progress, { endedAt: now, decision, note, ...(by ? { by: by.userId } : {}) });
  await acts.recordIdentificationStepEnded({
    caseId: state.caseId,
    step: state.step,
    at: now,
    decision,
    note,
    ...(by ? { decidedBy: by.userId } : {}),
  });
}

/** 不予纳入: the case ends with its reason, told to the cadre who raised it. */
async function refuse(run: IdentificationRun, reason: string) {
  const { state } = run;
  state.status = 'REFUSED';
  state.outcomeReason = reason;
  await acts.endIdentificationCase({ caseId: state.caseId, status: 'REFUSED', reason, at: nowIso() });
  if (state.raisedByCadreId)
    await run.notify({
      key: `${state.workflowId}/refused`,
      kind: 'IDENTIFICATION_REFUSED',
      cadreId: state.raisedByCadreId,
      task: { id: state.workflowId, kindLabel: '识别纳入', reason, dueAt: state.limitAt },
    });
}

/** 县级审批 approved: 公告, 纳入监测 — the household's supervision starts with the home check's facts. */
async function recognise(run: IdentificationRun) {
  const { state } = run;
  const at = nowIso();
  await acts.admitIdentifiedHousehold({
    caseId: state.caseId,
    householdId: state.householdId,
    policy: state.policy,
    at,
    ...(state.assistanceCadreId ? { assistanceCadreId: state.assistanceCadreId } : {}),
  });
  state.status = 'RECOGNISED';
  await acts.endIdentificationCase({ caseId: state.caseId, status: 'RECOGNISED', at });
}

const refusal = (message: string) => ApplicationFailure.nonRetryable(message, 'InvalidIdentificationStep');

/** The home check's findings as the schemas read them, or the refusal in Chinese. */
export function checkedHomeCheck(findings: HomeCheckFindings | undefined): HomeCheckFindings {
  if (!findings) throw refusal('入户核实通过须填写核实情况（防止返贫动态监测排查表）');
  if (findings.consentSigned !== true) throw refusal('入户核实须有农户签字同意，未签字不能通过');
  const category = householdCategorySchema.safeParse(findings.category);
  if (!category.success) throw refusal('户类别必须是 未脱贫户、脱贫监测户 或 边缘户');
  const profile = safeParseInChinese(householdProfileSchema, findings.profile);
  if (!profile.ok) throw refusal(`家庭信息有误：${describeIssues(profile.issues)}`);
  return { ...findings, category: category.data, profile: profile.value };
}

/** What a decision must satisfy (the validator, and again once the lock is held). */
export function checkDecision(state: IdentificationState, args: StepDecisionArgs) {
  if (state.status !== 'OPEN') throw refusal('该识别纳入案件已结束');
  if (args?.step !== state.step)
    throw refusal(`该案件当前在“${IDENTIFICATION_STEP_LABELS[state.step]}”环节，不能办理其他环节`);
  if (!args.by) throw refusal('请注明办理人');
  if (!args.approved && !args.reason?.trim()) throw refusal('不予纳入须写明理由');
  if (args.approved && args.step === 'HOME_CHECK') checkedHomeCheck(args.homeCheck);
}

export async function decideStep(run: IdentificationRun, args: StepDecisionArgs) {
  const { state } = run;
  const step = state.step;
  const by = { userId: args.by, ...(args.byCadreId ? { cadreId: args.byCadreId } : {}) };
  const assignee = state.openTasks[0]?.assigneeId;
  if (!args.approved) {
    const reason = args.reason?.trim() ?? '';
    await endStep(run, 'REFUSED', by, reason);
    await refuse(run, `${IDENTIFICATION_STEP_LABELS[step]}未通过：${reason}`);
    return;
  }
  if (step === 'HOME_CHECK') {
    const findings = checkedHomeCheck(args.homeCheck);
    await acts.saveHomeCheckFacts({
      caseId: state.caseId,
      householdId: state.householdId,
      category: findings.category,
      profile: findings.profile,
      at: nowIso(),
      by: args.by,
    });
    const keeper = findings.assistanceCadreId ?? assignee;
    if (keeper) state.assistanceCadreId = keeper;
  }
  await endStep(run, 'APPROVED', by, args.reason?.trim() ?? '');
  const next = nextIdentificationStep(step);
  if (next) await startStep(run, next);
  else await recognise(run);
}

export function checkObjection(state: IdentificationState, args: ObjectionArgs) {
  if (state.status !== 'OPEN' || state.step !== 'PUBLIC_NOTICE') throw refusal('只能在公示期间登记异议');
  const text = args?.text?.trim() ?? '';
  if (!text) throw refusal('请填写异议内容');
  if (text.length > 500) throw refusal('异议内容不能超过 500 字');
  if (!args.by) throw refusal('请注明登记人');
}

/** An objection during the notice stops the case: 不予纳入, with the objection as its reason. */
export async function recordObjection(run: IdentificationRun, args: ObjectionArgs) {
  const text = args.text.trim();
  await endStep(run, 'OBJECTED', { userId: args.by }, text);
  await refuse(run, `公示期间有异议：${text}`);
}

/** What has come due by now: reminders and rungs of the step's task; the notice's end. */
export async function processDue(run: IdentificationRun) {
  const { state } = run;
  if (state.status !== 'OPEN') return;
  const now = nowIso();
  await remindAndEscalate(run, now);
  const progress = current(state);
  if (state.step === 'PUBLIC_NOTICE' && progress && isDue(progress.dueAt, now)) {
    await endStep(run, 'ENDED');
    const next = nextIdentificationStep('PUBLIC_NOTICE');
    if (next) await startStep(run, next);
  }
}

/** The earliest moment something becomes due; undefined = nothing until an update. */
export function nextWakeAt(state: IdentificationState): string | undefined {
  if (state.status !== 'OPEN') return undefined;
  const times: string[] = [];
  for (const task of state.openTasks) {
    const reminder = task.reminded ? undefined : reminderAt(state, task);
    if (reminder) times.push(reminder);
    const escalation = nextEscalation(state, task);
    if (escalation) times.push(escalation.at);
  }
  const progress = current(state);
  if (state.step === 'PUBLIC_NOTICE' && progress) times.push(progress.dueAt);
  return times.length ? times.reduce((a, b) => (parseInstant(a) <= parseInstant(b) ? a : b)) : undefined;
}
