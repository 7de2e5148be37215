import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  patched,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../../activities/index.js';
import type { NotifyInput } from '../../activities/notify.js';
import {
  addDays,
  assessStableExit,
  CLOSING_STEPS,
  type ClosingStep,
  describeIssues,
  ESCALATION_RANK_LABELS,
  type Finding,
  HOUSEHOLD_CATEGORIES,
  isCompliantVisit,
  parseInstant,
  type VisitRecord,
  validatePolicy,
  validateVisitRecord,
} from '../../policy/index.js';
import {
  type CadreRef,
  type CompleteTaskArgs,
  cancelSupervisionSignal,
  changeCategoryUpdate,
  completeTaskUpdate,
  decideClosingStepUpdate,
  declareShockSignal,
  type HouseholdState,
  type HouseholdView,
  type HouseholdWorkflowInput,
  householdWorkflowId,
  type OpenTask,
  pauseSignal,
  reassignCadreUpdate,
  resumeSignal,
  stateQuery,
  type TaskKind,
  upgradePolicyUpdate,
} from './definitions.js';
import {
  isDue,
  nextEscalation,
  nextWakeAt,
  publicNoticeEndsAt,
  reminderAt,
  shiftedByPause,
  visitIntervalDays,
} from './schedule.js';
import { exitVisits, findingsOf, MAX_VISITS_KEPT, summariseVisit } from './visits.js';

