import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Capability } from '../../domain/access.js';
import { createUser } from '../../domain/users.js';
import { DEFAULT_POLICY } from '../../policy/index.js';
import { createApp } from '../../server/app.js';
import { type Listening, listen } from '../../server/listen.js';
import { householdWorkflowId } from '../../workflows/household/definitions.js';
import { PASSWORD } from '../helpers/app-server.js';
import { desktopPage, launchChromium, logIn, phonePage, screenshot } from '../helpers/browser.js';
import { eventually } from '../helpers/real-stack.js';
import { startTimeSkippingStack, type TimeSkippingStack } from '../helpers/time-skipping.js';
import { createTownshipFixture, type TownshipFixture } from '../helpers/township-fixture.js';

const DAY = 86_400_000;

// Each role's main flow in real Chromium against the real app, with the household workflows on the
// time-skipping Temporal server so that "a task goes overdue" takes seconds, not a week.
describe('the three roles in a real browser', () => {
  let stack: TimeSkippingStack;
  let town: TownshipFixture;
  let server: Listening;
  let closeApp: () => Promise<void>;
  let browser: Browser;
  let base: string;
  const number = `B${Date.now().toString().slice(-9)}`;
  const names = {
    LEADER: `leader${number}`.toLowerCase(),
    SUPERVISOR: `sup${number}`.toLowerCase(),
    ADMIN: `admin${number}`.toLowerCase(),
  };

  beforeAll(async () => {
    stack = await startTimeSkippingStack();
    town = await createTownshipFixture(stack.prisma);
    await town.activate();
    const user = (role: keyof typeof names, cadreId: string | null, capabilities: Capability[]) =>
      createUser(stack.prisma, {
        username: names[role],
        displayName: `${role}用户`,
        password: PASSWORD,
        capabilities,
        cadreId,
      });
    await user('LEADER', town.cadres.assistance, []);
    await user('SUPERVISOR', town.cadres.townshipHead, ['SUPERVISE']);
    await user('ADMIN', null, ['ADMINISTER']);
    const web = createApp({
      config: {
        TEMPORAL_TASK_QUEUE: stack.taskQueue,
        publicUrl: 'http://duzhan.test',
        sessionSecret: 'browser-test-secret',
      },
      prisma: stack.prisma,
      temporal: stack.env.client,
      databaseUrl: inject('databaseUrl'),
    });
    closeApp = web.close;
    server = await listen(web.app, 0, '127.0.0.1');
    base = `http://127.0.0.1:${server.port}`;
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await closeApp?.();
    await stack?.close();
  });

  it('admin registers a 边缘户 and sees its first task assigned; leader completes the visit; supervisor sees an escalation appear', {
    timeout: 120_000,
  }, async () => {
    await stack.run(async () => {
      // --- admin: register a new 边缘户 ---
      const admin = await desktopPage(browser);
      await logIn(admin, base, names.ADMIN, PASSWORD);
      expect(new URL(admin.url()).pathname).toBe('/admin');
      await admin.fill('#register input[name=number]', number);
      await admin.fill('#register input[name=headName]', '<script>alert(1)</script>李四');
      await admin.fill('#register input[name=villageName]', `测试村${town.suffix}`);
      await admin.selectOption('#register select[name=category]', 'MARGINAL');
      // The head is the first member: the name comes from 户主姓名; two more members are added.
      await admin.fill('#register tr.member:nth-child(1) input[data-field=age]', '52');
      await admin.click('#register button.add-member');
      await admin.fill('#register tr.member:nth-child(2) input[data-field=name]', '王秀兰');
      await admin.fill('#register tr.member:nth-child(2) input[data-field=relation]', '配偶');
      await admin.fill('#register tr.member:nth-child(2) input[data-field=age]', '50');
      await admin.selectOption('#register tr.member:nth-child(2) select[data-field=labourAbility]', 'NONE');
      await admin.click('#register tr.member:nth-child(2) input[data-field=chronicIllness]');
      await admin.fill('#register input[name=phone]', '13900001234');
      await admin.click('#register button[type=submit]');
      await admin.waitForSelector('#register .message.ok');
      expect(await admin.textContent('#register .message')).toContain('已登记');
      stack.adopt(stack.env.client.workflow.getHandle(householdWorkflowId(number)));
      await screenshot(admin, 'admin-register');

      const task = await eventually(() =>
        stack.prisma.task.findFirst({ where: { householdId: number, kind: 'VISIT' } }),
      );
      await admin.goto(`${base}/households/${number}`);
      expect(await admin.textContent('body')).toContain('张帮扶');
      const members = await stack.prisma.householdMember.findMany({
        where: { householdId: number },
        orderBy: { id: 'asc' },
      });
      expect(members.map((m) => [m.name, m.relation, m.age, m.labourAbility, m.chronicIllness])).toEqual([
        ['<script>alert(1)</script>李四', '户主', 52, 'FULL', false],
        ['王秀兰', '配偶', 50, 'NONE', true],
      ]);
      expect(await admin.textContent('h1')).toContain('<script>alert(1)</script>李四'); // shown as text, not run
      await screenshot(admin, 'admin-household');

      // --- leader, on a phone: the task, the form, caps checked as they type, the visit recorded ---
      const leader = await phonePage(browser);
      await logIn(leader, base, names.LEADER, PASSWORD);
      expect(new URL(leader.url()).pathname).toBe('/tasks');
      await leader.waitForSelector(`[data-task="${task.id}"]`);
      await screenshot(leader, 'leader-tasks');
      await leader.click(`[data-task="${task.id}"] a`);
      await leader.fill('input[name=perCapitaIncomeYuan]', '6500');
      await leader.click('#add-measure');
      await leader.selectOption('#measures select[name=kind]', 'MARGINAL_PROJECT');
      await leader.fill('#measures input[name=amountYuan]', '6000');
      expect(await leader.textContent('#measures .field-error')).toContain('5,000');
      await leader.fill('#measures input[name=amountYuan]', '4000');
      expect(await leader.textContent('#measures .field-error')).toBe('');
      await leader.getByRole('button', { name: '提交走访记录' }).click();
      // Either the success or the server's message, whichever comes: the assertion then says which.
      await expect
        .poll(() => leader.textContent('#form-message'), { timeout: 20_000 })
        .not.toMatch(/^(正在保存…)?$/);
      expect(await leader.textContent('#form-message')).toContain('已提交');
      await screenshot(leader, 'leader-visit-form');
      const done = await eventually(async () => {
        const row = await stack.prisma.task.findUnique({ where: { id: task.id } });
        return row?.status === 'DONE' ? row : undefined;
      });
      expect(done.completedBy).toBe(town.cadres.assistance);
      const visit = await stack.prisma.visitRecord.findUniqueOrThrow({
        where: { taskId: task.id },
        include: { measures: true },
      });
      expect(Number(visit.perCapitaIncomeYuan)).toBe(6500);
      expect(visit.measures.map((m) => [m.kind, Number(m.amountYuan)])).toEqual([['MARGINAL_PROJECT', 4000]]);

      // --- supervisor: the next visit is missed, and the escalation appears on the board ---
      const supervisor = await desktopPage(browser);
      await logIn(supervisor, base, names.SUPERVISOR, PASSWORD);
      expect(new URL(supervisor.url()).pathname).toBe('/board');
      expect(await supervisor.textContent('#escalations')).not.toContain('<script>alert(1)</script>李四');
      await stack.env.sleep(
        (DEFAULT_POLICY.visitEveryDays.MARGINAL + DEFAULT_POLICY.visitTaskDueDays) * DAY + 3_600_000,
      );
      await eventually(() => stack.prisma.escalation.findFirst({ where: { task: { householdId: number } } }));
      await supervisor.reload();
      expect(await supervisor.textContent('#escalations')).toContain('<script>alert(1)</script>李四');
      await supervisor.waitForSelector('#chart-income');
      await screenshot(supervisor, 'supervisor-board');
    });
  });
});
