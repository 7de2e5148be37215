import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatText, smsTitle } from '../../activities/channels/compose.js';
import { createDingtalkAdapter } from '../../activities/channels/dingtalk.js';
import { createAliyunSmsAdapter, sendDates } from '../../activities/channels/sms-aliyun.js';
import type { ChannelMessage, SendOptions } from '../../activities/channels/types.js';
import { ChannelError } from '../../activities/channels/types.js';
import { createWecomAdapter } from '../../activities/channels/wecom.js';
import { loadChannelSettings } from '../../config/channels.js';
import { ConfigError } from '../../config/env.js';
import { freePort } from '../../stack/ports.js';
import { FakeAliyunSms } from '../helpers/fake-services/fake-aliyun-sms.js';
import { FakeDingtalk } from '../helpers/fake-services/fake-dingtalk.js';
import { FakeWecom } from '../helpers/fake-services/fake-wecom.js';

// The real adapters, unchanged but for the base URL, against local servers that speak each
// service's documented requests and answers (test/helpers/fake-services/).

const message = (to: string, n: number): ChannelMessage => ({
  to,
  subject: `【挂牌督战】逾期督办（第 2 级）：入户走访 王二 户 #${n}`,
  text: `【挂牌督战】逾期督办（第 2 级）：入户走访 王二 户 #${n}\n自 2030/3/14 起逾期未完成\nhttp://duzhan.test/tasks/t${n}`,
  title: `逾期督办（第 2 级）：入户走访 王二 户 #${n}`,
});

/** What the delivery passes each send: its id (SMS: OutId), and no deadline passed. */
const sendOptions = (n: number): SendOptions => ({
  key: `notification-${n}/CHANNEL`,
  deadline: Date.now() + 60_000,
});

/** The ChannelError a call failed with (failing the test if it did not fail so). */
async function failure(call: Promise<unknown>): Promise<ChannelError> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ChannelError);
  return error as ChannelError;
}

describe('企业微信 adapter against a server speaking its API', () => {
  const wecom = new FakeWecom();
  beforeAll(() => wecom.start());
  afterAll(() => wecom.stop());
  const adapter = () =>
    createWecomAdapter({
      corpId: wecom.corpId,
      secret: wecom.secret,
      agentId: wecom.agentId,
      baseUrl: wecom.url,
    });

  it('sends a text app message to the member, fetching the token once for several sends', async () => {
    wecom.members.add('zhangsan');
    const a = adapter();
    const first = await a.send(message('zhangsan', 1), sendOptions(1));
    await a.send(message('zhangsan', 2), sendOptions(2));
    expect(wecom.tokensIssued).toBe(1);
    expect(wecom.received('zhangsan').map((d) => d.content)).toEqual([
      message('zhangsan', 1).text,
      message('zhangsan', 2).text,
    ]);
    expect(first.providerId).toBe(wecom.received('zhangsan')[0]?.msgid);
  });

  it('fetches a new token when the service says it expired (42001) or is invalid (40014), and sends', async () => {
    const a = adapter();
    const issued = wecom.tokensIssued;
    await a.send(message('zhangsan', 3), sendOptions(3));
    wecom.expireTokens();
    await a.send(message('zhangsan', 4), sendOptions(4));
    expect(wecom.tokensIssued).toBe(issued + 2);
    expect(wecom.received('zhangsan').at(-1)?.content).toContain('#4');
  });

  it('renews a token before its expires_in runs out', async () => {
    wecom.tokenLifetimeSeconds = 1;
    try {
      const a = adapter();
      const issued = wecom.tokensIssued;
      await a.send(message('zhangsan', 5), sendOptions(5));
      await new Promise((r) => setTimeout(r, 1_000));
      await a.send(message('zhangsan', 6), sendOptions(6));
      expect(wecom.tokensIssued).toBe(issued + 2);
    } finally {
      wecom.tokenLifetimeSeconds = 7200;
    }
  });

  it('retries the rate limit (45009), a 5xx and an unreachable service; refuses an unknown member for good (81013)', async () => {
    const a = adapter();
    wecom.nextSendAnswers.push({ json: { errcode: 45009, errmsg: 'api freq out of limit' } });
    expect((await failure(a.send(message('zhangsan', 7), sendOptions(7)))).permanent).toBe(false);
    wecom.nextSendAnswers.push({ status: 503, json: {} });
    expect((await failure(a.send(message('zhangsan', 8), sendOptions(8)))).permanent).toBe(false);
    const refused = await failure(a.send(message('nobody', 9), sendOptions(9)));
    expect(refused.permanent).toBe(true);
    expect(refused.message).toContain('81013');
    const gone = createWecomAdapter({
      corpId: wecom.corpId,
      secret: wecom.secret,
      agentId: wecom.agentId,
      baseUrl: `http://127.0.0.1:${await freePort()}`,
    });
    const unreachable = await failure(gone.send(message('zhangsan', 10), sendOptions(10)));
    expect(unreachable.permanent).toBe(false);
    expect(unreachable.message).toContain('ECONNREFUSED');
    expect(unreachable.message).not.toContain(wecom.secret);
  });

  it('begins no send past the attempt’s deadline, and the same request again is delivered once', async () => {
    const a = adapter();
    const before = wecom.received('zhangsan').length;
    const late = await failure(a.send(message('zhangsan', 11), { key: 'k/WECOM', deadline: Date.now() - 1 }));
    expect(late.permanent).toBe(false);
    await a.send(message('zhangsan', 12), sendOptions(12));
    await a.send(message('zhangsan', 12), sendOptions(12)); // enable_duplicate_check
    expect(wecom.received('zhangsan').length - before).toBe(1);
  });
});

