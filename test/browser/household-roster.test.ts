import { readFile } from 'node:fs/promises';
import ExcelJS from 'exceljs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyMigrations } from '../../db/migrate.js';
import { ensureBuiltInPolicies } from '../../domain/policy-versions.js';
import { type AppServer, PASSWORD, startAppServer } from '../helpers/app-server.js';
import { desktopPage, launchChromium, logIn, phonePage, screenshot } from '../helpers/browser.js';
import { headOnlyProfile } from '../helpers/household-profiles.js';
import { eventually } from '../helpers/real-stack.js';
import { scratchDatabase } from '../helpers/scratch-database.js';

// 农户名册 in real Chromium over 10,000 households written straight into PostgreSQL (one INSERT …
// SELECT generate_series per table): search, filters, sort, pages and the CSV/XLSX export; a cadre
// sees only their own households, in the list and by URL; an admin acts on a household from its page.
const N = 10_000;
const DAY = 86_400_000;
const SURNAMES = ['张', '王', '李', '赵', '刘'];
const CATEGORIES = ['UNLIFTED', 'MONITORED', 'MARGINAL'];

/** The generated township, rule by rule: the test's expectations are computed from these, not from SQL. */
const gen = {
  inVillageA: (i: number) => i % 10 < 7,
  category: (i: number) => CATEGORIES[i % 3] as string,
  labourClass: (i: number) => `CLASS_${(i % 4) + 1}`,
  status: (i: number) => (i % 10 === 0 ? 'STABLY_OUT' : 'SUPERVISED'),
  active: (i: number) => i % 10 !== 0,
  /** The LEADER's cadre is the 帮扶责任人 of the first 30; the fixture's second cadre of the rest. */
  leaders: (i: number) => i <= 30,
  overdue: (i: number) => i % 50 === 0,
  rung2: (i: number) => i % 100 === 0,
  followUp: (i: number) => i % 40 === 0,
  /** A visit under every income line a test may have published (1,000 元) or above all (50,000 元). */
  poorVisit: (i: number) => i % 25 === 0,
  richVisit: (i: number) => i % 25 === 5,
};
const range = Array.from({ length: N }, (_, k) => k + 1);
const count = (predicate: (i: number) => boolean) => range.filter(predicate).length;

