// A local server speaking 企业微信's documented API, as far as duzhan uses it:
// - GET /cgi-bin/gettoken?corpid=ID&corpsecret=SECRET → { errcode: 0, errmsg: 'ok', access_token, expires_in }
//   (40013 invalid corpid, 40001 invalid secret);
// - POST /cgi-bin/message/send?access_token=TOKEN { touser: 'a|b', msgtype: 'text', agentid,
//   text: { content }, safe, enable_duplicate_check, duplicate_check_interval } →
//   { errcode: 0, errmsg: 'ok', invaliduser, invalidparty, invalidtag, unlicenseduser, msgid, response_code }.
//   41001 access_token missing, 40014 invalid access_token, 42001 access_token expired, 40056 invalid
//   agentid, 44004 empty content, 45002 content over 2,048 bytes, 81013 every recipient invalid
//   (some invalid: errcode 0 with them in invaliduser), 45009 the API's call limit (injected).
// - Per member and app, past 30 messages a minute WeCom drops them: answered ok, never delivered.
// - enable_duplicate_check: the same request within the interval is answered ok and not delivered again.
import { randomUUID } from 'node:crypto';
import { type JsonAnswer, JsonServer } from './json-server.js';

export interface WecomDelivered {
  touser: string;
  content: string;
  msgid: string;
}

export class FakeWecom extends JsonServer {
  readonly corpId = 'ww-fake-corp';
  readonly secret = 'fake-secret-not-real';
  readonly agentId = 1000002;
  /** Userids of the corp's members who may receive the app's messages. */
  readonly members = new Set<string>();
  /** What members received (a dropped or duplicate message is not here). */
  readonly delivered: WecomDelivered[] = [];
  /** Messages WeCom accepted and dropped (past the per-member limit). */
  readonly dropped: WecomDelivered[] = [];
  tokensIssued = 0;
  /** Seconds a token lives (7,200 on the service). */
  tokenLifetimeSeconds = 7200;
  /** Per member per minute (30 on the service), and the window, shortened by tests. */
  perMemberLimit = { max: 30, windowMs: 60_000 };
  /** Answers to give the next sends instead of handling them (e.g. 45009, or HTTP 503). */
  readonly nextSendAnswers: JsonAnswer[] = [];
  private readonly tokens = new Map<string, number>();
  private readonly recentPerMember = new Map<string, number[]>();
  private readonly recentRequests = new Map<string, number>();

  constructor() {
    super((request) => {
      if (request.method === 'GET' && request.path === '/cgi-bin/gettoken')
        return this.getToken(request.query);
      if (request.method === 'POST' && request.path === '/cgi-bin/message/send')
        return this.send(request.query, request.body, request.rawBody);
      return { status: 404, json: { errcode: 404, errmsg: 'not found' } };
    });
  }

  /** Every token issued so far expires now (as after 7,200 s). */
  expireTokens(): void {
    for (const token of this.tokens.keys()) this.tokens.set(token, 0);
  }

  received(touser: string): WecomDelivered[] {
    return this.delivered.filter((d) => d.touser === touser);
  }

  private getToken(query: URLSearchParams): JsonAnswer {
    if (query.get('corpid') !== this.corpId) return { json: { errcode: 40013, errmsg: 'invalid corpid' } };
    if (query.get('corpsecret') !== this.secret)
      return { json: { errcode: 40001, errmsg: 'invalid secret' } };
    const token = randomUUID().replace(/-/g, '');
    this.tokens.set(token, Date.now() + this.tokenLifetimeSeconds * 1000);
    this.tokensIssued++;
    return { json: { errcode: 0, errmsg: 'ok', access_token: token, expires_in: this.tokenLifetimeSeconds } };
  }

  private send(query: URLSearchParams, body: unknown, raw: string): JsonAnswer {
    const token = query.get('access_token');
    if (!token) return { json: { errcode: 41001, errmsg: 'access_token missing' } };
    const expiresAt = this.tokens.get(token);
    if (expiresAt === undefined) return { json: { errcode: 40014, errmsg: 'invalid access_token' } };
    if (expiresAt <= Date.now()) return { json: { errcode: 42001, errmsg: 'access_token expired' } };
    const injected = this.nextSendAnswers.shift();
    if (injected) return injected;
    const message = (body ?? {}) as {
      touser?: string;
      msgtype?: string;
      agentid?: number;
      text?: { content?: string };
      enable_duplicate_check?: number;
      duplicate_check_interval?: number;
    };
    if (message.agentid !== this.agentId) return { json: { errcode: 40056, errmsg: 'invalid agentid' } };
    if (message.msgtype !== 'text') return { json: { errcode: 40008, errmsg: 'invalid message type' } };
    const content = message.text?.content ?? '';
    if (!content) return { json: { errcode: 44004, errmsg: 'empty content' } };
    if (Buffer.byteLength(content) > 2048)
      return { json: { errcode: 45002, errmsg: 'content size out of limit' } };
    const users = (message.touser ?? '').split('|').filter(Boolean);
    const valid = users.filter((u) => this.members.has(u));
    const invalid = users.filter((u) => !this.members.has(u));
    if (valid.length === 0) return { json: { errcode: 81013, errmsg: 'user & party & tag all invalid' } };
    const msgid = randomUUID().replace(/-/g, '');
    const interval = (message.duplicate_check_interval ?? 1800) * 1000;
    const duplicate =
      message.enable_duplicate_check === 1 && (this.recentRequests.get(raw) ?? 0) > Date.now() - interval;
    this.recentRequests.set(raw, Date.now());
    if (!duplicate) {
      for (const touser of valid) {
        const now = Date.now();
        const recent = (this.recentPerMember.get(touser) ?? []).filter(
          (t) => t > now - this.perMemberLimit.windowMs,
        );
        const entry = { touser, content, msgid };
        if (recent.length >= this.perMemberLimit.max) this.dropped.push(entry);
        else {
          recent.push(now);
          this.delivered.push(entry);
        }
        this.recentPerMember.set(touser, recent);
      }
    }
    return {
      json: {
        errcode: 0,
        errmsg: 'ok',
        invaliduser: invalid.join('|'),
        invalidparty: '',
        invalidtag: '',
        unlicenseduser: '',
        msgid,
        response_code: '',
      },
    };
  }
}