describe('钉钉 adapter against a server speaking its work-notice API', () => {
  const dingtalk = new FakeDingtalk();
  beforeAll(() => dingtalk.start());
  afterAll(() => dingtalk.stop());
  const adapter = () =>
    createDingtalkAdapter({
      appKey: dingtalk.appKey,
      appSecret: dingtalk.appSecret,
      agentId: dingtalk.agentId,
      baseUrl: dingtalk.url,
    });

  it('sends, then confirms delivery by the send result (not yet known: retried)', async () => {
    dingtalk.users.add('lisi');
    dingtalk.pendingQueriesPerTask = 1;
    const a = adapter();
    const { providerId } = await a.send(message('lisi', 1), sendOptions(1));
    expect((await failure(a.confirm?.(providerId, 'lisi') ?? Promise.resolve())).permanent).toBe(false);
    expect(await a.confirm?.(providerId, 'lisi')).toEqual({ state: 'DELIVERED' });
    expect(dingtalk.received('lisi')).toHaveLength(1);
    dingtalk.pendingQueriesPerTask = 0;
  });

  it('an over-limit send is answered success but the result shows it undelivered', async () => {
    const a = adapter();
    // The same content to the same person again the same day (143106), then past the daily count (143105).
    const again = await a.send(message('lisi', 1), sendOptions(1));
    expect(await a.confirm?.(again.providerId, 'lisi')).toMatchObject({
      state: 'SAME_CONTENT_DELIVERED',
      detail: expect.stringContaining('143106'),
    });
    dingtalk.perUserPerDay = 1;
    const past = await a.send(message('lisi', 2), sendOptions(2));
    expect(await a.confirm?.(past.providerId, 'lisi')).toMatchObject({
      state: 'OVER_LIMIT',
      detail: expect.stringContaining('143105'),
    });
    expect(dingtalk.received('lisi')).toHaveLength(1);
    dingtalk.perUserPerDay = 500;
  });

  it('refuses an unknown user for good, retries a busy service, and renews an expired token', async () => {
    const a = adapter();
    const sent = await a.send(message('ghost', 1), sendOptions(1));
    expect((await failure(a.confirm?.(sent.providerId, 'ghost') ?? Promise.resolve())).permanent).toBe(true);
    dingtalk.nextSendAnswers.push({ json: { errcode: -1, errmsg: '系统繁忙' } });
    expect((await failure(a.send(message('lisi', 3), sendOptions(3)))).permanent).toBe(false);
    const issued = dingtalk.tokensIssued;
    dingtalk.expireTokens();
    const renewed = await a.send(message('lisi', 4), sendOptions(4));
    expect(await a.confirm?.(renewed.providerId, 'lisi')).toEqual({ state: 'DELIVERED' });
    expect(dingtalk.tokensIssued).toBe(issued + 1);
  });
});

