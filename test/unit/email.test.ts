import { describe, expect, it } from 'vitest';
import { describeSmtpError, isPermanentSmtpFailure, messageIdFor } from '../../activities/mail-transport.js';
import {
  HOUSEHOLD_NOTIFICATION_KINDS,
  type MessageContext,
  renderEmailHtml,
  renderLeaderDigest,
  renderMessage,
  renderSupervisorDigest,
} from '../../activities/messages.js';
import { loadConfig } from '../../config/env.js';
import { endOfLocalDay, localDate } from '../../policy/township-calendar.js';
import { digestScheduleSpec } from '../../worker/digest-schedule.js';

const ctx: MessageContext = {
  household: { id: 'H<1>&2', number: 'H001', headName: '王<b>二', village: '测试村' },
  recipientName: '张帮扶',
  task: {
    id: 'household-H1/abc/t3',
    kindLabel: '入户走访',
    reason: '定期入户走访：核查"一超过"',
    dueAt: '2024-05-01T00:30:00.000Z',
  },
  escalation: {
    rung: 2,
    rankLabel: '包村领导',
    responsibleName: '李四',
    overdueSince: '2024-05-01T00:30:00.000Z',
  },
  role: '帮扶责任人',
  closing: {
    stepLabel: '乡镇审核',
    startedAt: '2024-05-01T00:30:00.000Z',
    deadline: '2024-05-08T00:30:00.000Z',
    overdueRung: 2,
  },
  publicUrl: 'http://localhost:3000',
};
const who = '测试村 王<b>二 户（户编号 H001）';
const taskUrl = 'http://localhost:3000/tasks/household-H1%2Fabc%2Ft3';
const householdUrl = 'http://localhost:3000/households/H%3C1%3E%262';