describe('农户名册 over 10,000 households in a real browser', () => {
  let server: AppServer;
  let browser: Browser;
  let db: { url: string; drop(): Promise<void> } | undefined;
  let villageA: string;
  let villageB: string;
  let prefix: string;
  const num = (i: number) => `${prefix}-${String(i).padStart(5, '0')}`;

  beforeAll(async () => {
    // A database of its own: its 10,000 households would crowd every other file's lists and reports.
    db = await scratchDatabase('roster');
    await applyMigrations(db.url);
    server = await startAppServer({ databaseUrl: db.url });
    await ensureBuiltInPolicies(server.stack.prisma);
    browser = await launchChromium();
    const { prisma } = server.stack;
    const { suffix, cadres } = server.town;
    villageA = server.town.villageId;
    villageB = `v2-${suffix}`;
    prefix = `R${suffix}`;
    await prisma.village.create({ data: { id: villageB, name: `第二村${suffix}` } });
    const started = Date.now();
    await prisma.$executeRaw`
      INSERT INTO "Household" (id, number, "headName", "villageId", category, "labourClass", status, "updatedAt")
      SELECT ${prefix} || '-' || lpad(i::text, 5, '0'), ${prefix} || '-' || lpad(i::text, 5, '0'),
        CASE WHEN i = 3 THEN '=HYPERLINK("http://x")' ELSE (${SURNAMES}::text[])[i % 5 + 1] || '某' || i END,
        CASE WHEN i % 10 < 7 THEN ${villageA} ELSE ${villageB} END,
        (${CATEGORIES}::text[])[i % 3 + 1], 'CLASS_' || (i % 4 + 1),
        CASE WHEN i % 10 = 0 THEN 'STABLY_OUT' ELSE 'SUPERVISED' END, now()
      FROM generate_series(1, ${N}::int) AS i`;
    await prisma.$executeRaw`
      INSERT INTO "HouseholdMember" (id, "householdId", name, relation, age, "labourAbility")
      SELECT h.id || '-m' || k, h.id,
        CASE WHEN k = 0 THEN h."headName" WHEN h.id = ${num(4321)} THEN '欧阳' || ${suffix} ELSE '配偶' || h.number END,
        CASE WHEN k = 0 THEN '户主' ELSE '配偶' END, 40, 'FULL'
      FROM "Household" h CROSS JOIN generate_series(0, 1) AS k WHERE h.id LIKE ${`${prefix}-%`}`;
    await prisma.$executeRaw`
      INSERT INTO "Assignment" (id, "householdId", "cadreId", role, "from")
      SELECT 'roster/' || h.id, h.id,
        CASE WHEN substr(h.id, length(h.id) - 4)::int <= 30 THEN ${cadres.assistance} ELSE ${cadres.assistance2} END,
        'ASSISTANCE', now() - interval '100 days'
      FROM "Household" h WHERE h.id LIKE ${`${prefix}-%`}`;
    const dueAgo = new Date(Date.now() - 2 * DAY);
    const dueLater = new Date(Date.now() + 5 * DAY);
    const visited = new Date(Date.now() - 10 * DAY);
    await prisma.$executeRaw`
      INSERT INTO "Task" (id, "householdId", "workflowId", kind, "assigneeId", "openedAt", "dueAt", status, rung, reason)
      SELECT a."householdId" || '/' || t.tag, a."householdId", 'household-' || a."householdId", t.kind, a."cadreId",
        now() - interval '20 days', CASE WHEN t.tag = 'F' THEN ${dueLater}::timestamp ELSE ${dueAgo}::timestamp END,
        t.status, CASE WHEN t.tag = 'V' AND n.i % 100 = 0 THEN 2 ELSE 0 END, '名册测试'
      FROM "Assignment" a
      CROSS JOIN LATERAL (SELECT substr(a."householdId", length(a."householdId") - 4)::int AS i) n
      CROSS JOIN (VALUES ('V', 'VISIT', 'OPEN'), ('F', 'FOLLOW_UP', 'OPEN'), ('D', 'VISIT', 'DONE'))
        AS t(tag, kind, status)
      WHERE a.id LIKE ${`roster/${prefix}-%`}
        AND ((t.tag = 'V' AND n.i % 50 = 0) OR (t.tag = 'F' AND n.i % 40 = 0)
          OR (t.tag = 'D' AND n.i % 25 IN (0, 5)))`;
    await prisma.$executeRaw`
      INSERT INTO "VisitRecord" (id, "taskId", "householdId", "cadreId", "visitedAt", "perCapitaIncomeYuan",
        "foodOk", "clothingOk", "educationOk", "medicalOk", "housingOk", "waterOk", "guaranteeNotes", "largeCosts",
        compliant, "policyVersion")
      SELECT t.id || '/visit', t.id, t."householdId", t."assigneeId", ${visited},
        CASE WHEN substr(t."householdId", length(t."householdId") - 4)::int % 25 = 0 THEN 1000 ELSE 50000 END,
        true, true, true, true, true, true, '{}', '[]', true, '2020.1'
      FROM "Task" t WHERE t.status = 'DONE' AND t.id LIKE ${`${prefix}-%`}`;
    await prisma.$executeRawUnsafe('ANALYZE');
    console.log(`10,000 households written in ${Date.now() - started} ms`);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await db?.drop();
  });

  const rowIds = (page: Page) =>
    page.$$eval('#roster tr[data-id]', (rows) => rows.map((r) => r.getAttribute('data-id')));
  const total = async (page: Page) => Number((await page.textContent('h1'))?.match(/共 (\d+) 户/)?.[1]);
  const submit = (page: Page) =>
    Promise.all([page.waitForURL(/\/households\?/), page.click('#roster-filter button[type=submit]')]);

  it('a supervisor searches, filters, sorts and pages through the list', { timeout: 180_000 }, async () => {
    const page = await desktopPage(browser);
    await logIn(page, server.base, server.users.SUPERVISOR.username, PASSWORD);
    await page.click('header nav >> text=农户名册');
    expect(new URL(page.url()).pathname).toBe('/households');

    // One village, sorted by 户编号: 50 a page, page 2 follows page 1.
    await page.click('#roster-filter summary');
    await page.selectOption('#roster-filter select[name=villageId]', villageA);
    await submit(page);
    const inA = range.filter(gen.inVillageA);
    expect(await total(page)).toBe(inA.length);
    expect(await rowIds(page)).toEqual(inA.slice(0, 50).map(num));
    await Promise.all([page.waitForURL(/page=2/), page.click('.pager a[rel=next]')]);
    expect(await page.textContent('#page-info')).toBe(`第 2 / ${Math.ceil(inA.length / 50)} 页`);
    expect(await rowIds(page)).toEqual(inA.slice(50, 100).map(num));
    // Descending: the last household of the village first.
    await page.selectOption('#roster-filter select[name=dir]', 'desc');
    await submit(page);
    expect((await rowIds(page))[0]).toBe(num(Math.max(...inA)));
    expect(new URL(page.url()).searchParams.get('page')).toBeNull(); // a new query starts at page 1

    // Category × labour class × village, and the risk and escalation filters.
    await page.selectOption('#roster-filter select[name=category]', 'MONITORED');
    await page.selectOption('#roster-filter select[name=labourClass]', 'CLASS_2');
    await submit(page);
    expect(await total(page)).toBe(
      count((i) => gen.inVillageA(i) && gen.category(i) === 'MONITORED' && gen.labourClass(i) === 'CLASS_2'),
    );
    await page.goto(`${server.base}/households?villageId=${villageA}&risk=income`);
    expect(await total(page)).toBe(count((i) => gen.inVillageA(i) && gen.active(i) && gen.poorVisit(i)));
    await page.goto(`${server.base}/households?villageId=${villageA}&risk=any`);
    expect(await total(page)).toBe(
      count((i) => gen.inVillageA(i) && gen.active(i) && (gen.poorVisit(i) || gen.followUp(i))),
    );
    await page.goto(`${server.base}/households?villageId=${villageB}&overdue=1`);
    expect(await total(page)).toBe(count((i) => !gen.inVillageA(i) && gen.overdue(i)));
    await page.goto(`${server.base}/households?villageId=${villageA}&minRung=2&status=SUPERVISED`);
    expect(await total(page)).toBe(count((i) => gen.inVillageA(i) && gen.rung2(i) && gen.active(i)));
    await page.goto(`${server.base}/households?cadreId=${server.town.cadres.assistance}`);
    expect(await total(page)).toBe(count(gen.leaders));

    // Search: a member's name, a 户编号's beginning, a surname within a village.
    await page.goto(`${server.base}/households`);
    await page.fill('#roster-filter input[name=q]', `欧阳${server.town.suffix}`);
    await submit(page);
    expect(await rowIds(page)).toEqual([num(4321)]);
    await page.fill('#roster-filter input[name=q]', `${prefix}-0432`);
    await submit(page);
    expect(await rowIds(page)).toEqual(range.filter((i) => i >= 4320 && i <= 4329).map(num));
    await page.goto(
      `${server.base}/households?villageId=${villageB}&q=${encodeURIComponent('赵')}&pageSize=100`,
    );
    expect(await total(page)).toBe(count((i) => !gen.inVillageA(i) && i % 5 === 3));
    await screenshot(page, 'supervisor-roster');

    // Bad input: a Chinese message and a 400, the list unfiltered.
    const bad = await page.goto(`${server.base}/households?pageSize=1000`);
    expect(bad?.status()).toBe(400);
    expect(await page.textContent('.message.error')).toContain('每页最多 100 条');

    // The planner serves the prefix search from the roster migration's indexes.
    const plan = await server.stack.prisma.$queryRawUnsafe<Array<{ 'QUERY PLAN': string }>>(
      `EXPLAIN SELECT "householdId" FROM "HouseholdMember" WHERE name ^@ '欧阳${server.town.suffix}'`,
    );
    expect(plan.map((p) => p['QUERY PLAN']).join('\n')).toContain('HouseholdMember_name_prefix_idx');
  });

  it('exports the filtered list as CSV and XLSX, formulas defused', { timeout: 120_000 }, async () => {
    const page = await desktopPage(browser);
    await logIn(page, server.base, server.users.SUPERVISOR.username, PASSWORD);
    await page.goto(`${server.base}/households?villageId=${villageA}&risk=any`);
    const expected = count(
      (i) => gen.inVillageA(i) && gen.active(i) && (gen.poorVisit(i) || gen.followUp(i)),
    );
    const [csvDownload] = await Promise.all([page.waitForEvent('download'), page.click('#export-csv')]);
    const csv = (await readFile((await csvDownload.path()) as string, 'utf8')).replace(/^\uFEFF/, '');
    const lines = csv.trim().split('\n');
    expect(lines[0]).toContain('户编号,户主,村');
    expect(lines).toHaveLength(expected + 1);
    const first = range.find(
      (i) => gen.inVillageA(i) && gen.active(i) && (gen.poorVisit(i) || gen.followUp(i)),
    );
    expect(lines[1]).toContain(num(first ?? 0));
    expect(lines[1]).toMatch(/,1000,\d+,是,/); // its income, the line, under the line

    const [xlsxDownload] = await Promise.all([page.waitForEvent('download'), page.click('#export-xlsx')]);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile((await xlsxDownload.path()) as string);
    const sheet = workbook.getWorksheet('农户名册');
    expect(sheet?.actualRowCount).toBe(expected + 1);

    // A name a spreadsheet would run as a formula is written with a leading apostrophe in the CSV.
    const supervisor = await server.client('SUPERVISOR');
    const one = await supervisor.raw('GET', `/api/exports/roster.csv?q=${num(3)}`);
    expect(await one.text()).toContain(`'=HYPERLINK`);
  });

  it('a cadre lists only their own households and cannot open another by URL', {
    timeout: 120_000,
  }, async () => {
    const page = await phonePage(browser);
    await logIn(page, server.base, server.users.LEADER.username, PASSWORD);
    await page.goto(`${server.base}/households`);
    expect(await total(page)).toBe(count(gen.leaders));
    expect(await page.locator('#roster-filter select[name=cadreId]').count()).toBe(0);
    await page.fill('#roster-filter input[name=q]', `欧阳${server.town.suffix}`);
    await submit(page);
    expect(await total(page)).toBe(0);
    await page.goto(`${server.base}/households?q=${prefix}`);
    expect(await rowIds(page)).toEqual(range.filter(gen.leaders).map(num));
    await screenshot(page, 'leader-roster');
    const other = await page.goto(`${server.base}/households/${num(4321)}`);
    expect(other?.status()).toBe(403);

    const leader = await server.client('LEADER');
    const api = await leader.json<{ total: number; rows: Array<{ id: string }> }>(
      'GET',
      `/api/roster?q=${prefix}`,
    );
    expect(api.body.total).toBe(count(gen.leaders));
    // Bad parameters: a 400 with a Chinese message, for the list and the exports alike.
    for (const bad of ['category=POOR', 'sort=id;drop', 'pageSize=101', 'minRung=x']) {
      for (const path of ['/api/roster', '/api/exports/roster.csv']) {
        const res = await leader.json<{ error: { message: string } }>('GET', `${path}?${bad}`);
        expect(res.status, `${path}?${bad}`).toBe(400);
        expect(res.body.error.message).toMatch(/[\u4e00-\u9fa5]/);
      }
    }
    const csv = await (await leader.raw('GET', '/api/exports/roster.csv')).text();
    expect(csv.trim().split('\n')).toHaveLength(count(gen.leaders) + 1);
    expect(csv).not.toContain(num(4321));
  });

  it('the cadre list shows each cadre’s load and villages', async () => {
    const page = await desktopPage(browser);
    await logIn(page, server.base, server.users.SUPERVISOR.username, PASSWORD);
    // The list is paged (most senior first, then by name): other files' cadres may come first.
    const rowOf = async (cadreId: string) => {
      await page.click('header nav >> text=干部');
      await page.waitForURL('**/cadres');
      const row = page.locator(`#cadres tr[data-id="${cadreId}"]`);
      for (let guard = 0; (await row.count()) === 0 && guard < 50; guard += 1) {
        const next = await page.locator('nav.pager a[rel="next"]').getAttribute('href');
        await page.goto(new URL(next ?? '', page.url()).toString());
      }
      return row;
    };
    const row = await rowOf(server.town.cadres.assistance);
    expect(await row.textContent()).toContain(`${count(gen.leaders)} 户`);
    expect(await row.textContent()).toContain(`测试村${server.town.suffix}`);
    const other = await (await rowOf(server.town.cadres.assistance2))
      .locator('td:nth-child(6)')
      .textContent();
    expect(Number(other)).toBe(count((i) => !gen.leaders(i) && gen.overdue(i)));
  });

  it('an admin acts on a household from its page', { timeout: 180_000 }, async () => {
    const { prisma } = server.stack;
    const number = `RA${server.town.suffix}`;
    const admin = await server.client('ADMIN');
    const registered = await admin.json('POST', '/api/households', {
      number,
      headName: '钱多多',
      villageName: `测试村${server.town.suffix}`,
      category: 'MARGINAL',
      ...headOnlyProfile('钱多多'),
    });
    expect(registered.status).toBe(201);
    await eventually(() => prisma.task.findFirst({ where: { householdId: number, kind: 'VISIT' } }), 30_000);

    // The supervisor and the cadre see the household without the admin's actions.
    for (const persona of ['SUPERVISOR'] as const) {
      const html = await (await (await server.client(persona)).raw('GET', `/households/${number}`)).text();
      expect(html).not.toContain('id="household-actions"');
    }

    const page = await phonePage(browser);
    await logIn(page, server.base, server.users.ADMIN.username, PASSWORD);
    await page.goto(`${server.base}/households`);
    await page.fill('#roster-filter input[name=q]', '钱多');
    await submit(page);
    await Promise.all([
      page.waitForURL(`**/households/${number}`),
      page.click(`#roster a >> text=${number}`),
    ]);

    await page.selectOption('#category select[name=category]', 'MONITORED');
    await page.click('#category button[type=submit]');
    await page.waitForSelector('#category .message.ok');
    await eventually(() => prisma.household.findFirst({ where: { id: number, category: 'MONITORED' } }));

    // The 帮扶责任人 goes to whichever of the two cadres the admission did not choose.
    const current = await prisma.assignment.findFirstOrThrow({
      where: { householdId: number, role: 'ASSISTANCE', to: null },
    });
    const { assistance, assistance2 } = server.town.cadres;
    const successor = current.cadreId === assistance ? assistance2 : assistance;
    await page.selectOption('#reassign select[name=role]', 'ASSISTANCE');
    await page.selectOption('#reassign select[name=cadreId]', successor);
    await page.fill('#reassign input[name=reason]', '工作调动');
    await page.click('#reassign button[type=submit]');
    await page.waitForSelector('#reassign .message.ok');
    await eventually(() =>
      prisma.assignment.findFirst({
        where: { householdId: number, role: 'ASSISTANCE', to: null, cadreId: successor },
      }),
    );

    await page.selectOption('#lifecycle select[name=action]', 'pause');
    await page.fill('#lifecycle input[name=reason]', '外出务工，暂停走访');
    await page.click('#lifecycle button[type=submit]');
    await page.waitForSelector('#lifecycle .message.ok');
    await eventually(() => prisma.household.findFirst({ where: { id: number, status: 'PAUSED' } }));
    await screenshot(page, 'admin-household-actions');

    // The admin page keeps only township-wide forms: no more 户编号 boxes for one household.
    await page.goto(`${server.base}/admin`);
    expect(await page.locator('#reassign, #category, #lifecycle').count()).toBe(0);
    expect(await page.locator('#register, #import, #handover, #shock').count()).toBe(4);
  });
});