describe('Alibaba Cloud SMS: the official SDK pointed at a server speaking SendSms', () => {
  const sms = new FakeAliyunSms();
  beforeAll(() => sms.start());
  afterAll(() => sms.stop());
  const adapter = (overrides: { templateCode?: string; accessKeySecret?: string } = {}) =>
    createAliyunSmsAdapter({
      accessKeyId: sms.accessKeyId,
      accessKeySecret: overrides.accessKeySecret ?? sms.accessKeySecret,
      signName: sms.signName,
      templateCode: overrides.templateCode ?? sms.templateCode,
      endpoint: sms.endpoint,
      protocol: 'http',
      maxParamLength: 35,
    });

  it('sends with the approved signature, template code and parameter; answers the BizId', async () => {
    const { providerId } = await adapter().send(message('13800138000', 1), sendOptions(1));
    expect(sms.sent).toEqual([
      {
        phone: '13800138000',
        signName: sms.signName,
        templateCode: sms.templateCode,
        params: { title: message('', 1).title },
        bizId: providerId,
        outId: sendOptions(1).key,
        sendDate: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/),
      },
    ]);
  });

  it('finds a send by its OutId in the day’s QuerySendDetails (signed like SendSms), and only that one', async () => {
    const since = new Date(Date.now() - 60_000);
    expect(await adapter().findSent?.(sendOptions(1).key, '13800138000', since)).toEqual({
      providerId: `OutId:${sendOptions(1).key}`,
    });
    expect(await adapter().findSent?.(sendOptions(2).key, '13800138000', since)).toBeUndefined();
    expect(await adapter().findSent?.(sendOptions(1).key, '13900000000', since)).toBeUndefined();
    const badKey = await failure(
      adapter({ accessKeySecret: 'wrong' }).findSent?.(sendOptions(1).key, '13800138000', since) ??
        Promise.resolve(),
    );
    expect(badKey).toMatchObject({
      permanent: false,
      message: expect.stringContaining('SignatureDoesNotMatch'),
    });
    // SendDate is the day in China Standard Time: a look-up from 23:59 there covers the next day too.
    expect(sendDates(new Date('2026-11-29T15:59:00Z'), new Date('2026-11-30T03:00:00Z'))).toEqual([
      '20261129',
      '20261130',
    ]);
    expect(sendDates(new Date('2026-11-30T01:00:00Z'), new Date('2026-11-30T03:00:00Z'))).toEqual([
      '20261130',
    ]);
  });

  it('begins no send past the attempt’s deadline', async () => {
    const late = await failure(
      adapter().send(message('13800138000', 6), { key: 'late/SMS', deadline: Date.now() - 1 }),
    );
    expect(late.permanent).toBe(false);
    expect(sms.sent.filter((s) => s.outId === 'late/SMS')).toHaveLength(0);
  });

  it('retries the per-number flow control and a bad key; refuses a bad number or template for good', async () => {
    sms.perNumberPerDay = 1;
    const limited = await failure(adapter().send(message('13800138000', 2), sendOptions(2)));
    expect(limited.permanent).toBe(false);
    expect(limited.message).toContain('isv.BUSINESS_LIMIT_CONTROL');
    sms.perNumberPerDay = 40;
    const badNumber = await failure(adapter().send(message('12345', 3), sendOptions(3)));
    expect(badNumber).toMatchObject({
      permanent: true,
      message: expect.stringContaining('isv.MOBILE_NUMBER_ILLEGAL'),
    });
    const badTemplate = await failure(
      adapter({ templateCode: 'SMS_0' }).send(message('13800138000', 4), sendOptions(4)),
    );
    expect(badTemplate).toMatchObject({
      permanent: true,
      message: expect.stringContaining('isv.SMS_TEMPLATE_ILLEGAL'),
    });
    const badKey = await failure(
      adapter({ accessKeySecret: 'wrong' }).send(message('13800138000', 5), sendOptions(5)),
    );
    expect(badKey).toMatchObject({
      permanent: false,
      message: expect.stringContaining('SignatureDoesNotMatch'),
    });
    expect(sms.sent).toHaveLength(1);
  });
});