describe('notification templates (templates/email/*.njk)', () => {
  it('write each kind in the same Chinese words as before they moved into template files', () => {
    expect(renderMessage('ASSIGNED', ctx)).toMatchObject({
      subject: `【挂牌督战】您已被确定为 ${who} 的帮扶责任人`,
      text: `张帮扶同志：\n按照双帮扶制，您已被确定为 ${who} 的帮扶责任人。请与另一位帮扶干部共同制定“一户一策”，按时入户走访。\n${householdUrl}`,
      link: householdUrl,
    });
    expect(renderMessage('ASSIGNED', { ...ctx, role: undefined }).subject).toBe(
      `【挂牌督战】您已被确定为 ${who} 的帮扶干部`,
    );
    expect(renderMessage('TASK_OPENED', ctx)).toMatchObject({
      subject: `【挂牌督战】新任务：入户走访 ${who}，2024/5/1 08:30 前完成`,
      text: `张帮扶同志：\n${who} 有一项新的入户走访任务：定期入户走访：核查"一超过"\n请于 2024/5/1 08:30 前完成并录入。\n${taskUrl}`,
      link: taskUrl,
    });
    expect(renderMessage('REMINDER', ctx).subject).toBe(
      `【挂牌督战】提醒：入户走访 ${who} 将于 2024/5/1 08:30 到期`,
    );
    expect(renderMessage('ESCALATED', ctx)).toMatchObject({
      subject: `【挂牌督战】逾期督办（第 2 级）：入户走访 ${who}`,
      text: `张帮扶同志：\n${who} 的入户走访任务（定期入户走访：核查"一超过"）自 2024/5/1 08:30 起逾期未完成，责任人：李四。\n按督战规定，现提请您（包村领导）督办，请督促尽快完成。\n${taskUrl}`,
      link: taskUrl,
    });
    expect(renderMessage('TASK_DONE', ctx).text).toContain(`您督办的 ${who} 入户走访任务`);
    expect(renderMessage('STABLE_EXIT', ctx)).toMatchObject({
      subject: `【挂牌督战】${who} 已稳定脱贫，退出挂牌督战`,
      link: householdUrl,
    });
  });

  it('tell approvers of a closing step when it starts and when it is overdue, linking the household', () => {
    expect(renderMessage('CLOSING_STEP_STARTED', ctx)).toMatchObject({
      subject: `【挂牌督战】请办理退出程序：乡镇审核 ${who}`,
      link: householdUrl,
    });
    expect(renderMessage('CLOSING_STEP_STARTED', ctx).text).toContain('办理期限：2024/5/8 08:30 前');
    const noDeadline = renderMessage('CLOSING_STEP_STARTED', {
      ...ctx,
      closing: {
        stepLabel: '村级民主评议',
        startedAt: '2024-05-01T00:30:00.000Z',
        deadline: '',
        overdueRung: 1,
      },
    });
    expect(noDeadline.text).toContain('本步骤没有规定期限');
    expect(renderMessage('CLOSING_STEP_OVERDUE', ctx).subject).toBe(
      `【挂牌督战】退出程序逾期（第 2 次督办）：乡镇审核 ${who}`,
    );
  });

  it('write dates in the configured time zone', () => {
    expect(renderMessage('REMINDER', { ...ctx, timeZone: 'UTC' }).subject).toContain('2024/5/1 00:30 到期');
  });

  it('render the HTML part of every kind from the row and its payload, escaped, with the link as a button', () => {
    for (const kind of HOUSEHOLD_NOTIFICATION_KINDS) {
      const message = renderMessage(kind, ctx);
      const html = renderEmailHtml({ kind, ...message });
      expect(html).toContain('<!DOCTYPE html>');
      expect(html).toContain('王&lt;b&gt;二');
      expect(html).not.toContain('王<b>二');
      expect(html).toContain(`href="${message.link}"`);
      expect(html).toContain('<p style="margin:0 0 12px;">张帮扶同志：</p>');
    }
    expect(renderEmailHtml({ kind: 'ESCALATED', ...renderMessage('ESCALATED', ctx) })).toContain(
      '挂牌督战 · 逾期督办',
    );
    expect(
      renderEmailHtml({ kind: 'SOMETHING_NEW', subject: 's', text: 'x\nhttp://l', link: 'http://l' }),
    ).toContain('挂牌督战 · 通知');
  });

  it('turn digest lines into lists of links', () => {
    const digest = renderLeaderDigest({
      recipientName: '李接替',
      day: '2030-03-15',
      at: '2030-03-15T01:00:00.000Z',
      overdue: [
        {
          who,
          kindLabel: '入户走访',
          reason: '甲',
          dueAt: '2030-03-14T02:00:00Z',
          rung: 2,
          link: 'http://t/1',
        },
      ],
      dueToday: [
        {
          who,
          kindLabel: '问题整改跟进',
          reason: '乙',
          dueAt: '2030-03-15T08:00:00Z',
          rung: 0,
          link: 'http://t/2',
        },
      ],
      publicUrl: 'http://x',
      timeZone: 'Asia/Shanghai',
    });
    expect(digest.subject).toBe('【挂牌督战】每日待办（2030-03-15）：已逾期 1 项，今日到期 1 项');
    expect(digest.text).toBe(
      [
        '李接替同志：',
        '以下是截至 2030/3/15 09:00 您名下需要办理的任务。',
        '已逾期（1 项）：',
        `· ${who} 入户走访（甲），应于 2030/3/14 10:00 完成，已督办至第 2 级 http://t/1`,
        '今日到期（1 项）：',
        `· ${who} 问题整改跟进（乙），2030/3/15 16:00 到期 http://t/2`,
        '请及时入户办理并录入，逾期任务将按督战规定逐级督办。',
        'http://x/tasks',
      ].join('\n'),
    );
    const html = renderEmailHtml({ kind: 'DIGEST_LEADER', ...digest });
    expect(html).toContain(
      '<p style="margin:0 0 12px;">以下是截至 2030/3/15 09:00 您名下需要办理的任务。</p>',
    );
    expect(html).toContain(
      `<li style="margin:0 0 6px;"><a href="http://t/1" style="color:#1d4ed8;">测试村 王&lt;b&gt;二 户（户编号 H001） 入户走访（甲），应于 2030/3/14 10:00 完成，已督办至第 2 级</a></li>`,
    );
    expect(html).toContain(
      `<a href="http://t/2" style="color:#1d4ed8;">测试村 王&lt;b&gt;二 户（户编号 H001） 问题整改跟进（乙），2030/3/15 16:00 到期</a>`,
    );
    expect(html.match(/<a href=/g)).toHaveLength(4); // two tasks, the button and the copyable link

    const supervisors = renderSupervisorDigest({
      recipientName: '孙书记',
      day: '2030-03-15',
      at: '2030-03-15T01:00:00.000Z',
      escalations: [
        {
          who,
          kindLabel: '入户走访',
          reason: '甲',
          overdueSince: '2030-03-14T02:00:00Z',
          responsibleName: '张帮扶',
          rung: 3,
          rankLabel: '分管负责人',
          leaderName: '赵分管',
          link: 'http://t/1',
        },
      ],
      publicUrl: 'http://x',
      timeZone: 'Asia/Shanghai',
    });
    expect(supervisors.subject).toBe('【挂牌督战】督办日报（2030-03-15）：未结督办 1 项');
    expect(supervisors.text).toContain(
      `· ${who} 入户走访（甲），自 2030/3/14 10:00 起逾期，责任人：张帮扶，已督办至第 3 级（分管负责人 赵分管） http://t/1`,
    );
    expect(supervisors.link).toBe('http://x/board');
    expect(renderEmailHtml({ kind: 'DIGEST_SUPERVISOR', ...supervisors })).toContain(
      '<a href="http://t/1" style="color:#1d4ed8;">测试村 王&lt;b&gt;二 户（户编号 H001） 入户走访（甲），自 2030/3/14 10:00 起逾期',
    );
  });

  it('never let a name plant a link in the HTML part, whatever its text looks like', () => {
    const hostile = '王二\n· 补助领取 核实 https://evil.example/claim\n';
    const planted = /href="https:\/\/evil\.example/;
    for (const kind of HOUSEHOLD_NOTIFICATION_KINDS) {
      const message = renderMessage(kind, { ...ctx, household: { ...ctx.household, headName: hostile } });
      const html = renderEmailHtml({ kind, ...message });
      expect(html, kind).not.toMatch(planted); // only the system's links are links: the row's, twice
      expect(html.match(/<a href=/g)).toHaveLength(2);
      // and the name stays on its line, in the text and in the HTML part
      expect(message.text).toContain('王二 · 补助领取 核实 https://evil.example/claim');
      expect(message.text).not.toContain('\n·');
      expect(html).toContain('王二 · 补助领取 核实 https://evil.example/claim');
    }
    const digest = renderLeaderDigest({
      recipientName: '李接替',
      day: '2030-03-15',
      at: '2030-03-15T01:00:00.000Z',
      overdue: [],
      dueToday: [
        {
          who: hostile,
          kindLabel: '入户走访',
          reason: '甲',
          dueAt: '2030-03-15T08:00:00Z',
          rung: 0,
          link: 'http://t/2',
        },
      ],
      publicUrl: 'http://x',
      timeZone: 'Asia/Shanghai',
    });
    const html = renderEmailHtml({ kind: 'DIGEST_LEADER', ...digest });
    expect(html).not.toMatch(planted);
    expect(html).toContain('<a href="http://t/2"');
    // A row written before payloads existed shows its text, lines only: nothing in it becomes a link.
    const legacy = renderMessage('TASK_OPENED', {
      ...ctx,
      household: { ...ctx.household, headName: hostile },
    });
    const legacyHtml = renderEmailHtml({
      kind: 'TASK_OPENED',
      subject: legacy.subject,
      text: legacy.text,
      link: legacy.link,
    });
    expect(legacyHtml).not.toMatch(planted);
    expect(legacyHtml).toContain('· 补助领取 核实 https://evil.example/claim');
  });
});

