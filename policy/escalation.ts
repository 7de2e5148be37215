// The escalation ladder turned into a timetable: when, counted from the due time of an overdue
// task, each rung is notified. The workflow sleeps until the next step and stops when the task
// is done.
import type { EscalationRank, Policy } from './policy-schema.js';

export interface EscalationStep {
  /** Position on the ladder, 0 for the assignee. */
  rung: number;
  /** 'ASSIGNED' means the task's own assignee; otherwise the household's leader of that rank. */
  rank: EscalationRank;
  /** Hours after the due time at which this rung is notified (grace periods added up). */
  hoursAfterDue: number;
}

export function escalationSchedule(policy: Policy): EscalationStep[] {
  let hoursAfterDue = 0;
  return policy.escalationLadder.map((rung, index) => {
    hoursAfterDue += rung.graceHours;
    return { rung: index, rank: rung.rank, hoursAfterDue };
  });
}

/** The steps already reached when a task is `hoursOverdue` past its due time. */
export function escalationStepsReached(policy: Policy, hoursOverdue: number): EscalationStep[] {
  if (hoursOverdue < 0) {
    return [];
  }
  return escalationSchedule(policy).filter((step) => step.hoursAfterDue <= hoursOverdue);
}
