import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DigestInput, DigestResult } from '../../activities/digest.js';
import { type Activities, createActivities } from '../../activities/index.js';
import { createMailTransport, messageIdFor } from '../../activities/mail-transport.js';
import { taskLink } from '../../activities/messages.js';
import type { NotifyInput } from '../../activities/notify.js';
import { mailWorkflowId, startDelivery } from '../../activities/start-mail-delivery.js';
import { listFailedNotifications } from '../../domain/notifications.js';
import { startSupervision } from '../../domain/supervision.js';
import { freePort } from '../../stack/ports.js';
import { DIGEST_SCHEDULE_ID, ensureDigestSchedule } from '../../worker/digest-schedule.js';
import { connectRealStack, eventually, type RealStack } from '../helpers/real-stack.js';
import { TestSmtpServer } from '../helpers/test-smtp.js';
import { createTownshipFixture, type TownshipFixture } from '../helpers/township-fixture.js';

const PUBLIC_URL = 'http://duzhan.test';
const FROM = '督战系统 <duzhan@duzhan.test>';

// The real Temporal dev server and PostgreSQL of the global setup, a real worker, and a real SMTP
// server (npm smtp-server) started here: household workflow → notify → mail-<id> → SMTP.
describe('e-mail delivery over real SMTP', () => {
  let stack: RealStack;
  let town: TownshipFixture;
  let smtp: TestSmtpServer;
  let direct: Activities; // the same activities, called by the test itself
  const directTransports: Array<ReturnType<typeof createMailTransport>> = [];

  const activitiesFor = (smtpUrl: string) => {
    const mailTransport = createMailTransport(smtpUrl);
    directTransports.push(mailTransport);
    return createActivities({
      prisma: stack.prisma,
      publicUrl: PUBLIC_URL,
      smtpUrl,
      mailFrom: FROM,
      mailTransport,
    });
  };
  /** Runs an activity as the worker would, with the worker's client and task queue. */
  const inActivity = (taskQueue = stack.taskQueue) =>
    new MockActivityEnvironment({ taskQueue }, { client: stack.temporal });
  const notify = (input: NotifyInput, taskQueue = stack.taskQueue) =>
    inActivity(taskQueue).run<[NotifyInput], void, Activities['notify']>(direct.notify, input);
  const prepareDigests = (input: DigestInput) =>
    inActivity().run<[DigestInput], DigestResult, Activities['prepareDailyDigests']>(
      direct.prepareDailyDigests,
      input,
    );
  const sentRow = (id: string, timeoutMs = 20_000) =>
    eventually(async () => {
      const row = await stack.prisma.notification.findUnique({ where: { id } });
      return row?.status === 'SENT' ? row : undefined;
    }, timeoutMs);
  const cadre = (id: string) => stack.prisma.cadre.findUniqueOrThrow({ where: { id } });
  /** The `mail-<id>` delivery workflow of a notification (its latest run). */
  const deliveryOf = (notificationId: string) =>
    stack.temporal.workflow.getHandle(mailWorkflowId(notificationId));

  beforeAll(async () => {
    stack = await connectRealStack();
    town = await createTownshipFixture(stack.prisma);
    await town.activate();
    smtp = new TestSmtpServer(await freePort());
    await smtp.start();
    await stack.startWorker({ smtpUrl: smtp.url });
    direct = activitiesFor(smtp.url);
  });
  afterAll(async () => {
    for (const t of directTransports) t.close();
    await stack?.close();
    await smtp?.stop();
  });

  /** A household of the fixture's village written directly, with a name that needs escaping in HTML. */
  async function household(headName: string, status = 'SUPERVISED'): Promise<string> {
    const id = `HM${town.suffix}${Math.random().toString(36).slice(2, 6)}`;
    await stack.prisma.household.create({
      data: { id, number: id, headName, villageId: town.villageId, category: 'MARGINAL', status },
    });
    return id;
  }

  it("sends a household's first notifications to its cadres: recipient, subject, body, link, Message-ID", async () => {
    const householdId = await town.addHousehold();
    expect(await startSupervision(stack, householdId)).toBe(true);
    const rows = await eventually(async () => {
      const found = await stack.prisma.notification.findMany({ where: { householdId } });
      return found.length === 3 && found.every((r) => r.status === 'SENT') ? found : undefined;
    }, 30_000);
    expect(rows.map((r) => r.kind).sort()).toEqual(['ASSIGNED', 'ASSIGNED', 'TASK_OPENED']);
    for (const row of rows) {
      const mails = smtp.withMessageId(messageIdFor(row.id));
      expect(mails).toHaveLength(1);
      const mail = mails[0];
      if (!mail) throw new Error('no mail');
      const { email, name } = await cadre(row.cadreId);
      expect(mail.envelopeTo).toEqual([email]);
      expect(mail.to).toBe(`${name} <${email}>`);
      expect(mail.headers.get('from')).toContain('<duzhan@duzhan.test>');
      expect(mail.subject).toBe(row.subject);
      expect(mail.subject).toMatch(/^【挂牌督战】/);
      expect(mail.text).toBe(row.text);
      expect(mail.text.split('\n').at(-1)).toBe(row.link);
      expect(mail.html).toContain(`href="${row.link}"`);
      expect(row.messageId).toBe(messageIdFor(row.id));
      expect(row.attempts).toBe(1);
      expect(row.sentAt).not.toBeNull();
      expect(row.link).toMatch(
        row.kind === 'ASSIGNED' ? `${PUBLIC_URL}/households/${householdId}` : `${PUBLIC_URL}/tasks/`,
      );
    }
    const opened = rows.find((r) => r.kind === 'TASK_OPENED');
    expect(opened?.text).toContain('有一项新的入户走访任务');
  });

  it('sends every other kind in Chinese, escaped in HTML, once even when notify is retried', async () => {
    const householdId = await household('王<二>&');
    const task = {
      id: `household-${householdId}/c1/t7`,
      kindLabel: '入户走访',
      reason: '定期入户走访：核查<一超过>',
      dueAt: '2030-03-14T02:00:00.000Z',
    };
    const base = { householdId, task };
    const inputs: NotifyInput[] = [
      {
        ...base,
        key: `${task.id}/reminder/${town.suffix}`,
        kind: 'REMINDER',
        cadreId: town.cadres.assistance,
      },
      {
        ...base,
        key: `${task.id}/rung/2/${town.suffix}`,
        kind: 'ESCALATED',
        cadreId: town.cadres.villageLeader,
        escalation: {
          rung: 2,
          rankLabel: '包村领导',
          responsibleCadreId: town.cadres.assistance,
          overdueSince: task.dueAt,
        },
      },
      {
        ...base,
        key: `${task.id}/done/${town.suffix}`,
        kind: 'TASK_DONE',
        cadreId: town.cadres.villageLeader,
      },
      {
        householdId,
        key: `exit/${householdId}/${town.suffix}`,
        kind: 'STABLE_EXIT',
        cadreId: town.cadres.assistance,
      },
    ];
    for (const input of inputs) {
      await notify(input);
      await notify(input); // a retried activity: the same row, the same delivery
    }
    const expected: Record<string, RegExp[]> = {
      REMINDER: [/^【挂牌督战】提醒：入户走访 .* 王<二>& 户.* 将于 2030\/3\/14 10:00 到期$/, /请按时完成/],
      ESCALATED: [
        /^【挂牌督战】逾期督办（第 2 级）：入户走访 /,
        /自 2030\/3\/14 10:00 起逾期未完成，责任人：张帮扶/,
      ],
      TASK_DONE: [/^【挂牌督战】已完成：入户走访 /, /已完成，督办结束/],
      STABLE_EXIT: [/已稳定脱贫，退出挂牌督战$/, /经村级民主评议、公示、乡镇审核和县级审批/],
    };
    for (const input of inputs) {
      const row = await sentRow(input.key);
      const mails = smtp.withMessageId(messageIdFor(row.id));
      expect(mails).toHaveLength(1);
      const mail = mails[0];
      if (!mail) throw new Error('no mail');
      const [subject, body] = expected[input.kind] ?? [];
      expect(mail.subject).toMatch(subject ?? /never/);
      expect(mail.text).toMatch(body ?? /never/);
      expect(mail.envelopeTo).toEqual([(await cadre(input.cadreId)).email]);
      const link =
        input.kind === 'STABLE_EXIT'
          ? `${PUBLIC_URL}/households/${householdId}`
          : taskLink(PUBLIC_URL, task.id);
      expect(row.link).toBe(link);
      expect(mail.text).toContain(link);
      expect(mail.html).toContain(`href="${link}"`);
      expect(mail.html).toContain('王&lt;二&gt;&amp;');
      expect(mail.html).not.toContain('王<二>');
      // one delivery workflow per notification, which ends with the send
      const result = await stack.temporal.workflow.getHandle(mailWorkflowId(row.id)).result();
      expect(result).toEqual({ status: 'SENT', messageId: messageIdFor(row.id), alreadySent: false });
    }
  });

  it('keeps retrying while SMTP refuses connections, then delivers exactly one copy', async () => {
    const down = new TestSmtpServer(await freePort()); // not listening yet: connection refused
    const other = await connectRealStack();
    try {
      await other.startWorker({ smtpUrl: down.url });
      const householdId = await household('刘三');
      const key = `outage/${householdId}`;
      await notify(
        {
          key,
          kind: 'ASSIGNED',
          cadreId: town.cadres.assistance,
          householdId,
          role: '帮扶责任人',
        },
        other.taskQueue,
      );
      // Refused twice (the retry policy waits 5 s, then 10 s); still PENDING, the reason on the row.
      const waiting = await eventually(async () => {
        const row = await stack.prisma.notification.findUniqueOrThrow({ where: { id: key } });
        return row.attempts >= 2 ? row : undefined;
      }, 20_000);
      expect(waiting.status).toBe('PENDING');
      expect(waiting.error).toMatch(/ECONNREFUSED|ESOCKET|ECONNECTION/);
      expect(down.messages).toHaveLength(0);

      await down.start();
      const result = await other.temporal.workflow.getHandle(mailWorkflowId(key)).result();
      expect(result).toMatchObject({ status: 'SENT', alreadySent: false });
      const row = await sentRow(key);
      // At least one refused attempt before the one that delivered: the row counts an attempt when it
      // starts, so the second may already be under way (and succeed) when SMTP comes up.
      expect(row.attempts).toBeGreaterThanOrEqual(2);
      expect(row.error).toBeNull();
      expect(down.withMessageId(messageIdFor(key))).toHaveLength(1);
      expect(down.messages).toHaveLength(1);
    } finally {
      await other.close();
      await down.stop();
    }
  }, 45_000);

  it('never sends a second copy when sendEmail runs again after a successful send', async () => {
    const householdId = await household('赵四');
    const key = `twice/${householdId}`;
    await notify({
      key,
      kind: 'ASSIGNED',
      cadreId: town.cadres.assistance2,
      householdId,
    });
    await sentRow(key);
    const delivery = deliveryOf(key);
    const { runId: firstDelivery } = await delivery.describe();
    // The activity retried (its completion lost), a second run of the delivery, a replayed notify:
    expect(await direct.sendEmail(key)).toMatchObject({ status: 'SENT', alreadySent: true });
    expect(await direct.sendEmail(key)).toMatchObject({ status: 'SENT', alreadySent: true });
    await startDelivery(stack.temporal, stack.taskQueue, key);
    await notify({
      key,
      kind: 'ASSIGNED',
      cadreId: town.cadres.assistance2,
      householdId,
    });
    // Whatever delivery runs now for this notification has finished: still the first, sent once.
    await delivery.result();
    expect((await delivery.describe()).runId).toBe(firstDelivery);
    expect(smtp.withMessageId(messageIdFor(key))).toHaveLength(1);
    expect((await stack.prisma.notification.findUniqueOrThrow({ where: { id: key } })).attempts).toBe(1);
  });

  it('records a 550 as FAILED, does not retry it, and lists it for admins with household and cadre', async () => {
    const householdId = await household('钱五');
    const email = `gone-${town.suffix}@duzhan.example`;
    const cadreId = `gone-${town.suffix}`;
    await stack.prisma.cadre.create({
      data: { id: cadreId, name: '周离职', email, rank: 'ASSISTANCE_CADRE' },
    });
    smtp.rejects.add(email);
    const key = `rejected/${householdId}`;
    await notify({
      key,
      kind: 'ASSIGNED',
      cadreId,
      householdId,
      role: '帮扶责任人',
    });

    const result = await stack.temporal.workflow.getHandle(mailWorkflowId(key)).result();
    expect(result.status).toBe('FAILED');
    const row = await stack.prisma.notification.findUniqueOrThrow({ where: { id: key } });
    expect(row.status).toBe('FAILED');
    expect(row.error).toMatch(/550 5\.1\.1 <gone-.*>: Recipient address rejected: User unknown/);
    expect(row.attempts).toBe(1);
    expect(smtp.withMessageId(messageIdFor(key))).toHaveLength(0);
    // never a second attempt for a recorded failure
    expect(await direct.sendEmail(key)).toMatchObject({ status: 'FAILED' });
    expect((await stack.prisma.notification.findUniqueOrThrow({ where: { id: key } })).attempts).toBe(1);

    const failed = (await listFailedNotifications(stack.prisma)).find((f) => f.id === key);
    expect(failed).toMatchObject({
      kind: 'ASSIGNED',
      attempts: 1,
      cadre: { id: cadreId, name: '周离职', email },
      household: { id: householdId, number: householdId, headName: '钱五', village: `测试村${town.suffix}` },
    });
    expect(failed?.error).toContain('550');
    expect(failed?.failedAt).toBeInstanceOf(Date);
  });

  it("writes the morning digests: a cadre's overdue and today's tasks, the leadership's open escalations", async () => {
    const householdId = await household('孙六');
    const leader = town.cadres.assistance2;
    const at = '2030-03-15T01:00:00.000Z'; // 09:00 in Asia/Shanghai
    const task = (n: number, dueAt: string, reason: string, status = 'OPEN') => ({
      id: `household-${householdId}/dg/t${n}`,
      householdId,
      workflowId: `household-${householdId}`,
      kind: 'VISIT',
      assigneeId: leader,
      openedAt: new Date('2030-03-01T00:00:00Z'),
      dueAt: new Date(dueAt),
      reason,
      status,
    });
    const tasks = [
      task(1, '2030-03-14T02:00:00Z', '逾期未办的走访'),
      task(2, '2030-03-15T08:00:00Z', '今天下午到期的走访'),
      task(3, '2030-03-15T17:00:00Z', '明天凌晨到期的走访'), // 01:00 on the 16th, local
      task(4, '2030-03-13T02:00:00Z', '已经办结的走访', 'DONE'),
      task(5, '2030-03-12T02:00:00Z', '另一项逾期的走访'),
    ];
    await stack.prisma.task.createMany({ data: tasks.map((t) => ({ ...t, rung: 0 })) });
    const escalation = (t: number, rung: number, rank: string, leaderId: string, closed = false) => ({
      id: `household-${householdId}/dg/t${t}/rung/${rung}`,
      taskId: `household-${householdId}/dg/t${t}`,
      rung,
      rank,
      leaderId,
      openedAt: new Date('2030-03-14T02:00:00Z'),
      closedAt: closed ? new Date('2030-03-14T05:00:00Z') : null,
    });
    await stack.prisma.escalation.createMany({
      data: [
        escalation(1, 1, 'ASSIGNED', leader),
        escalation(1, 2, 'VILLAGE_LEADER', town.cadres.villageLeader),
        escalation(5, 1, 'ASSIGNED', leader, true),
      ],
    });

    const digest = () => prepareDigests({ at, timeZone: 'Asia/Shanghai' });
    const result = await digest();
    expect(result.day).toBe('2030-03-15');

    const leaderRow = await sentRow(`digest/2030-03-15/${leader}`);
    expect(leaderRow.kind).toBe('DIGEST_LEADER');
    expect(leaderRow.householdId).toBeNull();
    expect(leaderRow.subject).toBe('【挂牌督战】每日待办（2030-03-15）：已逾期 2 项，今日到期 1 项');
    const [leaderMail] = smtp.withMessageId(messageIdFor(leaderRow.id));
    expect(leaderMail?.envelopeTo).toEqual([(await cadre(leader)).email]);
    expect(leaderMail?.subject).toBe(leaderRow.subject);
    const text = leaderMail?.text ?? '';
    expect(text).toContain('逾期未办的走访');
    expect(text).toContain('另一项逾期的走访');
    expect(text).toContain('今天下午到期的走访');
    expect(text).not.toContain('明天凌晨到期的走访');
    expect(text).not.toContain('已经办结的走访');
    expect(text.indexOf('另一项逾期的走访')).toBeLessThan(text.indexOf('逾期未办的走访')); // oldest first
    expect(text.indexOf('逾期未办的走访')).toBeLessThan(text.indexOf('今日到期'));
    expect(text).toContain(taskLink(PUBLIC_URL, tasks[0]?.id ?? ''));
    expect(leaderMail?.html).toContain(`<a href="${taskLink(PUBLIC_URL, tasks[1]?.id ?? '')}"`);
    expect(text.split('\n').at(-1)).toBe(`${PUBLIC_URL}/tasks`);

    for (const supervisor of [
      town.cadres.partySecretary,
      town.cadres.townshipHead,
      town.cadres.leaderInCharge,
    ]) {
      const row = await sentRow(`digest/2030-03-15/${supervisor}/escalations`);
      expect(row.kind).toBe('DIGEST_SUPERVISOR');
      const [mail] = smtp.withMessageId(messageIdFor(row.id));
      expect(mail?.envelopeTo).toEqual([(await cadre(supervisor)).email]);
      expect(mail?.subject).toMatch(/^【挂牌督战】督办日报（2030-03-15）：未结督办 \d+ 项$/);
      const line = mail?.text.split('\n').find((l) => l.includes('逾期未办的走访')) ?? '';
      expect(line).toContain('自 2030/3/14 10:00 起逾期，责任人：李接替，已督办至第 2 级（包村领导 王包村）');
      expect(line).toContain(taskLink(PUBLIC_URL, tasks[0]?.id ?? ''));
      expect(mail?.text).not.toContain('另一项逾期的走访'); // its escalation is closed
      expect(mail?.text.split('\n').at(-1)).toBe(`${PUBLIC_URL}/board`);
    }
    expect(
      await stack.prisma.notification.count({
        where: { id: `digest/2030-03-15/${town.cadres.villageLeader}/escalations` },
      }),
    ).toBe(0);

    // A second run the same day writes and sends nothing new: each digest was sent once and stays so.
    // (Counted by the digests' own Message-IDs: another test's delivery retried late may still land.)
    const copies = (ids: string[]) => ids.map((id) => smtp.withMessageId(messageIdFor(id)).length);
    const before = copies(result.notificationIds);
    expect(before.every((n) => n === 1)).toBe(true);
    const runs = await Promise.all(
      result.notificationIds.map(async (id) => (await deliveryOf(id).describe()).runId),
    );
    const again = await digest();
    expect(again.notificationIds).toEqual(result.notificationIds);
    // Every delivery of these notifications has finished, and none was run a second time.
    for (const id of again.notificationIds) await deliveryOf(id).result();
    expect(
      await Promise.all(again.notificationIds.map(async (id) => (await deliveryOf(id).describe()).runId)),
    ).toEqual(runs);
    expect(copies(again.notificationIds)).toEqual(before);
  });

  it('schedules the digest each morning at DIGEST_TIME in TZ, idempotently', async () => {
    const config = { DIGEST_TIME: '07:30', TZ: 'Asia/Shanghai' };
    expect(['created', 'updated']).toContain(
      await ensureDigestSchedule(stack.temporal, stack.taskQueue, config),
    );
    expect(await ensureDigestSchedule(stack.temporal, stack.taskQueue, config)).toBe('updated');
    const handle = stack.temporal.schedule.getHandle(DIGEST_SCHEDULE_ID);
    try {
      const schedule = await handle.describe();
      expect(schedule.spec.timezone).toBe('Asia/Shanghai');
      expect(schedule.spec.calendars).toHaveLength(1);
      expect(schedule.spec.calendars?.[0]).toMatchObject({
        hour: [{ start: 7, end: 7, step: 1 }],
        minute: [{ start: 30, end: 30, step: 1 }],
      });
      expect(schedule.action).toMatchObject({
        type: 'startWorkflow',
        workflowType: 'dailyDigestWorkflow',
        taskQueue: stack.taskQueue,
        args: [{ timeZone: 'Asia/Shanghai' }],
      });
      expect(schedule.policies.overlap).toBe('SKIP');
    } finally {
      await handle.delete();
    }
  });
});