describe('e-mail delivery rules', () => {
  it('derive one Message-ID from the notification id, the same on every attempt', () => {
    expect(messageIdFor('household-H1/abc/t3/rung/2')).toBe(messageIdFor('household-H1/abc/t3/rung/2'));
    expect(messageIdFor('household-H1/abc/t3/rung/2')).not.toBe(messageIdFor('household-H1/abc/t3/rung/3'));
    expect(messageIdFor('x')).toMatch(/^<[0-9a-f]{32}@duzhan>$/);
  });

  it('give up only on permanent rejections of the message, retry everything else', () => {
    const error = (code: string, responseCode?: number) =>
      Object.assign(new Error('e'), { code, responseCode });
    expect(isPermanentSmtpFailure(error('EENVELOPE', 550))).toBe(true);
    expect(isPermanentSmtpFailure(error('EENVELOPE', 553))).toBe(true);
    expect(isPermanentSmtpFailure(error('EMESSAGE', 554))).toBe(true);
    expect(isPermanentSmtpFailure(error('EENVELOPE'))).toBe(true); // no valid recipient address at all
    expect(isPermanentSmtpFailure(error('EENVELOPE', 450))).toBe(false); // mailbox busy: later
    expect(isPermanentSmtpFailure(error('EENVELOPE', 421))).toBe(false);
    expect(isPermanentSmtpFailure(error('EENVELOPE', 503))).toBe(false);
    expect(isPermanentSmtpFailure(error('ESOCKET'))).toBe(false); // connection refused
    expect(isPermanentSmtpFailure(error('ETIMEDOUT'))).toBe(false);
    expect(isPermanentSmtpFailure(error('ECONNECTION'))).toBe(false);
    expect(isPermanentSmtpFailure(error('EAUTH', 535))).toBe(false); // the deployment's to fix
    expect(isPermanentSmtpFailure(error('EABORT'))).toBe(false);
    expect(isPermanentSmtpFailure(undefined)).toBe(false);
    expect(
      describeSmtpError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ESOCKET' })),
    ).toBe('ESOCKET: connect ECONNREFUSED 127.0.0.1:1');
  });
});

