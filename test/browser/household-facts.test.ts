import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppServer, PASSWORD, startAppServer } from '../helpers/app-server.js';
import { launchChromium, logIn, phonePage, screenshot } from '../helpers/browser.js';

// The household page's 修改家庭信息 form in real Chromium: the household's own cadre, on a phone,
// adds a member and changes the phone number of a household not yet under a workflow.
describe('the facts form in a real browser', () => {
  let server: AppServer;
  let browser: Browser;

  beforeAll(async () => {
    server = await startAppServer();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('the household’s cadre adds a member and changes the phone; the page shows the server’s refusals', {
    timeout: 120_000,
  }, async () => {
    const id = await server.town.addHousehold();
    const page = await phonePage(browser);
    await logIn(page, server.base, server.users.LEADER.username, PASSWORD);
    await page.goto(`${server.base}/households/${id}`);
    await page.click('#facts-card summary');
    const rows = '#facts tr.member';
    expect(await page.locator(rows).count()).toBe(3);
    // The stored members had no relation: the form asks for it before sending.
    for (let i = 1; i <= 3; i += 1)
      await page.fill(`${rows}:nth-child(${i}) input[data-field=relation]`, '家庭成员');
    await page.click('#facts button.add-member');
    const added = `${rows}:nth-child(4)`;
    await page.fill(`${added} input[data-field=name]`, '新生儿');
    await page.fill(`${added} input[data-field=relation]`, '孙子');
    await page.fill(`${added} input[data-field=age]`, '0');
    await page.selectOption(`${added} select[data-field=labourAbility]`, 'NONE');
    await page.fill('#facts input[name=phone]', 'not a phone');
    await page.click('#facts button[type=submit]');
    await page.waitForSelector('#facts .message.error');
    expect(await page.textContent('#facts .errors')).toContain('联系电话只能包含数字');

    await page.fill('#facts input[name=phone]', '13900001234');
    await page.fill('#facts input[name=reason]', '新添人口');
    await page.click('#facts button[type=submit]');
    await page.waitForSelector('#facts .message.ok');
    await screenshot(page, 'leader-household-facts');
    const row = await server.stack.prisma.household.findUniqueOrThrow({
      where: { id },
      include: { members: { orderBy: { id: 'asc' } } },
    });
    expect(row.phone).toBe('13900001234');
    expect(row.members.map((m) => [m.name, m.relation, m.age, m.labourAbility])).toEqual([
      ['成员0', '家庭成员', 45, 'FULL'],
      ['成员1', '家庭成员', 43, 'FULL'],
      ['成员2', '家庭成员', 12, 'NONE'],
      ['新生儿', '孙子', 0, 'NONE'],
    ]);
  });
});
