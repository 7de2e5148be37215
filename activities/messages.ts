// The text of every notification, in Chinese, plain. One place, so that the e-mail sender and the
// web inbox say the same thing. Pure: same inputs, same message (a retried activity writes the same).

export type NotificationKind =
  | 'ASSIGNED'
  | 'TASK_OPENED'
  | 'REMINDER'
  | 'ESCALATED'
  | 'TASK_DONE'
  | 'STABLE_EXIT';

export interface MessageContext {
  household: { id: string; number: string; headName: string; village: string };
  recipientName: string;
  task?: { id: string; kindLabel: string; reason: string; dueAt: string };
  /** ESCALATED: who was responsible, since when, and which rung this is. */
  escalation?: { rung: number; rankLabel: string; responsibleName: string; overdueSince: string };
  role?: string;
  publicUrl: string;
}

export interface RenderedMessage {
  subject: string;
  text: string;
  link: string;
}

const beijing = (iso: string) =>
  new Date(iso).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false }).replace(/:\d{2}$/, '');

export function renderMessage(kind: NotificationKind, ctx: MessageContext): RenderedMessage {
  const h = ctx.household;
  const who = `${h.village} ${h.headName} 户（户编号 ${h.number}）`;
  const householdLink = `${ctx.publicUrl}/households/${encodeURIComponent(h.id)}`;
  const taskLink = ctx.task ? `${ctx.publicUrl}/tasks/${encodeURIComponent(ctx.task.id)}` : householdLink;
  const greet = `${ctx.recipientName}同志：`;
  switch (kind) {
    case 'ASSIGNED':
      return {
        subject: `【挂牌督战】您已被确定为 ${who} 的${ctx.role ?? '帮扶干部'}`,
        text: `${greet}\n按照双帮扶制，您已被确定为 ${who} 的${ctx.role ?? '帮扶干部'}。请与另一位帮扶干部共同制定“一户一策”，按时入户走访。\n${householdLink}`,
        link: householdLink,
      };
    case 'TASK_OPENED':
      return {
        subject: `【挂牌督战】新任务：${ctx.task?.kindLabel} ${who}，${beijing(ctx.task?.dueAt ?? '')} 前完成`,
        text: `${greet}\n${who} 有一项新的${ctx.task?.kindLabel}任务：${ctx.task?.reason}\n请于 ${beijing(ctx.task?.dueAt ?? '')} 前完成并录入。\n${taskLink}`,
        link: taskLink,
      };
    case 'REMINDER':
      return {
        subject: `【挂牌督战】提醒：${ctx.task?.kindLabel} ${who} 将于 ${beijing(ctx.task?.dueAt ?? '')} 到期`,
        text: `${greet}\n${who} 的${ctx.task?.kindLabel}任务（${ctx.task?.reason}）将于 ${beijing(ctx.task?.dueAt ?? '')} 到期，请按时完成。\n${taskLink}`,
        link: taskLink,
      };
    case 'ESCALATED': {
      const e = ctx.escalation;
      return {
        subject: `【挂牌督战】逾期督办（第 ${e?.rung} 级）：${ctx.task?.kindLabel} ${who}`,
        text: `${greet}\n${who} 的${ctx.task?.kindLabel}任务（${ctx.task?.reason}）自 ${beijing(e?.overdueSince ?? '')} 起逾期未完成，责任人：${e?.responsibleName}。\n按督战规定，现提请您（${e?.rankLabel}）督办，请督促尽快完成。\n${taskLink}`,
        link: taskLink,
      };
    }
    case 'TASK_DONE':
      return {
        subject: `【挂牌督战】已完成：${ctx.task?.kindLabel} ${who}`,
        text: `${greet}\n您督办的 ${who} ${ctx.task?.kindLabel}任务（${ctx.task?.reason}）已完成，督办结束。\n${taskLink}`,
        link: taskLink,
      };
    case 'STABLE_EXIT':
      return {
        subject: `【挂牌督战】${who} 已稳定脱贫，退出挂牌督战`,
        text: `${greet}\n${who} 经村级民主评议、公示、乡镇审核和县级审批，达到稳定脱贫标准，退出挂牌督战。感谢您的帮扶。\n${householdLink}`,
        link: householdLink,
      };
  }
}
