// 企业微信 application messages (发送应用消息): GET /cgi-bin/gettoken?corpid&corpsecret, then
// POST /cgi-bin/message/send?access_token= { touser, msgtype: 'text', agentid, text: { content } }.
// Only the base URL differs between the service and the tests' local server.
import type { WecomSettings } from '../../config/channels.js';
import { AccessTokenCache } from './access-token.js';
import { type ChannelAdapter, ChannelError, type ChannelMessage, fetchJson } from './types.js';

const SERVICE = '企业微信';
const TIMEOUT_MS = 20_000;

/** The token was refused (invalid, expired, missing): fetch a new one and send again. */
const TOKEN_REFUSED = new Set([40014, 42001, 41001]);
/**
 * Worth retrying: the service busy (-1), the API's rate limits (45009 calls over the limit, 45033
 * too many at once) and the deployment's own settings (40001 secret, 40013 corp id, 40056 agent id,
 * 60020 the server's IP not trusted, 301002 no permission on the app): like SMTP's AUTH, an
 * administrator's to fix, and the messages go out once they are.
 */
const RETRYABLE = new Set([-1, 45009, 45033, 40001, 40013, 40056, 60020, 301002]);

export function wecomErrorIsPermanent(errcode: number): boolean {
  return !RETRYABLE.has(errcode) && !TOKEN_REFUSED.has(errcode);
}

export function createWecomAdapter(settings: WecomSettings): ChannelAdapter {
  const tokens = new AccessTokenCache(async () => {
    const url = `${settings.baseUrl}/cgi-bin/gettoken?corpid=${encodeURIComponent(settings.corpId)}&corpsecret=${encodeURIComponent(settings.secret)}`;
    const body = await fetchJson(url, { method: 'GET', timeoutMs: TIMEOUT_MS, service: SERVICE });
    if (body.errcode !== 0 || typeof body.access_token !== 'string')
      // Never the URL: it carries the secret.
      throw new ChannelError(`${SERVICE}获取 access_token 失败：${body.errcode} ${body.errmsg ?? ''}`, false);
    return { token: body.access_token, expiresInSeconds: Number(body.expires_in ?? 7200) };
  });

  async function post(message: ChannelMessage, token: string, deadline: number) {
    return fetchJson(`${settings.baseUrl}/cgi-bin/message/send?access_token=${encodeURIComponent(token)}`, {
      method: 'POST',
      timeoutMs: TIMEOUT_MS,
      service: SERVICE,
      deadline,
      body: {
        touser: message.to,
        msgtype: 'text',
        agentid: settings.agentId,
        text: { content: message.text },
        safe: 0,
        // The same request again within 30 minutes is not delivered twice: a send retried after a
        // worker died between WeCom's answer and our record of it (the delivery sends the very same
        // message again, delivery.ts) reaches the cadre once.
        enable_duplicate_check: 1,
        duplicate_check_interval: 1800,
      },
    });
  }

  return {
    async send(message, { deadline }) {
      let token = await tokens.get();
      let body = await post(message, token, deadline);
      if (TOKEN_REFUSED.has(Number(body.errcode))) {
        tokens.invalidate(token);
        token = await tokens.get();
        body = await post(message, token, deadline);
      }
      const errcode = Number(body.errcode);
      if (errcode !== 0) {
        if (TOKEN_REFUSED.has(errcode)) tokens.invalidate(token);
        throw new ChannelError(
          `${SERVICE}拒绝：${errcode} ${body.errmsg ?? ''}`.trim(),
          wecomErrorIsPermanent(errcode),
        );
      }
      // Some of the recipients unknown or without a licence: the call succeeds and names them.
      const refused = [body.invaliduser, body.unlicenseduser]
        .filter((v): v is string => typeof v === 'string')
        .flatMap((v) => v.split('|'))
        .map((v) => v.toLowerCase());
      if (refused.includes(message.to.toLowerCase()))
        throw new ChannelError(`${SERVICE}无此成员或该成员无权限：${message.to}`, true);
      return { providerId: String(body.msgid ?? '') };
    },
  };
}