describe('channel settings from the environment', () => {
  it('leaves a channel off when unset, refuses half a channel, reads the limits', () => {
    const none = loadChannelSettings({});
    expect(none.wecom).toBeUndefined();
    expect(none.limits.WECOM).toEqual({ max: 30, windowMs: 60_000 });
    // A ConfigError: start-up ends with this one line (scripts/run-main.ts), the secret never in it.
    const half = () => loadChannelSettings({ WECOM_CORP_ID: 'ww1', WECOM_SECRET: 'wecom-s3cret' });
    expect(half).toThrow(ConfigError);
    expect(half).toThrow('企业微信 (WECOM_*) is half set: also set WECOM_AGENT_ID');
    const set = loadChannelSettings({
      WECOM_CORP_ID: 'ww1',
      WECOM_SECRET: 's',
      WECOM_AGENT_ID: '1000002',
      SMS_LIMIT: '10/1d',
    });
    expect(set.wecom).toMatchObject({
      corpId: 'ww1',
      agentId: 1000002,
      baseUrl: 'https://qyapi.weixin.qq.com',
    });
    expect(set.limits.SMS).toEqual({ max: 10, windowMs: 86_400_000 });
    expect(() => loadChannelSettings({ WECOM_LIMIT: 'thirty' })).toThrow(/WECOM_LIMIT/);
  });
});

describe('the words a channel carries', () => {
  const row = (n: number, extra = '') => ({
    subject: `【挂牌督战】逾期督办：入户走访 户${n}`,
    text: `【挂牌督战】逾期督办：入户走访 户${n}\n${extra}\nhttp://duzhan.test/tasks/${n}`,
    link: `http://duzhan.test/tasks/${n}`,
  });

  it('cuts a long text to 2,048 bytes before its link, which stays whole', () => {
    const { text } = chatText([row(1, '很长的说明'.repeat(400))], 2048);
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(2048);
    expect(text.split('\n').at(-1)).toBe('http://duzhan.test/tasks/1');
    expect(text).toContain('…');
  });

  it('combines several into one message of whole items, saying how many are left out', () => {
    const few = chatText([row(1), row(2)], 2048);
    expect(few.text).toBe(
      '【挂牌督战】您有 2 条督战通知\n1. 逾期督办：入户走访 户1\nhttp://duzhan.test/tasks/1\n2. 逾期督办：入户走访 户2\nhttp://duzhan.test/tasks/2',
    );
    const many = chatText(
      Array.from({ length: 80 }, (_, i) => row(i)),
      2048,
    );
    expect(Buffer.byteLength(many.text)).toBeLessThanOrEqual(2048);
    expect(many.text).toMatch(/……另有 \d+ 条，请登录督战系统查看$/);
  });

  it('keeps an SMS parameter within the provider’s length, without brackets', () => {
    expect(smsTitle([row(1)], 35)).toBe('逾期督办：入户走访 户1');
    const long = smsTitle([{ ...row(1), subject: `【挂牌督战】${'很'.repeat(50)}` }], 35);
    expect([...long]).toHaveLength(35);
    expect(smsTitle([row(1), row(2), row(3)], 35)).toBe('3条督战通知待办理');
  });
});