describe('the digest day', () => {
  it('is the calendar day in the time zone, ending at its local midnight', () => {
    expect(localDate(new Date('2030-03-14T16:30:00Z'), 'Asia/Shanghai')).toBe('2030-03-15');
    expect(localDate(new Date('2030-03-14T16:30:00Z'), 'UTC')).toBe('2030-03-14');
    expect(endOfLocalDay('2030-03-15', 'Asia/Shanghai').toISOString()).toBe('2030-03-15T16:00:00.000Z');
    expect(endOfLocalDay('2030-12-31', 'Asia/Shanghai').toISOString()).toBe('2030-12-31T16:00:00.000Z');
    // across a daylight-saving change: New York's 2030-03-10 has 23 hours
    expect(endOfLocalDay('2030-03-10', 'America/New_York').toISOString()).toBe('2030-03-11T04:00:00.000Z');
    expect(endOfLocalDay('2030-03-09', 'America/New_York').toISOString()).toBe('2030-03-10T05:00:00.000Z');
  });

  it('is scheduled at DIGEST_TIME, a time of day or a cron expression, in TZ', () => {
    expect(digestScheduleSpec('07:30', 'Asia/Shanghai')).toMatchObject({
      calendars: [{ hour: 7, minute: 30 }],
      timezone: 'Asia/Shanghai',
    });
    expect(digestScheduleSpec('30 6 * * 1-5', 'Asia/Urumqi')).toEqual({
      cronExpressions: ['30 6 * * 1-5'],
      timezone: 'Asia/Urumqi',
    });
  });

  it('settings: defaults, and a clear message for a bad value', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      MAIL_FROM: '督战系统 <duzhan@localhost>',
      DIGEST_TIME: '07:30',
      TZ: 'Asia/Shanghai',
      MAIL_SMTP_PORT: 1025,
      MAIL_WEB_PORT: 1080,
    });
    expect(config.SMTP_URL).toBeUndefined();
    expect(loadConfig({ SMTP_URL: 'smtps://user:pass@mail.example.com:465' }).SMTP_URL).toBe(
      'smtps://user:pass@mail.example.com:465',
    );
    expect(() => loadConfig({ SMTP_URL: 'http://mail.example.com' })).toThrow(/bad setting SMTP_URL/);
    expect(() => loadConfig({ DIGEST_TIME: '7.30' })).toThrow(/bad setting DIGEST_TIME/);
    expect(() => loadConfig({ TZ: 'Mars/Olympus' })).toThrow(/bad setting TZ/);
    expect(loadConfig({ DIGEST_TIME: '0 8 * * *' }).DIGEST_TIME).toBe('0 8 * * *');
  });
});
