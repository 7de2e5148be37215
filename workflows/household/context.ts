// What every part of the household workflow shares: the state, the one-at-a-time lock, the
// activity proxies and the writes that keep the ledger in step with the state.
import {
  type CancellationScope,
  condition,
  proxyActivities,
  proxyLocalActivities,
} from '@temporalio/workflow';
import type { Activities } from '../../activities/index.js';
import type { NotifyInput } from '../../activities/notify.js';
import { addDays, type Finding, TASK_KIND_LABELS } from '../../policy/rules.js';
import { permanentFailure } from '../permanent-failure.js';
import type { HouseholdState, HouseholdView, OpenTask, TaskKind } from './definitions.js';
import { isPatched } from './patches.js';
import { nextWakeAt } from './schedule.js';

export const householdActivityOptions = {
  // Short: a worker that dies mid-activity delays its households by at most this much.
  startToCloseTimeout: '20 seconds',
  // Activities are idempotent, so retrying until the database or the mail server is back is safe.
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes' },
} as const;

/** Each call a round trip through the server: an ActivityTaskScheduled event, a poll, a new workflow task. */
const remote = proxyActivities<Activities>(householdActivityOptions);
/**
 * The same activities run by this worker inside the workflow task that calls them: no round trip
 * through the server, so an update (completeTask) is answered in the workflow task that received it
 * and admission takes one or two workflow tasks instead of eight. Every household activity is a
 * short, idempotent PostgreSQL write or read (notify also starts its mail workflow), which is what
 * local activities are for; a retry past a minute is backed off on a workflow timer by the SDK.
 */
const local = proxyLocalActivities<Activities>(householdActivityOptions);

/**
 * The pairing alone may wait long: for a 帮扶责任人 or a leader an admin has yet to add (it fails and
 * is retried until then). It waits as an activity task, retried by the server, which writes nothing
 * to the history while it waits; a local activity whose back-off grows past a minute backs off on a
 * workflow timer instead, a workflow task and events each. From the `admission-in-one-activity` patch
 * on the pairing is first tried inside the local `admitHousehold` (admission.ts), and only a pairing
 * that cannot be made within `admissionFirstTry`'s attempts waits here.
 */
const REMOTE_ONLY: ReadonlySet<PropertyKey> = new Set<keyof Activities>(['assignCadres']);

/**
 * The household's activities: local from the `local-writes` patch on (but those of REMOTE_ONLY),
 * remote in the histories recorded before it (they scheduled them as activity tasks, and must
 * replay so).
 */
export const acts: typeof remote = new Proxy(remote, {
  get: (_target, name) =>
    Reflect.get(!REMOTE_ONLY.has(name) && isPatched('localWrites') ? local : remote, name),
});

/**
 * The admission's first try (admission.ts): local, four attempts (7 s of back-off between them, each
 * up to the 20 s limit: a PostgreSQL blip, the pairing lock), then the admission waits for its pairing
 * as an activity task instead. A longer outage takes that way too: the pairing waits, then the rest
 * is written as any local write is during an outage.
 */
export const admissionFirstTry = proxyLocalActivities<Activities>({
  ...householdActivityOptions,
  retry: { ...householdActivityOptions.retry, maximumAttempts: 4 },
});

export const nowIso = () => new Date().toISOString(); // workflow time: deterministic on replay

/** One running household: its state, its lock, and the writes its parts share. */
export class HouseholdRun {
  /** Held by the loop or a handler while it works; see `exclusive`. */
  locked = false;
  /** Set when a piece of work ends, so the loop re-reads what is due. */
  poked = false;
  /** Search attribute values this run has set (search-attributes.ts). */
  readonly published = new Map<string, unknown>();
  /** A cancel has arrived during the admission (admission.ts `cancelMeetingAdmission`). */
  cancelDuringAdmission = false;
  /** Cancels arrived and not yet finished (admission.ts `cancelMeetingAdmission`). */
  cancelsPending = 0;
  /** The admission's wait for its pairing while it waits, and whether a cancel ended it (admission.ts). */
  pairingWait?: { scope: CancellationScope; endedByCancel: boolean };

  constructor(readonly state: HouseholdState) {}

