// What every channel adapter takes and answers, and the two ways a send can fail.

/** One message to one person: a notification, or several combined (see compose.ts). */
export interface ChannelMessage {
  /** The person's id on the channel: WeCom or DingTalk userid, phone number, e-mail address. */
  to: string;
  subject: string;
  /** The whole text (compose.ts: within the channel's length), its link on the last line. */
  text: string;
  /** For SMS, whose templates take short parameters instead of a text. */
  title: string;
}

/** Sent: the provider's id of the message (WeCom msgid, DingTalk task_id, SMS BizId). */
export interface ChannelSent {
  providerId: string;
}

/** What a delivery confirmed by a later query (DingTalk) learns from it. */
export type Confirmation =
  | { state: 'DELIVERED' }
  /** Accepted but dropped by the per-person limit: send again, combined, when the limit allows. */
  | { state: 'OVER_LIMIT'; detail: string; retryAfterMs?: number }
  /**
   * Not delivered because the very same content already reached the person today (DingTalk 143106):
   * for a message sent again after an attempt whose outcome was lost, that earlier attempt delivered it.
   */
  | { state: 'SAME_CONTENT_DELIVERED'; detail: string };

export interface SendOptions {
  /** The delivery's own id: the same on every attempt (SMS sends it as OutId, to look it up later). */
  key: string;
  /**
   * No request may begin after this time (ms since the epoch): the attempt has outlived its budget and
   * a retry may already be running; a send begun now could pass the retry's look-up.
   */
  deadline: number;
}

export interface ChannelAdapter {
  send(message: ChannelMessage, options: SendOptions): Promise<ChannelSent>;
  /** For channels whose send answers before delivering: throws like send, or says what became of it. */
  confirm?(providerId: string, to: string): Promise<Confirmation>;
  /**
   * For channels that do not absorb a repeated send (SMS): the send of `key` to `to` since `since`, if
   * the provider has it (an attempt that reached the provider but whose answer was lost).
   */
  findSent?(key: string, to: string, since: Date): Promise<ChannelSent | undefined>;
}

/** The error of an attempt that stopped at its deadline, before sending anything. */
export function pastDeadline(service: string): ChannelError {
  return new ChannelError(`${service}：本次尝试已超时，未再发送，稍后重试`, false);
}

/**
 * A failed send. `permanent`: the same message would be refused again (unknown user, template
 * refused, content refused) — recorded FAILED and the next channel tried. Otherwise (unreachable,
 * 5xx, rate limit, the deployment's credentials) it is retried with backoff until it works.
 */
export class ChannelError extends Error {
  override name = 'ChannelError';
  constructor(
    message: string,
    readonly permanent: boolean,
  ) {
    super(message);
  }
}

/** fetch, JSON in and out, within a deadline; unreachable, a timeout or a 5xx is retryable. */
export async function fetchJson(
  url: string,
  init: { method: 'GET' | 'POST'; body?: unknown; timeoutMs: number; service: string; deadline?: number },
): Promise<Record<string, unknown>> {
  if (init.deadline !== undefined && Date.now() >= init.deadline) throw pastDeadline(init.service);
  let response: Response;
  try {
    response = await fetch(url, {
      method: init.method,
      headers: init.body === undefined ? {} : { 'content-type': 'application/json' },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      signal: AbortSignal.timeout(init.timeoutMs),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    throw new ChannelError(`${init.service}不可达：${cause ?? (error as Error).message}`, false);
  }
  if (response.status >= 500 || response.status === 429)
    throw new ChannelError(`${init.service}暂时不可用：HTTP ${response.status}`, false);
  const body = (await response.json().catch(() => undefined)) as Record<string, unknown> | undefined;
  if (!response.ok || !body || typeof body !== 'object')
    throw new ChannelError(`${init.service}答复无法识别：HTTP ${response.status}`, false);
  return body;
}
