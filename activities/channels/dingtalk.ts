// 钉钉 work notices (工作通知): GET /gettoken?appkey&appsecret, then
// POST /topapi/message/corpconversation/asyncsend_v2?access_token= { agent_id, userid_list, msg }
// answers a task_id, and POST /topapi/message/corpconversation/getsendresult { agent_id, task_id }
// says what became of it. The send is asynchronous: a send past a per-person limit (the same
// content twice a day, too many a day) is answered with success and never delivered; only the
// result shows it (forbidden_user_id_list / forbidden_list). So delivery is confirmed by the result.
import type { DingtalkSettings } from '../../config/channels.js';
import { AccessTokenCache } from './access-token.js';
import { type ChannelAdapter, ChannelError, type Confirmation, fetchJson } from './types.js';

const SERVICE = '钉钉';
const TIMEOUT_MS = 20_000;
const TOKEN_REFUSED = new Set([40014, 42001, 41001]);
/** Busy (-1), call-rate limits (143103, 143104, 90018), OAPI protection (1430003): retried. */
const RETRYABLE = new Set([-1, 143103, 143104, 90018, 1430003, 40089]);
/** Per-person limits of the result's forbidden_list: 143105/143205 per day, 143106/143206 the same content. */
const OVER_LIMIT = new Set(['143105', '143106', '143205', '143206']);
/** "The same content to one person once a day": the person already has this very text. */
const SAME_CONTENT = new Set(['143106', '143206']);

interface SendResult {
  invalid_user_id_list?: string[];
  forbidden_user_id_list?: string[];
  failed_user_id_list?: string[];
  read_user_id_list?: string[];
  unread_user_id_list?: string[];
  forbidden_list?: Array<{ code?: string; count?: number; userid?: string }>;
}

const has = (list: string[] | undefined, userId: string) => (list ?? []).includes(userId);

export function createDingtalkAdapter(settings: DingtalkSettings): ChannelAdapter {
  const tokens = new AccessTokenCache(async () => {
    const url = `${settings.baseUrl}/gettoken?appkey=${encodeURIComponent(settings.appKey)}&appsecret=${encodeURIComponent(settings.appSecret)}`;
    const body = await fetchJson(url, { method: 'GET', timeoutMs: TIMEOUT_MS, service: SERVICE });
    if (body.errcode !== 0 || typeof body.access_token !== 'string')
      throw new ChannelError(`${SERVICE}获取 access_token 失败：${body.errcode} ${body.errmsg ?? ''}`, false);
    return { token: body.access_token, expiresInSeconds: Number(body.expires_in ?? 7200) };
  });

  /** One call with the cached token; once more with a new one if the token was refused. */
  async function call(path: string, body: unknown, deadline?: number): Promise<Record<string, unknown>> {
    for (let attempt = 1; ; attempt++) {
      const token = await tokens.get();
      const answer = await fetchJson(`${settings.baseUrl}${path}?access_token=${encodeURIComponent(token)}`, {
        method: 'POST',
        body,
        timeoutMs: TIMEOUT_MS,
        service: SERVICE,
        deadline,
      });
      const errcode = Number(answer.errcode);
      if (errcode === 0) return answer;
      if (TOKEN_REFUSED.has(errcode)) {
        tokens.invalidate(token);
        if (attempt < 2) continue;
      }
      const permanent = !RETRYABLE.has(errcode) && !TOKEN_REFUSED.has(errcode);
      throw new ChannelError(`${SERVICE}拒绝：${errcode} ${answer.errmsg ?? ''}`.trim(), permanent);
    }
  }

  return {
    async send(message, { deadline }) {
      const answer = await call(
        '/topapi/message/corpconversation/asyncsend_v2',
        {
          agent_id: settings.agentId,
          userid_list: message.to,
          msg: { msgtype: 'text', text: { content: message.text } },
        },
        deadline,
      );
      if (answer.task_id === undefined || answer.task_id === null)
        throw new ChannelError(`${SERVICE}答复中没有 task_id`, false);
      return { providerId: String(answer.task_id) };
    },

    async confirm(providerId, userId): Promise<Confirmation> {
      const answer = await call('/topapi/message/corpconversation/getsendresult', {
        agent_id: settings.agentId,
        task_id: Number(providerId),
      });
      const result = (answer.send_result ?? {}) as SendResult;
      if (has(result.read_user_id_list, userId) || has(result.unread_user_id_list, userId))
        return { state: 'DELIVERED' };
      if (has(result.invalid_user_id_list, userId))
        throw new ChannelError(`${SERVICE}无此用户：${userId}`, true);
      if (has(result.failed_user_id_list, userId))
        throw new ChannelError(`${SERVICE}发送失败：${userId}`, true);
      const forbidden = (result.forbidden_list ?? []).find((f) => f.userid === userId);
      if (forbidden || has(result.forbidden_user_id_list, userId)) {
        const code = forbidden?.code ?? '';
        const detail = `${SERVICE}流控：${code || 'forbidden'}${forbidden?.count ? `（阈值 ${forbidden.count}）` : ''}`;
        // The same content already delivered today: for a message sent again after an attempt whose
        // answer was lost, that attempt delivered it (the delivery decides, delivery.ts).
        if (SAME_CONTENT.has(code)) return { state: 'SAME_CONTENT_DELIVERED', detail };
        // Per person per day: not delivered; sent again, combined, once the cadre's limit allows. A
        // per-minute rate limit: again in a minute.
        return OVER_LIMIT.has(code) || code === ''
          ? { state: 'OVER_LIMIT', detail }
          : { state: 'OVER_LIMIT', detail, retryAfterMs: 60_000 };
      }
      // In none of the lists yet: the asynchronous send is still running.
      throw new ChannelError(`${SERVICE}尚未给出发送结果（task_id ${providerId}）`, false);
    },
  };
}
