import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Activities, createActivities } from '../../activities/index.js';
import { createMailTransport, messageIdFor } from '../../activities/mail-transport.js';
import type { NotifyInput } from '../../activities/notify.js';
import { mailWorkflowId } from '../../activities/start-mail-delivery.js';
import type { ChannelSettings } from '../../config/channels.js';
import { setCadreChannels } from '../../domain/channels.js';
import { listFailedChannelDeliveries } from '../../domain/notifications.js';
import { freePort } from '../../stack/ports.js';
import { type RunningWorker, startWorker } from '../../worker/worker.js';
import { FakeAliyunSms } from '../helpers/fake-services/fake-aliyun-sms.js';
import { FakeDingtalk } from '../helpers/fake-services/fake-dingtalk.js';
import { FakeWecom } from '../helpers/fake-services/fake-wecom.js';
import { recordHistory } from '../helpers/history-recorder.js';
import { connectRealStack, eventually, type RealStack } from '../helpers/real-stack.js';
import { TestSmtpServer } from '../helpers/test-smtp.js';
import { createTownshipFixture, type TownshipFixture } from '../helpers/township-fixture.js';

// The household's notify → `mail-<id>` → the cadre's channels, on the real Temporal dev server and
// PostgreSQL, a real worker whose adapters (unchanged) are pointed at local servers speaking
// 企业微信's, 钉钉's and Alibaba Cloud SMS's documented APIs, and a real SMTP server.
describe('delivery on the cadre’s channels, falling back to e-mail', () => {
  let stack: RealStack;
  let town: TownshipFixture;
  let worker: RunningWorker;
  let direct: Activities;
  let transport: ReturnType<typeof createMailTransport>;
  let smtp: TestSmtpServer;
  const wecom = new FakeWecom();
  const dingtalk = new FakeDingtalk();
  const sms = new FakeAliyunSms();
  let householdId: string;

  const settings = (): ChannelSettings => ({
    wecom: { corpId: wecom.corpId, secret: wecom.secret, agentId: wecom.agentId, baseUrl: wecom.url },
    dingtalk: {
      appKey: dingtalk.appKey,
      appSecret: dingtalk.appSecret,
      agentId: dingtalk.agentId,
      baseUrl: dingtalk.url,
    },
    sms: {
      accessKeyId: sms.accessKeyId,
      accessKeySecret: sms.accessKeySecret,
      signName: sms.signName,
      templateCode: sms.templateCode,
      endpoint: sms.endpoint,
      protocol: 'http',
      maxParamLength: 35,
    },
    // WeCom's limit shortened to 2 in 10 s, so a test can pass it and see the window open again.
    limits: {
      WECOM: { max: 2, windowMs: 10_000 },
      DINGTALK: { max: 500, windowMs: 86_400_000 },
      SMS: { max: 40, windowMs: 86_400_000 },
    },
  });

  const notify = (input: NotifyInput) =>
    new MockActivityEnvironment({ taskQueue: stack.taskQueue }, { client: stack.temporal }).run<
      [NotifyInput],
      void,
      Activities['notify']
    >(direct.notify, input);
  const escalation = (key: string, cadreId: string, n = 1): NotifyInput => ({
    key,
    kind: 'ESCALATED',
    cadreId,
    householdId,
    task: {
      id: `household-${householdId}/c1/t${n}`,
      kindLabel: '入户走访',
      reason: `定期入户走访 ${n}`,
      dueAt: '2030-03-14T02:00:00.000Z',
    },
    escalation: {
      rung: 2,
      rankLabel: '包村领导',
      responsibleCadreId: town.cadres.assistance,
      overdueSince: '2030-03-14T02:00:00.000Z',
    },
  });
  /** A notification's words, as the row keeps them (for rows the test writes itself). */
  const escalationRow = (what: string) => ({
    subject: `【挂牌督战】逾期督办：${what}`,
    text: `【挂牌督战】逾期督办：${what}\nhttp://duzhan.test/tasks/${encodeURIComponent(what)}`,
    link: `http://duzhan.test/tasks/${encodeURIComponent(what)}`,
  });
  const delivery = (key: string) => stack.temporal.workflow.getHandle(mailWorkflowId(key));
  const channelRows = (notificationId: string) =>
    stack.prisma.channelDelivery.findMany({ where: { notificationId }, orderBy: { channel: 'asc' } });
  const newCadre = async (key: string, name: string, phone = '') => {
    const id = `${key}-${town.suffix}`;
    await stack.prisma.cadre.create({
      data: { id, name, email: `${id}@duzhan.example`, phone, rank: 'VILLAGE_LEADER' },
    });
    return id;
  };

  beforeAll(async () => {
    stack = await connectRealStack();
    town = await createTownshipFixture(stack.prisma);
    smtp = new TestSmtpServer(await freePort());
    await Promise.all([smtp.start(), wecom.start(), dingtalk.start(), sms.start()]);
    const smtpUrl = smtp.url;
    worker = await startWorker({
      address: inject('temporalAddress'),
      namespace: 'default',
      taskQueue: stack.taskQueue,
      prisma: stack.prisma,
      publicUrl: 'http://duzhan.test',
      smtpUrl,
      mailFrom: '督战系统 <duzhan@duzhan.test>',
      channels: settings(),
    });
    transport = createMailTransport(smtpUrl);
    direct = createActivities({
      prisma: stack.prisma,
      publicUrl: 'http://duzhan.test',
      smtpUrl,
      mailFrom: '督战系统 <duzhan@duzhan.test>',
      mailTransport: transport,
      channels: settings(),
    });
    householdId = await town.addHousehold();
  });
  afterAll(async () => {
    worker?.worker.shutdown();
    await worker?.done;
    transport?.close();
    await stack?.close();
    await Promise.all([smtp?.stop(), wecom.stop(), dingtalk.stop(), sms.stop()]);
  });

  it('a cadre on 企业微信 with e-mail as fallback gets an escalation through WeCom, once', async () => {
    const cadreId = await newCadre('wecom-ok', '王包村');
    await setCadreChannels(stack.prisma, cadreId, {
      channels: [{ channel: 'WECOM', address: 'wangbaocun' }, { channel: 'EMAIL' }],
    });
    wecom.members.add('wangbaocun');
    const key = `esc-wecom/${town.suffix}`;
    await notify(escalation(key, cadreId));
    await notify(escalation(key, cadreId)); // a retried notify: the same row, the same delivery
    const result = await delivery(key).result();
    expect(result).toMatchObject({ status: 'SENT', channel: 'WECOM' });
    const row = await stack.prisma.notification.findUniqueOrThrow({ where: { id: key } });
    expect(row.status).toBe('SENT');
    const received = wecom.received('wangbaocun');
    expect(received).toHaveLength(1);
    expect(received[0]?.content.startsWith(row.subject)).toBe(true);
    expect(received[0]?.content).toContain('逾期督办（第 2 级）');
    expect(received[0]?.content.split('\n').at(-1)).toBe(row.link);
    expect(smtp.withMessageId(messageIdFor(key))).toHaveLength(0);
    expect(await channelRows(key)).toMatchObject([
      { channel: 'WECOM', status: 'SENT', attempts: 1, providerId: received[0]?.msgid },
    ]);
    // The activity run again (its completion lost): the sent-log answers, nothing goes out twice.
    expect(await direct.deliverOnChannel({ notificationId: key, channel: 'WECOM' })).toMatchObject({
      status: 'SENT',
    });
    expect(wecom.received('wangbaocun')).toHaveLength(1);
    // The cadre's WeCom id cleared since: a run of the activity still answers what happened (sent),
    // not a refusal that would send the same notification again by e-mail.
    await setCadreChannels(stack.prisma, cadreId, { channels: [{ channel: 'EMAIL' }] });
    expect(await direct.deliverOnChannel({ notificationId: key, channel: 'WECOM' })).toMatchObject({
      status: 'SENT',
    });
  });

  it('falls back to e-mail exactly once when WeCom refuses for good, and shows the refusal to admins', async () => {
    const cadreId = await newCadre('wecom-gone', '赵离岗');
    await setCadreChannels(stack.prisma, cadreId, {
      channels: [{ channel: 'WECOM', address: 'zhaoligang' }, { channel: 'EMAIL' }],
    }); // not a member of the corp: WeCom answers 81013
    const key = `esc-fallback/${town.suffix}`;
    await notify(escalation(key, cadreId, 2));
    const handle = delivery(key);
    const result = await handle.result();
    expect(result).toMatchObject({ status: 'SENT', alreadySent: false, messageId: messageIdFor(key) });
    const mails = smtp.withMessageId(messageIdFor(key));
    expect(mails).toHaveLength(1);
    expect(mails[0]?.envelopeTo).toEqual([`${cadreId}@duzhan.example`]);
    expect(wecom.received('zhaoligang')).toHaveLength(0);
    const rows = await channelRows(key);
    expect(rows).toMatchObject([
      { channel: 'EMAIL', status: 'SENT', attempts: 1 },
      { channel: 'WECOM', status: 'FAILED', attempts: 1 },
    ]);
    expect(rows[1]?.error).toContain('81013');
    const failed = (await listFailedChannelDeliveries(stack.prisma)).find((f) => f.notificationId === key);
    expect(failed).toMatchObject({
      channel: 'WECOM',
      kind: 'ESCALATED',
      deliveredElsewhere: true,
      cadre: { id: cadreId, name: '赵离岗' },
      household: { id: householdId },
    });
    await recordHistory(handle, 'mail-delivery-channels');
  });

  it('combines a cadre’s pending notifications past the limit; WeCom drops none, even when an answer is lost', async () => {
    const cadreId = await newCadre('wecom-busy', '钱很忙');
    await setCadreChannels(stack.prisma, cadreId, {
      channels: [{ channel: 'WECOM', address: 'qianhenmang' }],
    });
    wecom.members.add('qianhenmang');
    // The fake drops what passes the limit, silently, as WeCom does past 30 a minute: here 2 in 10 s,
    // the deployment's setting. Every answer comes late (WeCom has counted the message well before
    // duzhan hears of it), and the answer to the first combined message is lost after WeCom
    // delivered it (the connection drops, as when the worker dies between the two).
    wecom.perMemberLimit = { max: 2, windowMs: 10_000 };
    wecom.answerDelayMs = 300;
    let lost: string | undefined;
    wecom.loseAnswerOf = (request) => {
      const content = (request.body as { text?: { content?: string } } | undefined)?.text?.content ?? '';
      if (lost !== undefined || !content.startsWith('【挂牌督战】您有')) return false;
      lost = content;
      return true;
    };
    try {
      const keys = Array.from({ length: 10 }, (_, i) => `esc-busy/${town.suffix}/${i + 1}`);
      await Promise.all(keys.map((key, i) => notify(escalation(key, cadreId, 10 + i))));
      // One more, raised while the lost send waits for its retry: it must count that send as under
      // way, and must not take the notifications it carried.
      await eventually(async () => lost, 40_000);
      const late = `esc-busy/${town.suffix}/11`;
      await notify(escalation(late, cadreId, 20));
      const all = [...keys, late];
      await Promise.all(all.map((key) => delivery(key).result()));

      expect(wecom.dropped.filter((m) => m.touser === 'qianhenmang')).toEqual([]);
      const rows = await stack.prisma.notification.findMany({ where: { id: { in: all } } });
      expect(rows.map((r) => r.status)).toEqual(all.map(() => 'SENT'));
      const received = wecom.received('qianhenmang');
      // Each notification reached the cadre exactly once: its link is a line of one message only.
      for (const row of rows)
        expect(received.filter((m) => m.content.split('\n').includes(row.link))).toHaveLength(1);
      // The two that filled the window alone, then the eight held as one message (the lost answer's,
      // delivered once: its retry sent the same request, which WeCom's duplicate check absorbed).
      expect(received.filter((m) => m.content.startsWith('【挂牌督战】您有 8 条督战通知'))).toEqual([
        expect.objectContaining({ content: lost }),
      ]);
      const deliveries = await stack.prisma.channelDelivery.findMany({
        where: { notificationId: { in: all } },
      });
      expect(deliveries.every((d) => d.status === 'SENT' && d.attemptBeganAt === null)).toBe(true);
      const leaders = new Set(deliveries.flatMap((d) => (d.combinedInto ? [d.combinedInto] : [])));
      expect(leaders.size).toBe(1);
      const leader = deliveries.find((d) => leaders.has(d.id));
      expect(leader?.attempts).toBe(2);
      expect(deliveries.filter((d) => d.combinedInto === leader?.id)).toHaveLength(7);
    } finally {
      wecom.loseAnswerOf = undefined;
      wecom.answerDelayMs = 0;
    }
  });

  it('钉钉: a send whose answer was lost is sent again; DingTalk’s "same content today" (143106) then means delivered', async () => {
    const cadreId = await newCadre('ding-lost', '郑断线');
    await setCadreChannels(stack.prisma, cadreId, {
      channels: [{ channel: 'DINGTALK', address: 'zhengduanxian' }],
    });
    dingtalk.users.add('zhengduanxian');
    const id = `ding-lost/${town.suffix}`;
    await stack.prisma.notification.create({
      data: { id, cadreId, householdId, kind: 'ESCALATED', ...escalationRow('断线') },
    });
    const sendsBefore = dingtalk.sends;
    dingtalk.loseAnswerOf = (request) => request.path.endsWith('/asyncsend_v2');
    try {
      await expect(direct.deliverOnChannel({ notificationId: id, channel: 'DINGTALK' })).rejects.toThrow(
        '钉钉不可达',
      );
    } finally {
      dingtalk.loseAnswerOf = undefined;
    }
    expect(dingtalk.received('zhengduanxian')).toHaveLength(1);
    const marked = await stack.prisma.channelDelivery.findUniqueOrThrow({ where: { id: `${id}/DINGTALK` } });
    expect(marked).toMatchObject({ status: 'PENDING', providerId: null, attempts: 1 });
    expect(marked.attemptBeganAt).not.toBeNull();

    // The activity's retry: the same content again, refused by DingTalk as already delivered today.
    const outcome = await direct.deliverOnChannel({ notificationId: id, channel: 'DINGTALK' });
    expect(outcome).toMatchObject({ status: 'SENT', channel: 'DINGTALK' });
    expect(dingtalk.sends - sendsBefore).toBe(2);
    expect(dingtalk.received('zhengduanxian')).toHaveLength(1);
    const row = await stack.prisma.channelDelivery.findUniqueOrThrow({ where: { id: `${id}/DINGTALK` } });
    expect(row).toMatchObject({ status: 'SENT', attempts: 2, attemptBeganAt: null, heldUntil: null });
    expect((await stack.prisma.notification.findUniqueOrThrow({ where: { id } })).status).toBe('SENT');
  });

  it('短信: a send whose answer was lost is found by its OutId on the retry and not sent again', async () => {
    const phone = '13912340011';
    const cadreId = await newCadre('sms-lost', '冯断线', phone);
    await setCadreChannels(stack.prisma, cadreId, { channels: [{ channel: 'SMS' }] });
    const id = `sms-lost/${town.suffix}`;
    await stack.prisma.notification.create({
      data: { id, cadreId, householdId, kind: 'ESCALATED', ...escalationRow('短信断线') },
    });
    sms.loseAnswerOf = (request) => request.headers['x-acs-action'] === 'SendSms';
    try {
      await expect(direct.deliverOnChannel({ notificationId: id, channel: 'SMS' })).rejects.toThrow(
        '短信服务',
      );
    } finally {
      sms.loseAnswerOf = undefined;
    }
    expect(sms.sent.filter((s) => s.phone === phone)).toMatchObject([{ outId: `${id}/SMS` }]);
    const outcome = await direct.deliverOnChannel({ notificationId: id, channel: 'SMS' });
    expect(outcome).toMatchObject({ status: 'SENT', channel: 'SMS', providerId: `OutId:${id}/SMS` });
    expect(sms.sent.filter((s) => s.phone === phone)).toHaveLength(1);
    const row = await stack.prisma.channelDelivery.findUniqueOrThrow({ where: { id: `${id}/SMS` } });
    expect(row).toMatchObject({ status: 'SENT', attemptBeganAt: null });

    // An attempt that failed before SMS took it (a 5xx): the retry looks, finds nothing, sends once.
    const second = `sms-lost/${town.suffix}/2`;
    await stack.prisma.notification.create({
      data: { id: second, cadreId, householdId, kind: 'ESCALATED', ...escalationRow('短信重试') },
    });
    sms.nextAnswers.push({ status: 503, json: { Code: 'ServiceUnavailable', Message: 'busy' } });
    await expect(direct.deliverOnChannel({ notificationId: second, channel: 'SMS' })).rejects.toThrow(
      '短信服务',
    );
    expect(sms.sent.filter((s) => s.outId === `${second}/SMS`)).toHaveLength(0);
    expect(await direct.deliverOnChannel({ notificationId: second, channel: 'SMS' })).toMatchObject({
      status: 'SENT',
      channel: 'SMS',
    });
    expect(sms.sent.filter((s) => s.outId === `${second}/SMS`)).toHaveLength(1);
  });

  it('钉钉: confirmed by the send result; an over-limit "success" is held, not counted as delivered', async () => {
    const cadreId = await newCadre('ding', '孙钉钉');
    await setCadreChannels(stack.prisma, cadreId, {
      channels: [{ channel: 'DINGTALK', address: 'sundingding' }],
    });
    dingtalk.users.add('sundingding');
    const sendsBefore = dingtalk.sends;
    const first = `ding/${town.suffix}/1`;
    await notify(escalation(first, cadreId, 20));
    expect(await delivery(first).result()).toMatchObject({ status: 'SENT', channel: 'DINGTALK' });
    expect(dingtalk.received('sundingding')).toHaveLength(1);

    // The service's own daily limit reached (the deployment's setting thought there was room).
    dingtalk.perUserPerDay = 1;
    const second = `ding/${town.suffix}/2`;
    await stack.prisma.notification.create({
      data: {
        id: second,
        cadreId,
        householdId,
        kind: 'ESCALATED',
        subject: '【挂牌督战】第二条',
        text: '第二条\nhttp://duzhan.test/tasks/x',
        link: 'http://duzhan.test/tasks/x',
      },
    });
    const outcome = await direct.deliverOnChannel({ notificationId: second, channel: 'DINGTALK' });
    expect(outcome).toMatchObject({ status: 'HELD' });
    const row = await stack.prisma.channelDelivery.findUniqueOrThrow({ where: { id: `${second}/DINGTALK` } });
    expect(row).toMatchObject({ status: 'PENDING', providerId: null });
    expect(row.error).toContain('143105');
    expect(row.heldUntil?.getTime()).toBeGreaterThan(Date.now() + 86_000_000);
    expect(dingtalk.sends - sendsBefore).toBe(2);
    expect(dingtalk.received('sundingding')).toHaveLength(1);
  });

  it('短信: signature, template code and the title parameter, within the provider’s parameter length', async () => {
    const cadreId = await newCadre('sms', '周短信', '13912345678');
    await setCadreChannels(stack.prisma, cadreId, { channels: [{ channel: 'SMS' }, { channel: 'EMAIL' }] });
    const key = `sms/${town.suffix}`;
    await notify(escalation(key, cadreId, 30));
    expect(await delivery(key).result()).toMatchObject({ status: 'SENT', channel: 'SMS' });
    const sent = sms.sent.filter((s) => s.phone === '13912345678');
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ signName: sms.signName, templateCode: sms.templateCode });
    expect([...(sent[0]?.params.title ?? '')].length).toBeLessThanOrEqual(35);
    expect(sent[0]?.params.title).toMatch(/^逾期督办/);
    expect(smtp.withMessageId(messageIdFor(key))).toHaveLength(0);
  });

  it('refuses bad channel settings with a Chinese message and changes nothing', async () => {
    const cadreId = await newCadre('bad', '吴设置');
    const attempt = (channels: unknown) => setCadreChannels(stack.prisma, cadreId, { channels });
    await expect(attempt([{ channel: 'WECOM', address: '' }])).rejects.toThrow('请填写正确的企业微信账号');
    await expect(attempt([{ channel: 'SMS' }])).rejects.toThrow('没有登记正确的手机号');
    await expect(attempt([{ channel: 'EMAIL' }, { channel: 'EMAIL' }])).rejects.toThrow('电子邮件只能选一次');
    await expect(attempt([])).rejects.toThrow('至少选择一个接收渠道');
    await expect(attempt([{ channel: 'FAX' }])).rejects.toThrow('渠道只能是');
    expect(await stack.prisma.cadreChannel.count({ where: { cadreId } })).toBe(0);
  });
});
