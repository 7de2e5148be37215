// The words of every notification, in Chinese, from the nunjucks templates in templates/email/:
// one template per kind (ASSIGNED.njk …) on two shared layouts. One place, so that the e-mail, the
// outbox row and the web inbox say the same thing.
//
// - renderMessage / renderLeaderDigest / renderSupervisorDigest: the plain text (layout.txt.njk),
//   rendered once when the notification is written; the row keeps subject, text and link. Pure:
//   same inputs, same message (a retried activity writes the same).
// - renderEmailHtml: the HTML part (layout.html.njk), rendered from the row when it is sent: its
//   subject and link and its payload, the structured fields the text was written from, so the two
//   parts say the same words. Autoescaped, and never built by re-reading the text: a name or reason
//   typed by people can neither inject markup nor pass a line of its own off as a link.
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
  'IDENTIFICATION_REFUSED',
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

/** A value that JSON (and a Json column) holds as it is. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
/** The structured fields of a message: its template's context, kept on the row for the HTML part. */
export type EmailPayload = { [key: string]: JsonValue };

export interface RenderedMessage {
  subject: string;
  text: string;
  link: string;
  /** Stored as Notification.payload; renderEmailHtml renders the HTML part from it. */
  payload: EmailPayload;
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
  // `{% filter lines %}…{% endfilter %}`: the block's output, already escaped, one line per <br>.
  env.addFilter('lines', (escaped: string) =>
    autoescape ? new nunjucks.runtime.SafeString(String(escaped).trim().split('\n').join('<br>\n')) : escaped,
  );
  return env;
}
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it removes
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g;

let textEnv: nunjucks.Environment | undefined;
let htmlEnv: nunjucks.Environment | undefined;

/**
 * Renders a kind's template on the text layout: its first line is the subject, the rest the text.
 * The context itself, as JSON, is the payload the HTML part is rendered from when the row is sent.
 */
function renderText(
  kind: NotificationKind,
  context: Record<string, unknown>,
): { subject: string; text: string; payload: EmailPayload } {
  textEnv ??= environment(false);
  // Plain data (undefined dropped), and every value one line: a name typed with a line break
  // cannot start a line of its own in the message, let alone pass for one of its list items.
  const payload = JSON.parse(JSON.stringify(context), (_key, value: unknown) =>
    typeof value === 'string' ? value.replace(CONTROL_CHARACTERS, ' ') : value,
  ) as EmailPayload;
  const output = textEnv.render(`${kind}.njk`, { ...payload, layout: 'layout.txt.njk' }).trim();
  const newline = output.indexOf('\n');
  return { subject: output.slice(0, newline).trim(), text: output.slice(newline + 1), payload };
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
    kind === 'IDENTIFICATION_REFUSED' ||
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

/**
 * The HTML part of the e-mail for an outbox row: the kind's template on the HTML layout, with the
 * row's payload (the structured fields its text was written from), subject and link. Links come
 * only from those fields, made by the system (the row's link, a digest line's task link). A row
 * without a payload shows its text as plain lines.
 */
export function renderEmailHtml(row: {
  kind: string;
  subject: string;
  text: string;
  link: string;
  payload?: unknown;
}): string {
  htmlEnv ??= environment(true);
  const known = (
    [...HOUSEHOLD_NOTIFICATION_KINDS, 'DIGEST_LEADER', 'DIGEST_SUPERVISOR'] as string[]
  ).includes(row.kind);
  const payload = isPlainObject(row.payload) ? row.payload : undefined;
  // A kind without a template of its own gets the layout's neutral heading and button.
  return htmlEnv.render(known ? `${row.kind}.njk` : 'layout.html.njk', {
    ...(known && payload ? payload : { plainText: row.text }),
    layout: 'layout.html.njk',
    subject: row.subject,
    link: row.link,
  });
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
