// The words of every notification, in Chinese, from the nunjucks templates in templates/email/:
// one template per kind (ASSIGNED.njk …) on two shared layouts. One place, so that the e-mail, the
// outbox row and the web inbox say the same thing.
//
// - renderMessage / renderLeaderDigest / renderSupervisorDigest: the plain text (layout.txt.njk),
//   rendered once when the notification is written; the row keeps subject, text and link. Pure:
//   same inputs, same message (a retried activity writes the same).
// - renderEmailHtml: the HTML part (layout.html.njk), rendered from the row when it is sent, so
//   that what was sent is exactly what the outbox says. Autoescaped: names and reasons typed by
//   people cannot inject markup.
import { fileURLToPath } from 'node:url';
import nunjucks from 'nunjucks';

export const HOUSEHOLD_NOTIFICATION_KINDS = [
  'ASSIGNED',
  'TASK_OPENED',
  'REMINDER',
  'ESCALATED',
  'TASK_DONE',
  'STABLE_EXIT',
  'CLOSING_STEP_STARTED',
  'CLOSING_STEP_OVERDUE',
] as const;
export type HouseholdNotificationKind = (typeof HOUSEHOLD_NOTIFICATION_KINDS)[number];
export type DigestKind = 'DIGEST_LEADER' | 'DIGEST_SUPERVISOR';
/** The workflow's kinds (HouseholdNotificationKind, the `notify` activity's input) and the digests. */
export type NotificationKind = HouseholdNotificationKind | DigestKind;

export const DEFAULT_TIME_ZONE = 'Asia/Shanghai';

export interface MessageContext {
  household: { id: string; number: string; headName: string; village: string };
  recipientName: string;
  task?: { id: string; kindLabel: string; reason: string; dueAt: string };
  /** ESCALATED: who was responsible, since when, and which rung this is. */
  escalation?: { rung: number; rankLabel: string; responsibleName: string; overdueSince: string };
  role?: string;
  /** CLOSING_STEP_STARTED / CLOSING_STEP_OVERDUE: the step, its deadline ('' for none), and for an
   * overdue notice which of its rungs this is (1 = the step's own approvers). */
  closing?: ClosingNotice;
  publicUrl: string;
  /** Dates are written in this time zone (default Asia/Shanghai). */
  timeZone?: string;
}

export interface ClosingNotice {
  stepLabel: string;
  startedAt: string;
  deadline: string;
  overdueRung: number;
}

export interface RenderedMessage {
  subject: string;
  text: string;
  link: string;
}

const TEMPLATES_DIR = fileURLToPath(new URL('../templates/email/', import.meta.url));

/** `2024/5/1 08:30`: the local date and time, to the minute. */
export function localTime(iso: string, timeZone: string = DEFAULT_TIME_ZONE): string {
  return new Date(iso).toLocaleString('zh-CN', { timeZone, hour12: false }).replace(/:\d{2}$/, '');
}

// Two environments, each with a loader of its own: nunjucks caches compiled templates on the
// loader, and a template compiled without autoescape must never serve the HTML environment.
function environment(autoescape: boolean): nunjucks.Environment {
  const env = new nunjucks.Environment(new nunjucks.FileSystemLoader(TEMPLATES_DIR), {
    autoescape,
    throwOnUndefined: true,
  });
  env.addFilter('localTime', (iso: string, timeZone?: string) => localTime(iso, timeZone));
  return env;
}
let textEnv: nunjucks.Environment | undefined;
let htmlEnv: nunjucks.Environment | undefined;

/** Renders a kind's template on the text layout: its first line is the subject, the rest the text. */
function renderText(
  kind: NotificationKind,
  context: Record<string, unknown>,
): { subject: string; text: string } {
  textEnv ??= environment(false);
  const output = textEnv.render(`${kind}.njk`, { ...context, layout: 'layout.txt.njk' }).trim();
  const newline = output.indexOf('\n');
  return { subject: output.slice(0, newline).trim(), text: output.slice(newline + 1) };
}

export function householdLink(publicUrl: string, householdId: string): string {
  return `${publicUrl}/households/${encodeURIComponent(householdId)}`;
}

export function taskLink(publicUrl: string, taskId: string): string {
  return `${publicUrl}/tasks/${encodeURIComponent(taskId)}`;
}

/** `测试村 王二 户（户编号 H001）`: how every message names a household. */
export function householdName(h: { number: string; headName: string; village: string }): string {
  return `${h.village} ${h.headName} 户（户编号 ${h.number}）`;
}