const acts = proxyActivities<Activities>({
  // Short: a worker that dies mid-activity delays its households by at most this much.
  startToCloseTimeout: '20 seconds',
  // Activities are idempotent, so retrying until the database or the mail server is back is safe.
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

const TASK_KIND_LABELS: Record<TaskKind, string> = {
  VISIT: '入户走访',
  FOLLOW_UP: '问题整改跟进',
  HANDOVER: '交接走访',
};
const ROLE_LABELS = { ASSISTANCE: '帮扶责任人', LEADER: '结对帮扶领导' } as const;
/** Past this many events, the run hands its state to a new one (Temporal's limit is 51,200). */
const DEFAULT_HISTORY_LIMIT = 10_000;

/** A visit may be recorded for a task opened up to a day after it (the cadre was already there). */
const VISIT_BEFORE_TASK_MS = 24 * 3_600_000;
/** Phones' clocks run a little fast or slow. */
const VISIT_CLOCK_SKEW_MS = 3_600_000;

const nowIso = () => new Date().toISOString(); // workflow time: deterministic on replay

/** One key household under 挂牌督战, from admission to a stable exit (or cancellation). */
export async function householdWorkflow(input: HouseholdWorkflowInput): Promise<HouseholdView> {
  const info = workflowInfo();
  // Handlers are registered before the first await, so a query during admission already answers.
  const state: HouseholdState = input.carried ?? admitting(input);
  const historyLimit = input.historyLimit ?? DEFAULT_HISTORY_LIMIT;

  // One piece of work at a time: the loop and the handlers each run whole between awaits of
  // activities, so a task cannot be escalated while it is being completed.
  let locked = false;
  let poked = false;
  async function exclusive<T>(work: () => Promise<T>): Promise<T> {
    // A loop, not one wait: a release wakes every waiter in the same pass, and only the first of
    // them may take the lock; the others see it taken again and go back to waiting.
    while (locked) await condition(() => !locked);
    locked = true;
    try {
      return await work();
    } finally {
      locked = false;
      poked = true;
    }
  }

  const view = (): HouseholdView => {
    const wake = nextWakeAt(state);
    return {
      ...state,
      nextDueAt: wake,
      highestRung: state.openTasks.reduce((max, t) => Math.max(max, t.rung), 0),
    };
  };

  const notify = (n: Omit<NotifyInput, 'householdId'>) =>
    acts.notify({ ...n, householdId: state.householdId });
  const taskInfo = (t: OpenTask) => ({
    id: t.id,
    kindLabel: TASK_KIND_LABELS[t.kind],
    reason: t.reason,
    dueAt: t.dueAt,
  });
  const cadreIds = () =>
    [state.cadres.assistance?.id, state.cadres.leader?.id].filter((id): id is string => !!id);
  const change = (
    action: string,
    extra: Partial<Parameters<typeof acts.updateHousehold>[0]> = {},
    actor = 'workflow',
  ) =>
    acts.updateHousehold({
      householdId: state.householdId,
      workflowId: state.workflowId,
      key: `${state.workflowId}/${state.chainId}/e${++state.seq}`,
      actor,
      action,
      at: nowIso(),
      ...extra,
    });

  async function openTask(
    kind: TaskKind,
    assigneeId: string,
    dueInDays: number,
    reason: string,
    finding?: Finding,
  ) {
    state.seq += 1;
    const openedAt = nowIso();
    const task: OpenTask = {
      id: `${state.workflowId}/${state.chainId}/t${state.seq}`,
      kind,
      assigneeId,
      openedAt,
      dueAt: addDays(openedAt, dueInDays),
      reason,
      reminded: false,
      rung: 0,
      ...(finding ? { findingKind: finding.kind, findingItem: finding.item } : {}),
    };
    state.openTasks.push(task);
    const { reminded: _r, rung: _g, ...row } = task;
    await acts.openTask({ ...row, householdId: state.householdId, workflowId: state.workflowId });
    await notify({
      key: `${task.id}/opened`,
      kind: 'TASK_OPENED',
      cadreId: assigneeId,
      task: taskInfo(task),
    });
  }

  /** Visits alternate between the two cadres of the double assignment. */
  const nextVisitor = (): string => {
    const { assistance, leader } = state.cadres;
    const first = (state.visitCount ?? state.visits.length) % 2 === 0 ? assistance : leader;
    return (first ?? assistance ?? leader)?.id ?? '';
  };

  async function escalate(task: OpenTask, now: string) {
    for (
      let next = nextEscalation(state, task);
      next && isDue(next.at, now);
      next = nextEscalation(state, task)
    ) {
      task.rung += 1;
      // Recorded at the rung's scheduled moment, not when the timer's task happened to run.
      const leader = await acts.escalateTask({
        taskId: task.id,
        rung: task.rung,
        rank: next.step.rank,
        at: next.at,
      });
      if (!leader) continue;
      await notify({
        key: `${task.id}/rung/${task.rung}`,
        kind: 'ESCALATED',
        cadreId: leader.id,
        task: taskInfo(task),
        escalation: {
          rung: task.rung,
          rankLabel: ESCALATION_RANK_LABELS[next.step.rank],
          responsibleCadreId: task.assigneeId,
          overdueSince: task.dueAt,
        },
      });
    }
  }

  /** Everything that has come due by now: visits to open, reminders, rungs, the end of the notice. */
  async function processDue() {
    if (state.status !== 'SUPERVISED' && state.status !== 'CLOSING') return;
    const now = nowIso();
    if (isDue(state.nextVisitAt, now)) {
      // A visit still open is not doubled; the cadence goes on from now.
      if (!state.openTasks.some((t) => t.kind !== 'FOLLOW_UP')) {
        const reason = '定期入户走访：核查一超过、两不愁、三保障和饮水安全';
        await openTask('VISIT', nextVisitor(), state.policy.visitTaskDueDays, reason);
      }
      state.nextVisitAt = addDays(now, visitIntervalDays(state, now));
    }
    for (const task of [...state.openTasks]) {
      if (!task.reminded && isDue(reminderAt(state, task), now)) {
        await notify({
          key: `${task.id}/reminder`,
          kind: 'REMINDER',
          cadreId: task.assigneeId,
          task: taskInfo(task),
        });
        task.reminded = true;
      }
      await escalate(task, now);
    }
    if (isDue(publicNoticeEndsAt(state), now))
      await completeClosingStep('PUBLIC_NOTICE', 'system', '公示期满，无异议');
  }

  async function reviewExit(now: string) {
    const assessment = assessStableExit(state.policy, {
      admittedAt: state.admittedAt,
      now,
      visits: exitVisits(state.policy, state.visits),
      openFollowUps: state.openTasks.filter((t) => t.kind === 'FOLLOW_UP').length,
      hasLabour: state.facts.hasLabour,
      labourClass: state.facts.labourClass,
    });
    state.exitCriteria = assessment.criteria;
    if (assessment.eligible && state.status === 'SUPERVISED') {
      state.status = 'CLOSING';
      state.closing = {
        step: 'VILLAGE_REVIEW',
        stepStartedAt: now,
        steps: [],
        criteria: assessment.criteria,
      };
      await change('CLOSING_STARTED', { status: 'CLOSING' });
    }
  }

  async function abortClosing(by: string, note: string) {
    if (state.status !== 'CLOSING') return;
    state.status = 'SUPERVISED';
    const step = state.closing?.step ?? '';
    state.closing = undefined;
    await change('CLOSING_ABORTED', { status: 'SUPERVISED', detail: { step, note } }, by);
  }

  async function completeClosingStep(step: ClosingStep, by: string, note: string) {
    const closing = state.closing;
    if (!closing || closing.step !== step) return;
    const now = nowIso();
    closing.steps.push({ step, startedAt: closing.stepStartedAt, completedAt: now, by, note });
    const next = CLOSING_STEPS[CLOSING_STEPS.indexOf(step) + 1];
    if (next) {
      closing.step = next;
      closing.stepStartedAt = now;
      await change('CLOSING_STEP_DONE', { detail: { step, next, note } }, by);
      return;
    }
    await acts.endSupervision({
      householdId: state.householdId,
      workflowId: state.workflowId,
      key: `${state.workflowId}/${state.chainId}/exit`,
      actor: by,
      action: 'STABLY_OUT',
      status: 'STABLY_OUT',
      at: now,
      exit: {
        id: `${state.workflowId}/${state.chainId}/exit`,
        criteria: closing.criteria,
        steps: closing.steps,
      },
    });
    state.status = 'STABLY_OUT';
    state.openTasks = [];
    for (const cadreId of cadreIds()) {
      await notify({
        key: `${state.workflowId}/${state.chainId}/exit/${cadreId}`,
        kind: 'STABLE_EXIT',
        cadreId,
      });
    }
  }

  // ---- updates: validated before anything is written; a rejected update leaves no trace ----

  const checkedRecord = (input: NonNullable<CompleteTaskArgs['record']>): VisitRecord => {
    const checked = validateVisitRecord(state.policy, state.facts, input);
    if (!checked.ok)
      throw ApplicationFailure.nonRetryable(describeIssues(checked.issues), 'InvalidVisitRecord');
    return checked.value;
  };

  const assertActive = () => {
    if (state.status === 'STABLY_OUT' || state.status === 'CANCELLED') throw new Error('该户已结束挂牌督战');
    if (state.status === 'ADMITTING') throw new Error('该户正在纳入督战、分配帮扶干部，请稍后再试');
  };

  setHandler(
    completeTaskUpdate,
    (args: CompleteTaskArgs) =>
      exclusive(async () => {
        const task = state.openTasks.find((t) => t.id === args.taskId);
        if (!task) throw ApplicationFailure.nonRetryable('该任务不存在或已经办结', 'TaskNotOpen');
        const now = nowIso();
        const record = args.record ? checkedRecord(args.record) : undefined;
        const escalatedTo = await acts.completeTask({
          taskId: task.id,
          byCadreId: args.byCadreId,
          at: now,
          ...(args.note ? { note: args.note } : {}),
          ...(record
            ? {
                visit: {
                  record,
                  compliant: isCompliantVisit(state.policy, record),
                  policyVersion: state.policy.version,
                },
              }
            : {}),
        });
        state.openTasks = state.openTasks.filter((t) => t.id !== task.id);
        for (const leaderId of escalatedTo) {
          await notify({
            key: `${task.id}/done/${leaderId}`,
            kind: 'TASK_DONE',
            cadreId: leaderId,
            task: taskInfo(task),
          });
        }
        if (record) {
          // Totals are checked only for the kinds this visit recorded, so one passed cap does not
          // reopen a follow-up at every later visit (histories before this change re-check all kinds).
          const findings = findingsOf(state, record, {
            onlyKindsInVisit: patched('cap-check-kinds-in-visit'),
            yearlyWindow: patched('cap-yearly-window'),
          });
          state.visitCount = (state.visitCount ?? state.visits.length) + 1;
          state.visits = [...state.visits, summariseVisit(task.id, record)].slice(-MAX_VISITS_KEPT);
          state.measures.push(...record.measures.map((m) => ({ ...m, visitedAt: record.visitedAt })));
          for (const finding of findings) {
            const open = state.openTasks.some(
              (t) => t.findingKind === finding.kind && t.findingItem === finding.item,
            );
            if (open) continue;
            const assignee = state.cadres.assistance?.id ?? task.assigneeId;
            await openTask('FOLLOW_UP', assignee, finding.dueDays, finding.message, finding);
          }
          if (findings.length > 0) await abortClosing('workflow', '走访发现新的风险');
        }
        await reviewExit(now);
        return view();
      }),
    {
      validator: (args: CompleteTaskArgs) => {
        assertActive();
        const task = state.openTasks.find((t) => t.id === args?.taskId);
        if (!task) throw new Error('该任务不存在或已经办结');
        if (![...cadreIds(), task.assigneeId].includes(args.byCadreId))
          throw new Error('只有该户的帮扶干部才能办理此任务');
        if (task.kind !== 'FOLLOW_UP' && !args.record) throw new Error('走访任务必须填写走访记录');
        if (args.record) {
          const record = checkedRecord(args.record);
          // The record speaks for the cadre who submits it, about a visit made for this task:
          // a backdated visit could fake the stable period.
          if (record.visitorCadreId !== args.byCadreId) throw new Error('走访记录只能由走访干部本人提交');
          const visited = parseInstant(record.visitedAt);
          if (visited < parseInstant(task.openedAt) - VISIT_BEFORE_TASK_MS)
            throw new Error('走访时间早于任务下达时间');
          if (visited > Date.now() + VISIT_CLOCK_SKEW_MS) throw new Error('走访时间不能晚于现在');
        }
      },
    },
  );

  setHandler(
    reassignCadreUpdate,
    (args) =>
      exclusive(async () => {
        const previous = state.cadres[args.role === 'ASSISTANCE' ? 'assistance' : 'leader'];
        const moved = state.openTasks.filter((t) => t.assigneeId === previous?.id);
        const cadre: CadreRef = await acts.reassignCadre({
          householdId: state.householdId,
          role: args.role,
          toCadreId: args.cadreId,
          key: `${state.workflowId}/${state.chainId}/assign/${++state.seq}`,
          at: nowIso(),
          taskIds: moved.map((t) => t.id),
        });
        if (args.role === 'ASSISTANCE') state.cadres.assistance = cadre;
        else state.cadres.leader = cadre;
        for (const task of moved) task.assigneeId = cadre.id;
        await change(
          'CADRE_REASSIGNED',
          { detail: { role: args.role, from: previous?.id ?? null, to: cadre.id, reason: args.reason } },
          args.by,
        );
        await notify({
          key: `${state.workflowId}/${state.chainId}/assigned/${state.seq}`,
          kind: 'ASSIGNED',
          cadreId: cadre.id,
          role: ROLE_LABELS[args.role],
        });
        const reason = `交接走访：接替${previous?.name ?? '原帮扶干部'}，入户了解情况`;
        await openTask('HANDOVER', cadre.id, state.policy.visitTaskDueDays, reason);
        return view();
      }),
    {
      validator: (args) => {
        assertActive();
        if (args?.role !== 'ASSISTANCE' && args?.role !== 'LEADER')
          throw new Error('角色必须是 帮扶责任人 或 结对帮扶领导');
        if (!args.cadreId) throw new Error('请选择接替的干部');
        if (cadreIds().includes(args.cadreId)) throw new Error('该干部已经是这户的帮扶干部');
      },
    },
  );

  setHandler(
    changeCategoryUpdate,
    ({ category, by }) =>
      exclusive(async () => {
        const from = state.facts.category;
        state.facts = { ...state.facts, category };
        const sooner = addDays(nowIso(), visitIntervalDays(state, nowIso()));
        if (parseInstant(sooner) < parseInstant(state.nextVisitAt)) state.nextVisitAt = sooner;
        await change('CATEGORY_CHANGED', { category, detail: { from, to: category } }, by);
        return view();
      }),
    {
      validator: ({ category }) => {
        assertActive();
        if (!HOUSEHOLD_CATEGORIES.includes(category))
          throw new Error('户类别必须是 未脱贫户、脱贫监测户 或 边缘户');
        if (category === state.facts.category) throw new Error('该户已经是这个类别');
      },
    },
  );

  setHandler(
    upgradePolicyUpdate,
    ({ policy, by }) =>
      exclusive(async () => {
        const from = state.policy.version;
        state.policy = policy;
        const sooner = addDays(nowIso(), visitIntervalDays(state, nowIso()));
        if (parseInstant(sooner) < parseInstant(state.nextVisitAt)) state.nextVisitAt = sooner;
        await change(
          'POLICY_UPGRADED',
          { policyVersion: policy.version, detail: { from, to: policy.version } },
          by,
        );
        await reviewExit(nowIso());
        return view();
      }),
    {
      validator: ({ policy }) => {
        assertActive();
        const checked = validatePolicy(policy);
        if (!checked.ok) throw new Error(`督战策略有误：${describeIssues(checked.issues)}`);
      },
    },
  );

  setHandler(
    decideClosingStepUpdate,
    (args) =>
      exclusive(async () => {
        if (args.approved) await completeClosingStep(args.step, args.by, args.note);
        else await abortClosing(args.by, `${args.step}：${args.note}`);
        return view();
      }),
    {
      validator: (args) => {
        if (state.status !== 'CLOSING' || state.closing?.step !== args?.step)
          throw new Error('该户当前不在这个退出程序步骤');
        if (args.step === 'PUBLIC_NOTICE' && args.approved)
          throw new Error('公示期满后自动进入下一步，只能在公示期间提出异议');
        if (!args.by) throw new Error('请注明审核人');
      },
    },
  );

  // ---- signals: fire-and-forget changes, applied in turn with everything else ----

  setHandler(declareShockSignal, ({ reason, by }) =>
    exclusive(async () => {
      if (state.status !== 'SUPERVISED' && state.status !== 'CLOSING') return;
      const now = nowIso();
      state.shockUntil = addDays(now, state.policy.shock.durationDays);
      state.nextVisitAt = now; // re-check the household at once, then at the shock's cadence
      await change('SHOCK_DECLARED', { detail: { reason, until: state.shockUntil } }, by);
      await abortClosing(by, `突发风险：${reason}`);
    }),
  );

  // State changes after the writes, so a query never shows what the ledger does not have yet.
  setHandler(pauseSignal, ({ reason, by }) =>
    exclusive(async () => {
      if (state.status !== 'SUPERVISED') return;
      const pausedAt = nowIso();
      await change('PAUSED', { status: 'PAUSED', detail: { reason } }, by);
      state.status = 'PAUSED';
      state.pausedAt = pausedAt;
    }),
  );

  setHandler(resumeSignal, ({ by }) =>
    exclusive(async () => {
      if (state.status !== 'PAUSED' || !state.pausedAt) return;
      const resumedAt = nowIso();
      const pausedMs = parseInstant(resumedAt) - parseInstant(state.pausedAt);
      const shifted = shiftedByPause(state, state.pausedAt, resumedAt);
      await acts.rescheduleTasks({ tasks: shifted.openTasks.map((t) => ({ id: t.id, dueAt: t.dueAt })) });
      const pausedHours = Math.round(pausedMs / 3_600_000);
      await change('RESUMED', { status: 'SUPERVISED', detail: { pausedHours } }, by);
      Object.assign(state, shifted);
      state.status = 'SUPERVISED';
      state.pausedAt = undefined;
    }),
  );

  setHandler(cancelSupervisionSignal, ({ reason, note, by }) =>
    exclusive(async () => {
      if (state.status === 'STABLY_OUT' || state.status === 'CANCELLED') return;
      await acts.endSupervision({
        householdId: state.householdId,
        workflowId: state.workflowId,
        key: `${state.workflowId}/${state.chainId}/cancelled`,
        actor: by,
        action: 'SUPERVISION_CANCELLED',
        status: 'CANCELLED',
        at: nowIso(),
        detail: { reason, note },
      });
      state.status = 'CANCELLED';
      state.cancelReason = `${reason}${note ? `：${note}` : ''}`;
      state.openTasks = [];
    }),
  );

  setHandler(stateQuery, view);

  if (state.status === 'ADMITTING') await exclusive(admit);

  // ---- the loop: do what is due, then sleep on a durable timer until the next thing is ----
  for (;;) {
    await exclusive(processDue);
    if (state.status === 'STABLY_OUT' || state.status === 'CANCELLED') break;
    if (workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > historyLimit) {
      await condition(() => allHandlersFinished() && !locked);
      await continueAsNew<typeof householdWorkflow>({
        householdId: state.householdId,
        policy: state.policy,
        historyLimit,
        carried: state,
      });
    }
    const wake = nextWakeAt(state);
    poked = false;
    if (wake === undefined) await condition(() => poked);
    else await condition(() => poked, Math.max(1, parseInstant(wake) - Date.now()));
  }
  await condition(allHandlersFinished);
  return view();

  /** The state before admission: the start arguments only; facts are read by `admit`. */
  function admitting(start: HouseholdWorkflowInput): HouseholdState {
    const now = nowIso();
    return {
      householdId: start.householdId,
      workflowId: householdWorkflowId(start.householdId),
      chainId: info.firstExecutionRunId.slice(0, 8),
      policy: start.policy,
      facts: { category: 'MARGINAL', memberCount: 1, labourClass: 'CLASS_3', hasLabour: true }, // until loaded
      status: 'ADMITTING',
      admittedAt: now,
      cadres: {},
      seq: 0,
      openTasks: [],
      nextVisitAt: now,
      visits: [],
      measures: [],
      exitCriteria: [],
    };
  }

  // Admission: the household's facts and its two cadres; the first visit is due at once.
  async function admit() {
    const { workflowId, chainId, householdId } = state;
    state.facts = await acts.loadHousehold({ householdId });
    const now = nowIso();
    const cadres = await acts.assignCadres({ householdId, key: `${workflowId}/${chainId}`, at: now });
    state.cadres = cadres;
    state.admittedAt = now;
    state.nextVisitAt = now;
    await acts.updateHousehold({
      householdId,
      workflowId,
      key: `${workflowId}/${chainId}/admitted`,
      actor: 'workflow',
      action: 'SUPERVISION_STARTED',
      status: 'SUPERVISED',
      policyVersion: state.policy.version,
      at: now,
      detail: { assistance: cadres.assistance.id, leader: cadres.leader.id },
    });
    for (const role of ['ASSISTANCE', 'LEADER'] as const) {
      const cadre = role === 'ASSISTANCE' ? cadres.assistance : cadres.leader;
      await notify({
        key: `${workflowId}/${chainId}/assigned/${role}`,
        kind: 'ASSIGNED',
        cadreId: cadre.id,
        role: ROLE_LABELS[role],
      });
    }
    state.status = 'SUPERVISED';
  }
}
