import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Capability } from '../../domain/access.js';
import { createUser } from '../../domain/users.js';
import { createApp } from '../../server/app.js';
import { type Listening, listen } from '../../server/listen.js';
import { householdWorkflowId } from '../../workflows/household/definitions.js';
import { identificationWorkflowId } from '../../workflows/identification/definitions.js';
import { PASSWORD } from '../helpers/app-server.js';
import { desktopPage, launchChromium, logIn, screenshot } from '../helpers/browser.js';
import { eventually } from '../helpers/real-stack.js';
import { startTimeSkippingStack, type TimeSkippingStack } from '../helpers/time-skipping.js';
import { createTownshipFixture, type TownshipFixture } from '../helpers/township-fixture.js';

const DAY = 86_400_000;

// 识别纳入 in real Chromium against the real app: an admin raises a case and follows it, step by step
// (the township's leadership and the county approver acting on theirs), to the household's
// supervision. The workflows run on the time-skipping server, so the 5-day 公示 takes a second.
describe('识别纳入 in a real browser', () => {
  let stack: TimeSkippingStack;
  let town: TownshipFixture;
  let server: Listening;
  let closeApp: () => Promise<void>;
  let browser: Browser;
  let base: string;
  const number = `R${Date.now().toString().slice(-9)}`;
  const names = {
    ADMIN: `idadmin${number}`.toLowerCase(),
    SUPERVISOR: `idsup${number}`.toLowerCase(),
    COUNTY: `idcounty${number}`.toLowerCase(),
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
    await user('ADMIN', null, ['ADMINISTER']);
    await user('SUPERVISOR', town.cadres.townshipHead, ['SUPERVISE']);
    await user('COUNTY', null, ['APPROVE_COUNTY']);
    const web = createApp({
      config: {
        TEMPORAL_TASK_QUEUE: stack.taskQueue,
        publicUrl: 'http://duzhan.test',
        sessionSecret: 'identification-secret',
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

  /** Approves the case's current step from its page, and waits for the next one to show. */
  async function approve(page: Page, caseUrl: string, step: string, next: string) {
    await page.goto(caseUrl);
    expect(await page.textContent('#case-step')).toBe(step);
    await page.selectOption('#decision select[name=approved]', 'true');
    await page.click('#decision button[type=submit]');
    await showsStep(page, next);
  }

  /** The case page, once reloaded by the form, names `label` as its step (or its status). */
  async function showsStep(page: Page, label: string) {
    const summary = () => page.textContent('#case-summary').catch(() => '');
    await expect.poll(async () => (await summary())?.includes(`：${label}`), { timeout: 20_000 }).toBe(true);
  }

  it('an admin raises a case and follows it to supervision', { timeout: 150_000 }, async () => {
    await stack.run(async () => {
      const admin = await desktopPage(browser);
      await logIn(admin, base, names.ADMIN, PASSWORD);
      await admin.goto(`${base}/identification`);
      await admin.fill('#raise input[name=number]', number);
      await admin.fill('#raise input[name=headName]', '周九');
      await admin.selectOption('#raise select[name=villageName]', `测试村${town.suffix}`);
      await admin.selectOption('#raise select[name=source]', 'APPLICATION');
      await admin.fill('#raise input[name=reason]', '因病致贫风险，医疗支出大');
      await admin.click('#raise button[type=submit]');
      await admin.waitForURL(/\/identification\/[0-9a-f-]{36}$/);
      const caseUrl = admin.url();
      const caseId = caseUrl.split('/').pop() ?? '';
      stack.adopt(stack.env.client.workflow.getHandle(identificationWorkflowId(caseId)));
      // The workflow opens the home check a moment after the case is raised.
      await expect
        .poll(
          async () => {
            await admin.reload();
            return admin.locator('#decision').count();
          },
          {
            timeout: 20_000,
          },
        )
        .toBe(1);
      expect(await admin.textContent('#case-step')).toBe('入户核实');
      expect(await admin.textContent('#case-steps')).toContain('张帮扶');

      // The home check, entered from the paper 排查表 by the admin: the household's facts and consent.
      await admin.fill('#decision tr.member:nth-child(1) input[data-field=name]', '周九');
      await admin.fill('#decision tr.member:nth-child(1) input[data-field=relation]', '户主');
      await admin.fill('#decision tr.member:nth-child(1) input[data-field=age]', '58');
      await admin.fill('#decision input[name=phone]', '13700001111');
      await admin.click('#decision button[type=submit]');
      await admin.waitForSelector('#decision .message.error');
      expect(await admin.textContent('#decision .message')).toContain('签字同意');
      await admin.check('#decision input[name=consentSigned]');
      await admin.click('#decision button[type=submit]');
      await showsStep(admin, '信息比对');
      await screenshot(admin, 'identification-case');

      // The township's leadership: 信息比对 and 民主评议; then the 公示.
      const supervisor = await desktopPage(browser);
      await logIn(supervisor, base, names.SUPERVISOR, PASSWORD);
      await approve(supervisor, caseUrl, '信息比对', '村级民主评议');
      await approve(supervisor, caseUrl, '村级民主评议', '公示');
      await supervisor.goto(`${base}/identification/notice?village=${encodeURIComponent(town.villageId)}`);
      expect(await supervisor.textContent('.notice-rows')).toContain('周九');
      expect(await supervisor.textContent('body')).not.toContain('13700001111');
      await screenshot(supervisor, 'identification-notice');

      // Five days of notice pass without objection (time-skipping), then 乡镇审核.
      await stack.env.sleep(5 * DAY + 3_600_000);
      await eventually(async () =>
        (await stack.prisma.identificationCase.findUnique({ where: { id: caseId } }))?.step ===
        'TOWNSHIP_REVIEW'
          ? true
          : undefined,
      );
      await approve(supervisor, caseUrl, '乡镇审核', '县级审批');

      const county = await desktopPage(browser);
      await logIn(county, base, names.COUNTY, PASSWORD);
      await approve(county, caseUrl, '县级审批', '已纳入监测');

      // The admin follows the link to the household, now under supervision, its history kept.
      stack.adopt(stack.env.client.workflow.getHandle(householdWorkflowId(number)));
      await eventually(() => stack.prisma.task.findFirst({ where: { householdId: number, kind: 'VISIT' } }));
      await admin.goto(caseUrl);
      expect(await admin.textContent('#case-status')).toBe('已纳入监测');
      await admin.click(`a[href="/households/${number}"]`);
      await admin.waitForSelector('#identification-history');
      expect(await admin.textContent('#identification-history')).toContain('已纳入监测');
      expect(await admin.textContent('body')).toContain('督战中');
      await screenshot(admin, 'identification-household');
      // No workflow task of the household left in flight when the run ends (see the workflow tests).
      const household = stack.env.client.workflow.getHandle(householdWorkflowId(number));
      await eventually(async () => ((await household.describe()).raw.pendingWorkflowTask ? undefined : true));
    });
  });
});