/** A notification of the household workflow (the `notify` activity). */
export function renderMessage(kind: HouseholdNotificationKind, ctx: MessageContext): RenderedMessage {
  // The closing steps are decided on the household's page.
  const toHousehold =
    kind === 'ASSIGNED' ||
    kind === 'STABLE_EXIT' ||
    kind === 'CLOSING_STEP_STARTED' ||
    kind === 'CLOSING_STEP_OVERDUE' ||
    !ctx.task;
  const link = toHousehold
    ? householdLink(ctx.publicUrl, ctx.household.id)
    : taskLink(ctx.publicUrl, ctx.task?.id ?? '');
  return {
    ...renderText(kind, { ...ctx, timeZone: ctx.timeZone ?? DEFAULT_TIME_ZONE, link }),
    link,
  };
}

/** A task line of a digest. */
export interface DigestTask {
  /** The household, as householdName writes it. */
  who: string;
  kindLabel: string;
  reason: string;
  dueAt: string;
  /** Highest rung of the ladder reached, 0 for none. */
  rung: number;
  link: string;
}

export interface LeaderDigestContext {
  recipientName: string;
  /** The local date, yyyy-mm-dd, and the moment the digest was made. */
  day: string;
  at: string;
  overdue: DigestTask[];
  dueToday: DigestTask[];
  publicUrl: string;
  timeZone: string;
}

/** The morning digest of a cadre: tasks overdue and due today; links to the cadre's task list. */
export function renderLeaderDigest(ctx: LeaderDigestContext): RenderedMessage {
  const link = `${ctx.publicUrl}/tasks`;
  return { ...renderText('DIGEST_LEADER', { ...ctx, link }), link };
}

export interface DigestEscalation {
  who: string;
  kindLabel: string;
  reason: string;
  overdueSince: string;
  responsibleName: string;
  rung: number;
  rankLabel: string;
  leaderName: string;
  link: string;
}

export interface SupervisorDigestContext {
  recipientName: string;
  day: string;
  at: string;
  escalations: DigestEscalation[];
  publicUrl: string;
  timeZone: string;
}

/** The morning digest of the 督战 leadership: every open escalation; links to the supervisors' board. */
export function renderSupervisorDigest(ctx: SupervisorDigestContext): RenderedMessage {
  const link = `${ctx.publicUrl}/board`;
  return { ...renderText('DIGEST_SUPERVISOR', { ...ctx, link }), link };
}

export type HtmlBlock = { text: string } | { items: Array<{ text: string; href?: string }> };

const TRAILING_URL = /\s+(https?:\/\/\S+)$/;

/**
 * The message's text as HTML blocks: the greeting apart, lines starting with "· " gathered into
 * lists (a trailing URL becomes the item's link), other lines paragraphs, the final link dropped
 * (the layout shows it as the button).
 */
export function htmlBlocks(text: string, link: string): { greeting: string; blocks: HtmlBlock[] } {
  const lines = text.split('\n').map((line) => line.trim());
  if (lines.at(-1) === link) lines.pop();
  const greeting = lines[0]?.endsWith('同志：') ? (lines.shift() ?? '') : '';
  const blocks: HtmlBlock[] = [];
  for (const line of lines) {
    if (!line) continue;
    if (line.startsWith('· ')) {
      const match = TRAILING_URL.exec(line);
      const item = match?.[1]
        ? { text: line.slice(2, match.index), href: match[1] }
        : { text: line.slice(2) };
      const last = blocks.at(-1);
      if (last && 'items' in last) last.items.push(item);
      else blocks.push({ items: [item] });
    } else {
      blocks.push({ text: line });
    }
  }
  return { greeting, blocks };
}

/** The HTML part of the e-mail for an outbox row. */
export function renderEmailHtml(row: { kind: string; subject: string; text: string; link: string }): string {
  htmlEnv ??= environment(true);
  const known = (
    [...HOUSEHOLD_NOTIFICATION_KINDS, 'DIGEST_LEADER', 'DIGEST_SUPERVISOR'] as string[]
  ).includes(row.kind);
  // A kind without a template of its own gets the layout's neutral heading and button.
  return htmlEnv.render(known ? `${row.kind}.njk` : 'layout.html.njk', {
    layout: 'layout.html.njk',
    subject: row.subject,
    link: row.link,
    ...htmlBlocks(row.text, row.link),
  });
}