  // One piece of work at a time: the loop and the handlers each run whole between awaits of
  // activities, so a task cannot be escalated while it is being completed.
  async exclusive<T>(work: () => Promise<T>): Promise<T> {
    // A loop, not one wait: a release wakes every waiter in the same pass, and only the first of
    // them may take the lock; the others see it taken again and go back to waiting. Histories from
    // before the loop let every woken waiter in, and must replay that way.
    if (isPatched('lockOneWaiter')) while (this.locked) await condition(() => !this.locked);
    else await condition(() => !this.locked);
    this.locked = true;
    try {
      return await work();
    } finally {
      this.locked = false;
      this.poked = true;
    }
  }

  view(): HouseholdView {
    const state = this.state;
    const wake = nextWakeAt(state);
    return {
      ...state,
      nextDueAt: wake,
      highestRung: state.openTasks.reduce((max, t) => Math.max(max, t.rung), 0),
    };
  }

  /**
   * Runs an activity whose failure must not stop the household: one that cannot heal (non-retryable:
   * a row not found, data refused) is recorded on its timeline and in the admins' health view, and
   * the household goes on without its result. Transient failures keep retrying inside the activity.
   */
  async survive<T>(activityType: string, work: () => Promise<T>): Promise<T | undefined> {
    try {
      return await work();
    } catch (error) {
      const cause = permanentFailure(error);
      if (!cause || !isPatched('activityFailureReported')) throw error;
      const state = this.state;
      await acts.reportActivityFailure({
        householdId: state.householdId,
        workflowId: state.workflowId,
        key: `${state.workflowId}/${state.chainId}/failed/${++state.seq}`,
        activityType,
        message: cause.message,
        at: nowIso(),
      });
      return undefined;
    }
  }

  notify(n: Omit<NotifyInput, 'householdId'>) {
    return this.survive('notify', () => acts.notify({ ...n, householdId: this.state.householdId }));
  }

  taskInfo(t: OpenTask) {
    return { id: t.id, kindLabel: TASK_KIND_LABELS[t.kind], reason: t.reason, dueAt: t.dueAt };
  }

  cadreIds(): string[] {
    const { assistance, leader } = this.state.cadres;
    return [assistance?.id, leader?.id].filter((id): id is string => !!id);
  }

  /** One change on the household's ledger row and timeline, keyed so a retry writes it once. */
  change(
    action: string,
    extra: Partial<Parameters<typeof acts.updateHousehold>[0]> = {},
    actor = 'workflow',
  ) {
    const state = this.state;
    const key = `${state.workflowId}/${state.chainId}/e${++state.seq}`;
    return this.survive('updateHousehold', () =>
      acts.updateHousehold({
        householdId: state.householdId,
        workflowId: state.workflowId,
        key,
        actor,
        action,
        at: nowIso(),
        ...extra,
      }),
    );
  }

  /** A new task, due `dueInDays` from now, with the run's next id; not yet kept or written. */
  newTask(
    kind: TaskKind,
    assigneeId: string,
    dueInDays: number,
    reason: string,
    finding?: Finding,
  ): OpenTask {
    const state = this.state;
    state.seq += 1;
    const openedAt = nowIso();
    return {
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
  }

  /** A task's row for the ledger and its TASK_OPENED notice to the assignee. */
  taskOpening(task: OpenTask) {
    const { householdId, workflowId } = this.state;
    const { reminded: _r, rung: _g, ...row } = task;
    return {
      task: { ...row, householdId, workflowId },
      notice: {
        key: `${task.id}/opened`,
        kind: 'TASK_OPENED',
        cadreId: task.assigneeId,
        task: this.taskInfo(task),
        householdId,
      } as const,
    };
  }

  async openTask(kind: TaskKind, assigneeId: string, dueInDays: number, reason: string, finding?: Finding) {
    const state = this.state;
    const task = this.newTask(kind, assigneeId, dueInDays, reason, finding);
    state.openTasks.push(task);
    const opening = this.taskOpening(task);
    if (isPatched('oneWritePerTransition')) {
      await this.survive('openTaskNotified', () => acts.openTaskNotified(opening));
      return;
    }
    await this.survive('openTask', () => acts.openTask(opening.task));
    const { householdId: _h, ...notice } = opening.notice;
    await this.notify(notice);
  }
}
