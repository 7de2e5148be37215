import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { townshipToday } from '../../config/township-clock.js';
import { DomainError } from '../../domain/errors.js';
import { householdRoster, rosterQuerySchema } from '../../domain/queries/household-roster.js';
import {
  allOpenTasks,
  type BoardPages,
  cadreList,
  chartSeries,
  dispatchReport,
  householdDetail,
  householdsForCadre,
  listHouseholds,
  loadLeaderGroups,
  myTasks,
  type PageInfo,
  type SupervisionBoard,
  supervisionBoard,
} from '../../domain/queries/index.js';
import { connectRealStack, type RealStack } from '../helpers/real-stack.js';
import { createTownshipFixture, type TownshipFixture } from '../helpers/township-fixture.js';

// The read model is written straight into the real PostgreSQL here (the queries never look at
// Temporal), in the year 2030 so that nothing another test file wrote falls into these periods.
// `now` is 01:00 on 16 March in Asia/Shanghai, still 15 March in UTC: "today" must be the 16th.
const NOW = new Date('2030-03-15T17:00:00Z');
const at = (iso: string) => new Date(iso);
const DAY = 86_400_000;

describe('read-model queries over PostgreSQL', () => {
  let stack: RealStack;
  let town: TownshipFixture;
  let h1: string; // MARGINAL: three compliant visits; a visit overdue up to rung 2
  let h2: string; // UNLIFTED (was MONITORED until 20 Feb): last visit failed on water, a follow-up open
  let h3: string; // MONITORED: registered on 14 March; a handover due tomorrow
  let h4: string; // MONITORED: stably out on 13 March
  const t = (n: string) => `${town.suffix}/${n}`;

  beforeAll(async () => {
    stack = await connectRealStack();
    const { prisma } = stack;
    town = await createTownshipFixture(prisma);
    const c = town.cadres;
    h1 = await town.addHousehold({ category: 'MARGINAL' });
    h2 = await town.addHousehold({ category: 'UNLIFTED' });
    h3 = await town.addHousehold({ category: 'MONITORED' });
    h4 = await town.addHousehold({ category: 'MONITORED' });
    await prisma.household.updateMany({
      where: { id: { in: [h1, h2, h3] } },
      data: { status: 'SUPERVISED' },
    });
    await prisma.household.update({
      where: { id: h2 },
      data: {
        causes: ['因病', '缺技术'],
        needs: '治疗慢性病，学一门手艺',
        plan: '申请大病救助；参加技能培训',
      },
    });
    await prisma.household.update({ where: { id: h3 }, data: { createdAt: at('2030-03-14T02:00:00Z') } });
    await prisma.household.update({
      where: { id: h4 },
      data: { status: 'STABLY_OUT', createdAt: at('2030-01-01T00:00:00Z') },
    });
    await prisma.assignment.update({
      where: { id: `seed/${h4}/ASSISTANCE` },
      data: { to: at('2030-03-13T00:00:00Z') },
    });
    await prisma.assignment.create({
      data: {
        id: t('lead1'),
        householdId: h1,
        cadreId: c.villageLeader,
        role: 'LEADER',
        from: at('2030-01-01T00:00:00Z'),
      },
    });

    const task = (
      id: string,
      householdId: string,
      fields: { kind?: string; assigneeId?: string; dueAt: string; status?: string; rung?: number } & Record<
        string,
        unknown
      >,
    ) =>
      prisma.task.create({
        data: {
          id: t(id),
          householdId,
          workflowId: `household-${householdId}`,
          kind: 'VISIT',
          assigneeId: c.assistance,
          openedAt: at('2030-01-01T00:00:00Z'),
          reason: '定期入户走访',
          ...fields,
          dueAt: at(fields.dueAt),
        },
      });
    await task('overdue', h1, { dueAt: '2030-03-10T00:00:00Z', rung: 2 });
    await task('earlier-today', h2, {
      kind: 'FOLLOW_UP',
      dueAt: '2030-03-15T16:30:00Z', // 00:30 on the 16th in Shanghai: today, but already past
      reason: '饮水安全有保障未达标，请在 7 天内落实帮扶',
      findingKind: 'GUARANTEE_FAILED',
      findingItem: 'water',
    });
    await task('today', h2, { dueAt: '2030-03-16T15:00:00Z' }); // 23:00 on the 16th in Shanghai
    await task('upcoming', h3, { kind: 'HANDOVER', dueAt: '2030-03-16T16:30:00Z' }); // 00:30 on the 17th
    await task('done-late', h3, {
      dueAt: '2030-03-02T00:00:00Z',
      status: 'DONE',
      completedAt: at('2030-03-14T00:00:00Z'),
      rung: 1,
    });
    await task('other-cadre', h1, {
      kind: 'HANDOVER',
      assigneeId: c.assistance2,
      dueAt: '2030-03-20T00:00:00Z',
    });

    const escalation = (
      taskId: string,
      rung: number,
      rank: string,
      leaderId: string,
      opened: string,
      closed?: string,
    ) =>
      prisma.escalation.create({
        data: {
          id: `${t(taskId)}/rung/${rung}`,
          taskId: t(taskId),
          rung,
          rank,
          leaderId,
          openedAt: at(opened),
          closedAt: closed ? at(closed) : null,
        },
      });
    await escalation('overdue', 1, 'ASSIGNED', c.assistance, '2030-03-10T00:00:00Z');
    await escalation('overdue', 2, 'VILLAGE_LEADER', c.villageLeader, '2030-03-12T00:00:00Z');
    await escalation(
      'done-late',
      1,
      'ASSIGNED',
      c.assistance,
      '2030-03-01T00:00:00Z',
      '2030-03-14T00:00:00Z',
    );

    let serial = 0;
    const visit = async (householdId: string, visitedAt: string, compliant: boolean, income: number) => {
      serial += 1;
      const taskId = t(`visit-${serial}`);
      await prisma.task.create({
        data: {
          id: taskId,
          householdId,
          workflowId: `household-${householdId}`,
          kind: 'VISIT',
          assigneeId: c.assistance,
          openedAt: at(visitedAt),
          dueAt: new Date(Date.parse(visitedAt) + 7 * DAY),
          status: 'DONE',
          completedAt: at(visitedAt),
          reason: '定期入户走访',
        },
      });
      await prisma.visitRecord.create({
        data: {
          id: `${taskId}/visit`,
          taskId,
          householdId,
          cadreId: c.assistance,
          visitedAt: at(visitedAt),
          perCapitaIncomeYuan: income,
          foodOk: true,
          clothingOk: true,
          educationOk: true,
          medicalOk: true,
          housingOk: true,
          waterOk: compliant,
          guaranteeNotes: compliant ? {} : { water: '水窖干涸' },
          largeCosts: [],
          compliant,
          policyVersion: '2024.1',
          measures: {
            create: [{ id: `${taskId}/visit/m0`, kind: 'INDUSTRY_SUBSIDY', amountYuan: 1000, persons: 1 }],
          },
        },
      });
    };
    await visit(h1, '2030-01-10T02:00:00Z', true, 6000);
    await visit(h1, '2030-02-10T02:00:00Z', true, 6200);
    await visit(h1, '2030-03-10T02:00:00Z', true, 6500);
    await visit(h2, '2030-02-01T02:00:00Z', true, 4500);
    await visit(h2, '2030-03-14T02:00:00Z', false, 3000);
    await visit(h3, '2030-02-15T02:00:00Z', false, 4200);
    await visit(h3, '2030-03-01T02:00:00Z', true, 5000);

    await prisma.exitAssessment.create({
      data: {
        id: `household-${h4}/x/exit`,
        householdId: h4,
        workflowId: `household-${h4}`,
        criteria: [{ key: 'STABLE_COMPLIANT_VISITS', label: '收入稳定', met: true, detail: '' }],
        decision: 'STABLY_OUT',
        steps: [],
        decidedAt: at('2030-03-13T00:00:00Z'),
      },
    });
    const audit = (householdId: string, action: string, when: string, detail: object = {}) =>
      prisma.auditLog.create({ data: { at: at(when), actor: 'workflow', action, householdId, detail } });
    await audit(h4, 'SUPERVISION_STARTED', '2030-01-02T00:00:00Z');
    await audit(h4, 'STABLY_OUT', '2030-03-13T00:00:00Z');
    await audit(h2, 'CATEGORY_CHANGED', '2030-02-20T00:00:00Z', { from: 'MONITORED', to: 'UNLIFTED' });
    await prisma.auditLog.create({
      data: {
        at: at('2030-03-14T03:00:00Z'),
        actor: c.villageLeader,
        action: 'SHOCK_DECLARED',
        householdId: h2,
      },
    });
  });

  afterAll(async () => stack?.close());

  it('knows the day in Asia/Shanghai, not in UTC', () => {
    const day = townshipToday(NOW);
    expect(day.date).toBe('2030-03-16');
    expect(day.start.toISOString()).toBe('2030-03-15T16:00:00.000Z');
    expect(day.end.toISOString()).toBe('2030-03-16T16:00:00.000Z');
  });

  it('myTasks: due today, overdue (with rung and the leaders told), upcoming', async () => {
    const mine = await myTasks(stack.prisma, { cadreId: town.cadres.assistance, now: NOW });
    expect(mine.today).toBe('2030-03-16');
    expect(mine.overdue.map((x) => x.id)).toEqual([t('overdue'), t('earlier-today')]);
    expect(mine.dueToday.map((x) => x.id)).toEqual([t('today')]);
    expect(mine.upcoming.map((x) => x.id)).toEqual([t('upcoming')]);

    const [worst, followUp] = mine.overdue;
    expect(worst?.rung).toBe(2);
    expect(worst?.escalations.map((e) => [e.rung, e.leader.id, e.rankLabel])).toEqual([
      [1, town.cadres.assistance, '任务承办人'],
      [2, town.cadres.villageLeader, '包村领导'],
    ]);
    expect(worst?.household).toEqual({
      id: h1,
      number: h1,
      headName: '户主',
      village: { id: town.villageId, name: `测试村${town.suffix}` },
    });
    expect(worst?.kindLabel).toBe('入户走访');
    expect(followUp).toMatchObject({
      kind: 'FOLLOW_UP',
      findingKindLabel: '两不愁三保障或饮水安全未达标',
      findingItemLabel: '饮水安全有保障',
      rung: 0,
      escalations: [],
    });
    expect(JSON.parse(JSON.stringify(mine))).toEqual(mine); // plain JSON
  });

  it('allOpenTasks: the whole village, or one assignee', async () => {
    const village = await allOpenTasks(stack.prisma, { now: NOW, villageId: town.villageId });
    expect(village.tasks.map((x) => x.id).sort()).toEqual(
      [t('overdue'), t('earlier-today'), t('today'), t('upcoming'), t('other-cadre')].sort(),
    );
    expect(village.overdueCount).toBe(2);
    const other = await allOpenTasks(stack.prisma, { now: NOW, assigneeId: town.cadres.assistance2 });
    expect(other.tasks.map((x) => x.id)).toEqual([t('other-cadre')]);
    expect(other.tasks[0]?.assignee).toMatchObject({ name: '李接替', rankLabel: '帮扶责任人' });
  });

  it('allOpenTasks a page at a time: the boundary, the last page, back again, a bad cursor', async () => {
    const all = await allOpenTasks(stack.prisma, { now: NOW, villageId: town.villageId });
    const expected = all.tasks.map((x) => x.id);
    expect(expected).toHaveLength(5);
    expect(all.page).toEqual({ limit: 50, nextCursor: null, prevCursor: null });

    const first = await allOpenTasks(stack.prisma, { now: NOW, villageId: town.villageId, limit: 2 });
    expect(first.tasks.map((x) => x.id)).toEqual(expected.slice(0, 2));
    expect(first.total).toBe(5); // every matching task, not the page's
    expect(first.overdueCount).toBe(2);
    expect(first.page.prevCursor).toBeNull();
    const cursor = first.page.nextCursor ?? '';
    const second = await allOpenTasks(stack.prisma, {
      now: NOW,
      villageId: town.villageId,
      limit: 2,
      cursor,
    });
    expect(second.tasks.map((x) => x.id)).toEqual(expected.slice(2, 4));
    const last = await allOpenTasks(stack.prisma, {
      now: NOW,
      villageId: town.villageId,
      limit: 2,
      cursor: second.page.nextCursor ?? '',
    });
    expect(last.tasks.map((x) => x.id)).toEqual(expected.slice(4));
    expect(last.page.nextCursor).toBeNull();
    const back = await allOpenTasks(stack.prisma, {
      now: NOW,
      villageId: town.villageId,
      limit: 2,
      cursor: last.page.prevCursor ?? '',
    });
    expect(back.tasks.map((x) => x.id)).toEqual(expected.slice(2, 4));
    const front = await allOpenTasks(stack.prisma, {
      now: NOW,
      villageId: town.villageId,
      limit: 2,
      cursor: back.page.prevCursor ?? '',
    });
    expect(front.tasks.map((x) => x.id)).toEqual(expected.slice(0, 2));
    expect(front.page.prevCursor).toBeNull();

    for (const bad of ['not a cursor', Buffer.from('{"k":[1],"d":"n"}').toString('base64url'), 'e30']) {
      const error = await allOpenTasks(stack.prisma, { now: NOW, cursor: bad }).catch((e: unknown) => e);
      expect(error).toMatchObject({ kind: 'INVALID', message: '翻页参数无效，请回到第一页重新翻页' });
    }
    await expect(allOpenTasks(stack.prisma, { now: NOW, limit: 201 })).rejects.toMatchObject({
      kind: 'INVALID',
    });
  });

  it('listHouseholds a page at a time, in village then number order', async () => {
    const first = await listHouseholds(stack.prisma, { villageId: town.villageId }, { limit: 3 });
    expect(first.items.map((h) => h.id)).toEqual([h1, h2, h3]);
    const last = await listHouseholds(
      stack.prisma,
      { villageId: town.villageId },
      { limit: 3, cursor: first.page.nextCursor ?? '' },
    );
    expect(last.items.map((h) => h.id)).toEqual([h4]);
    expect(last.items[0]).toMatchObject({ status: 'STABLY_OUT', openTaskCount: 0 });
    expect(last.page.nextCursor).toBeNull();
    const back = await listHouseholds(
      stack.prisma,
      { villageId: town.villageId },
      { limit: 3, cursor: last.page.prevCursor ?? '' },
    );
    expect(back.items.map((h) => h.id)).toEqual([h1, h2, h3]);
    // Only the households given, however many pages the township has.
    const mine = await listHouseholds(stack.prisma, { householdIds: [h2, h4] });
    expect(mine.items.map((h) => h.id)).toEqual([h2, h4]);
  });

  it('householdDetail: members, cadres, plan, open tasks, the ledger of visits, follow-ups, timeline', async () => {
    const d = await householdDetail(stack.prisma, h2, NOW);
    expect(d).toMatchObject({
      number: h2,
      category: 'UNLIFTED',
      categoryLabel: '未脱贫户',
      nationalCategoryLabel: '脱贫不稳定户',
      labourClassLabel: '一类',
      causes: ['因病', '缺技术'],
      plan: '申请大病救助；参加技能培训',
      statusLabel: '督战中',
      village: { id: town.villageId, isPoor: true },
    });
    expect(d.members.map((m) => [m.age, m.labourAbilityLabel])).toEqual([
      [45, '有劳动力'],
      [43, '有劳动力'],
      [12, '无劳动力'],
    ]);
    expect(d.cadres).toHaveLength(1);
    expect(d.cadres[0]).toMatchObject({
      role: 'ASSISTANCE',
      roleLabel: '帮扶责任人',
      cadre: { id: town.cadres.assistance },
    });
    expect(d.openTasks.map((x) => x.id)).toEqual([t('earlier-today'), t('today')]);
    expect(d.visits.map((v) => v.visitedAt)).toEqual([
      '2030-03-14T02:00:00.000Z',
      '2030-02-01T02:00:00.000Z',
    ]);
    const latest = d.visits[0];
    expect(latest?.compliant).toBe(false);
    expect(latest?.incomeBelowLine).toBe(true);
    expect(latest?.guarantees.find((g) => g.item === 'water')).toEqual({
      item: 'water',
      label: '饮水安全有保障',
      ok: false,
      note: '水窖干涸',
    });
    expect(latest?.measures).toEqual([
      { kind: 'INDUSTRY_SUBSIDY', kindLabel: '到户产业奖补', amountYuan: 1000, persons: 1 },
    ]);
    expect(latest?.visitor).toEqual({ id: town.cadres.assistance, name: '张帮扶' });
    expect(d.followUps.map((f) => [f.id, f.statusLabel, f.findingItem])).toEqual([
      [t('earlier-today'), '待办', 'water'],
    ]);
    expect(d.summary).toMatchObject({
      memberCount: 3,
      labourCount: 2,
      latestIncomeYuan: 3000,
      incomeLineYuan: 4000,
      consecutiveCompliantVisits: 0,
      minCompliantVisits: 6,
      openFollowUps: 1,
    });
    expect(d.timeline.map((r) => [r.action, r.actionLabel, r.actorName])).toEqual([
      ['SHOCK_DECLARED', '突发风险', '王包村'],
      ['CATEGORY_CHANGED', '调整户类别', null],
    ]);
    expect(JSON.parse(JSON.stringify(d))).toEqual(d);

    const out = await householdDetail(stack.prisma, h4, NOW);
    expect(out.exits).toHaveLength(1);
    expect(out.exits[0]?.decision).toBe('STABLY_OUT');
  });

  it('householdDetail of an unknown id is NOT_FOUND, in Chinese', async () => {
    const error = await householdDetail(stack.prisma, `NOPE${town.suffix}`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ kind: 'NOT_FOUND' });
    expect((error as Error).message).toMatch(/没有编号为/);
  });

  it('householdsForCadre and listHouseholds', async () => {
    expect(await householdsForCadre(stack.prisma, town.cadres.villageLeader)).toEqual([h1]);
    expect(await householdsForCadre(stack.prisma, town.cadres.assistance)).toEqual([h1, h2, h3].sort());
    expect(await householdsForCadre(stack.prisma, town.cadres.assistance2)).toEqual([h1]); // an open task there

    const { items: all } = await listHouseholds(stack.prisma, { villageId: town.villageId });
    expect(all.map((h) => h.id)).toEqual([h1, h2, h3, h4]);
    const first = all[0];
    expect(first).toMatchObject({
      categoryLabel: '边缘户',
      memberCount: 3,
      openTaskCount: 2,
      highestRung: 2,
      lastVisitCompliant: true,
      latestIncomeYuan: 6500,
    });
    expect(first?.cadres.map((c) => c.roleLabel).sort()).toEqual(['帮扶责任人', '结对帮扶领导'].sort());
    const { items: unlifted } = await listHouseholds(stack.prisma, {
      villageId: town.villageId,
      category: 'UNLIFTED',
    });
    expect(unlifted.map((h) => h.id)).toEqual([h2]);
    const { items: out } = await listHouseholds(stack.prisma, {
      villageId: town.villageId,
      status: 'STABLY_OUT',
    });
    expect(out.map((h) => h.id)).toEqual([h4]);
    expect(
      (await listHouseholds(stack.prisma, { cadreId: town.cadres.villageLeader })).items.map((h) => h.id),
    ).toEqual([h1]);
  });

  /** Every row of one of the board's lists, following its next cursors. */
  async function everyBoardRow<T>(
    list: (board: SupervisionBoard) => { items: T[]; page: PageInfo },
    pages: (cursor: string | undefined) => BoardPages,
  ): Promise<T[]> {
    const rows: T[] = [];
    let cursor: string | undefined;
    for (let guard = 0; guard < 100; guard += 1) {
      const { items, page } = list(await supervisionBoard(stack.prisma, { now: NOW, pages: pages(cursor) }));
      rows.push(...items);
      if (!page.nextCursor) return rows;
      cursor = page.nextCursor;
    }
    throw new Error('more than 100 pages');
  }

  it('supervisionBoard: overdue work and escalations by rung, village and leader; risk; progress', async () => {
    const board = await supervisionBoard(stack.prisma, { now: NOW });
    const [overdueTasks, openEscalations, atRisk, progressRows, leaders] = await Promise.all([
      everyBoardRow(
        (b) => ({ items: b.overdueTasks, page: b.pages.overdueTasks }),
        (cursor) => ({ overdueTasks: { cursor, limit: 200 } }),
      ),
      everyBoardRow(
        (b) => ({ items: b.openEscalations, page: b.pages.openEscalations }),
        (cursor) => ({ openEscalations: { cursor, limit: 200 } }),
      ),
      everyBoardRow(
        (b) => ({ items: b.householdsAtRisk, page: b.pages.householdsAtRisk }),
        (cursor) => ({ householdsAtRisk: { cursor, limit: 200 } }),
      ),
      everyBoardRow(
        (b) => ({ items: b.progress.households, page: b.pages.progress }),
        (cursor) => ({ progress: { cursor, limit: 200 } }),
      ),
      // Two at a time: the leaders' list is paged like the others.
      everyBoardRow(
        (b) => ({ items: b.byLeader, page: b.pages.leaders }),
        (cursor) => ({ leaders: { cursor, limit: 2 } }),
      ),
    ]);
    expect(overdueTasks).toHaveLength(board.overdueTaskCount);
    expect(openEscalations).toHaveLength(board.openEscalationCount);
    expect(atRisk).toHaveLength(board.householdsAtRiskCount);
    expect(new Set(overdueTasks.map((x) => x.id)).size).toBe(overdueTasks.length); // no row on two pages

    const village = board.byVillage.find((g) => g.key === town.villageId);
    expect(village).toEqual({
      key: town.villageId,
      label: `测试村${town.suffix}`,
      overdueTaskCount: 2,
      openEscalationCount: 2,
    });
    const ofVillage = overdueTasks.filter((x) => x.household.village.id === town.villageId);
    expect(ofVillage.map((x) => x.id).sort()).toEqual([t('overdue'), t('earlier-today')].sort());

    const rung = (n: number) => board.byRung.find((g) => g.key === String(n));
    expect(rung(2)?.label).toBe('第 2 级：包村领导');
    expect(overdueTasks.find((x) => x.id === t('overdue'))?.rung).toBe(2);
    expect(overdueTasks.find((x) => x.id === t('earlier-today'))?.rung).toBe(0);
    const escalation = (id: string) => openEscalations.find((e) => e.id === id);
    expect(escalation(`${t('overdue')}/rung/2`)?.rung).toBe(2);
    expect(escalation(`${t('overdue')}/rung/1`)?.rung).toBe(1);
    for (const g of board.byRung) {
      expect(g.overdueTaskCount).toBe(overdueTasks.filter((x) => String(x.rung) === g.key).length);
      expect(g.openEscalationCount).toBe(openEscalations.filter((e) => String(e.rung) === g.key).length);
    }

    // Most escalations first, then most overdue, then by label in Chinese order; no cadre on two pages.
    expect(leaders.map((g) => g.key)).toEqual(
      [...leaders]
        .sort(
          (a, b) =>
            b.openEscalationCount - a.openEscalationCount ||
            b.overdueTaskCount - a.overdueTaskCount ||
            a.label.localeCompare(b.label, 'zh') ||
            (a.key < b.key ? -1 : 1),
        )
        .map((g) => g.key),
    );
    expect(new Set(leaders.map((g) => g.key)).size).toBe(leaders.length);
    expect(leaders.reduce((n, g) => n + g.overdueTaskCount, 0)).toBe(board.overdueTaskCount);
    expect(leaders.reduce((n, g) => n + g.openEscalationCount, 0)).toBe(board.openEscalationCount);
    // The previous page of the second page is the first.
    const page1 = await supervisionBoard(stack.prisma, { now: NOW, pages: { leaders: { limit: 2 } } });
    if (page1.pages.leaders.nextCursor) {
      const page2 = await supervisionBoard(stack.prisma, {
        now: NOW,
        pages: { leaders: { limit: 2, cursor: page1.pages.leaders.nextCursor } },
      });
      const back = await supervisionBoard(stack.prisma, {
        now: NOW,
        pages: { leaders: { limit: 2, cursor: page2.pages.leaders.prevCursor ?? '' } },
      });
      expect(back.byLeader).toEqual(page1.byLeader);
    }
    // A first page of any size is the start of the whole order. Fewer cadres with escalations than
    // it holds: every cadre is summed; more: only the most escalated (two ways, one answer).
    const escalated = leaders.filter((g) => g.openEscalationCount > 0).length;
    expect(escalated).toBeGreaterThanOrEqual(2);
    for (const limit of [1, escalated - 1, escalated, escalated + 1]) {
      const first = await loadLeaderGroups(stack.prisma, NOW, { limit });
      expect(first.items).toEqual(leaders.slice(0, limit));
      expect(first.page.nextCursor !== null).toBe(leaders.length > limit);
    }

    const leader = leaders.find((g) => g.key === town.cadres.villageLeader);
    expect(leader).toMatchObject({
      label: '王包村（包村领导）',
      overdueTaskCount: 0,
      openEscalationCount: 1,
    });
    expect(openEscalations.filter((e) => e.leader.id === town.cadres.villageLeader)[0]).toMatchObject({
      rung: 2,
      household: { id: h1 },
      task: { id: t('overdue'), kindLabel: '入户走访' },
    });
    const assignee = leaders.find((g) => g.key === town.cadres.assistance);
    expect(assignee).toMatchObject({ overdueTaskCount: 2, openEscalationCount: 1 });
    // The escalation of a task done late is closed: on no board.
    expect(openEscalations.map((e) => e.id)).not.toContain(`${t('done-late')}/rung/1`);

    const risk = new Map(atRisk.map((r) => [r.household.id, r.reasons.map((x) => x.code)]));
    expect(risk.get(h1)).toEqual(['ESCALATED']);
    expect(risk.get(h2)).toEqual(['OPEN_FOLLOW_UP', 'LAST_VISIT_NON_COMPLIANT']);
    expect(risk.has(h3)).toBe(false);
    expect(risk.has(h4)).toBe(false);
    // Most reasons first, then the highest rung.
    const order = atRisk.map((r) => [r.reasons.length, r.highestOpenRung] as const);
    expect(order).toEqual([...order].sort((a, b) => b[0] - a[0] || b[1] - a[1]));

    const progress = new Map(progressRows.map((p) => [p.household.id, p]));
    expect(progress.get(h1)).toMatchObject({
      consecutiveCompliantVisits: 3,
      minCompliantVisits: 6,
      remaining: 3,
    });
    expect(progress.get(h2)).toMatchObject({ consecutiveCompliantVisits: 0, remaining: 6 });
    expect(progress.get(h3)).toMatchObject({ consecutiveCompliantVisits: 1, remaining: 5 });
    expect(progress.has(h4)).toBe(false); // out: no longer in progress
    const statuses = board.progress.byStatus.map((s) => s.status);
    expect(statuses.slice(0, 6)).toEqual([
      'REGISTERED',
      'SUPERVISED',
      'PAUSED',
      'CLOSING',
      'STABLY_OUT',
      'CANCELLED',
    ]);
    expect(board.progress.byStatus.find((s) => s.status === 'STABLY_OUT')?.count).toBeGreaterThanOrEqual(1);
    expect(JSON.parse(JSON.stringify(board))).toEqual(board);
  });

  it('dispatchReport: the week’s overdue work, escalations, risk, new households, exits, per village', async () => {
    const since = new Date(NOW.getTime() - 7 * DAY);
    const everything = { limit: 200 };
    const report = await dispatchReport(stack.prisma, {
      now: NOW,
      since,
      pages: { overdueTasks: everything, householdsAtRisk: everything, limit: 200 },
    });
    expect(report.title).toBe('挂牌督战调度会报告');
    expect(report.period).toMatchObject({ sinceDate: '2030-03-09', untilDate: '2030-03-16', days: 7 });

    const escalationIds = (rows: Array<{ id: string }>) => rows.map((r) => r.id);
    expect(escalationIds(report.escalations.openedInPeriod)).toEqual(
      expect.arrayContaining([`${t('overdue')}/rung/1`, `${t('overdue')}/rung/2`]),
    );
    expect(escalationIds(report.escalations.openedInPeriod)).not.toContain(`${t('done-late')}/rung/1`);
    expect(escalationIds(report.escalations.closedInPeriod)).toContain(`${t('done-late')}/rung/1`);
    expect(escalationIds(report.escalations.stillOpen)).toEqual(
      expect.arrayContaining([`${t('overdue')}/rung/1`, `${t('overdue')}/rung/2`]),
    );
    expect(report.overdueTasks.map((x) => x.id)).toEqual(
      expect.arrayContaining([t('overdue'), t('earlier-today')]),
    );
    expect(report.newHouseholds.map((h) => h.id)).toContain(h3);
    expect(report.newHouseholds.map((h) => h.id)).not.toContain(h1);
    expect(report.exits.map((e) => [e.household.id, e.decidedAt])).toContainEqual([
      h4,
      '2030-03-13T00:00:00.000Z',
    ]);
    expect(report.householdsAtRisk.map((r) => r.household.id)).toEqual(expect.arrayContaining([h1, h2]));

    const village = report.villages.find((v) => v.village.id === town.villageId);
    expect(village).toEqual({
      village: { id: town.villageId, name: `测试村${town.suffix}`, isPoor: true },
      households: 4,
      byCategory: { UNLIFTED: 1, MONITORED: 2, MARGINAL: 1 },
      underSupervision: 3,
      stablyOut: 1,
      overdueTasks: 2,
      openEscalations: 2,
      atRisk: 2,
      visitsInPeriod: 2,
      newHouseholds: 1,
      exits: 1,
    });
    expect(report.summary.tasksCompleted).toBeGreaterThanOrEqual(2);

    await expect(dispatchReport(stack.prisma, { now: since, since: NOW })).rejects.toMatchObject({
      kind: 'INVALID',
    });

    // Cancellations in the period, with the audit row's reason when it is a string (households of
    // another village, so this one's figures stay as the other tests expect them).
    const other = await createTownshipFixture(stack.prisma);
    const movedAway = await other.addHousehold({ category: 'MONITORED' });
    const unexplained = await other.addHousehold({ category: 'MONITORED' });
    const cancel = (householdId: string, when: string, detail: object) =>
      stack.prisma.auditLog.create({
        data: { at: at(when), actor: 'workflow', action: 'SUPERVISION_CANCELLED', householdId, detail },
      });
    await cancel(movedAway, '2030-03-12T00:00:00Z', { reason: '迁出本乡' });
    await cancel(unexplained, '2030-03-12T01:00:00Z', { reason: 42 });
    const later = await dispatchReport(stack.prisma, { now: NOW, since, pages: { limit: 200 } });
    const mine = later.cancellations.filter((c) => [movedAway, unexplained].includes(c.household.id));
    expect(mine).toEqual([
      {
        household: expect.objectContaining({
          id: movedAway,
          village: { id: other.villageId, name: expect.any(String) },
        }),
        at: '2030-03-12T00:00:00.000Z',
        reason: '迁出本乡',
      },
      {
        household: expect.objectContaining({ id: unexplained }),
        at: '2030-03-12T01:00:00.000Z',
        reason: null,
      },
    ]);
  });

  it('the board’s and the report’s village counts at any instant equal the rows’ own (kept hours and days, the parts read row by row)', async () => {
    const { prisma } = stack;
    const villageId = town.villageId;
    const ofVillage = { household: { villageId } };
    const [tasks, visits, exits] = await Promise.all([
      prisma.task.findMany({ where: { status: 'OPEN', ...ofVillage }, select: { dueAt: true } }),
      prisma.visitRecord.findMany({ where: ofVillage, select: { visitedAt: true } }),
      prisma.exitAssessment.findMany({
        where: { decision: 'STABLY_OUT', ...ofVillage },
        select: { decidedAt: true },
      }),
    ]);
    // Around each row's own instant (before, at, just after, later in its hour, the end of its day)
    // and NOW: the kept bucket cut by `now` at every place the rows can be.
    const instants = [
      NOW,
      ...[
        ...tasks.map((x) => x.dueAt),
        ...visits.map((x) => x.visitedAt),
        ...exits.map((x) => x.decidedAt),
      ].flatMap((t) => [-1, 0, 1, 30 * 60_000, DAY - 1].map((d) => new Date(t.getTime() + d))),
    ];
    // Periods of a week, and within one day or one hour (a report of the last hours: splitByDay's
    // same-day case, no kept day read at all).
    const periods = instants.flatMap((now) => [7 * DAY, DAY / 2, 3_600_000].map((span) => ({ now, span })));
    for (const { now, span } of periods) {
      const since = new Date(now.getTime() - span);
      const inPeriod = { gte: since, lte: now };
      const [board, report, overdue, visited, exited] = await Promise.all([
        supervisionBoard(prisma, { now }),
        dispatchReport(prisma, { now, since }),
        prisma.task.count({ where: { status: 'OPEN', dueAt: { lt: now }, ...ofVillage } }),
        prisma.visitRecord.count({ where: { visitedAt: inPeriod, ...ofVillage } }),
        prisma.exitAssessment.count({ where: { decision: 'STABLY_OUT', decidedAt: inPeriod, ...ofVillage } }),
      ]);
      const row = report.villages.find((v) => v.village.id === villageId);
      expect(
        {
          board: board.byVillage.find((g) => g.key === villageId)?.overdueTaskCount ?? 0,
          report: row?.overdueTasks,
          visits: row?.visitsInPeriod,
          exits: row?.exits,
        },
        `${now.toISOString()} over ${span} ms`,
      ).toEqual({ board: overdue, report: overdue, visits: visited, exits: exited });
    }
  });

  it('chartSeries: households by category and status over the weeks, overdue and escalations, income', async () => {
    const series = await chartSeries(stack.prisma, { now: NOW, weeks: 6, villageId: town.villageId });
    expect(series.labels).toEqual([
      '2030-02-09',
      '2030-02-16',
      '2030-02-23',
      '2030-03-02',
      '2030-03-09',
      '2030-03-16',
    ]);
    const line = (lines: typeof series.categories, key: string) => lines.find((l) => l.key === key)?.values;
    // h2 was 脱贫监测户 until 20 Feb; h3 exists from 14 Mar; h4 left (stably out) on 13 Mar.
    expect(line(series.categories, 'UNLIFTED')).toEqual([0, 0, 1, 1, 1, 1]);
    expect(line(series.categories, 'MONITORED')).toEqual([2, 2, 1, 1, 1, 1]);
    expect(line(series.categories, 'MARGINAL')).toEqual([1, 1, 1, 1, 1, 1]);
    expect(line(series.statuses, 'SUPERVISED')).toEqual([3, 3, 3, 3, 3, 3]);
    expect(line(series.statuses, 'STABLY_OUT')).toEqual([0, 0, 0, 0, 0, 1]);
    expect(series.overdueTasks).toEqual([0, 0, 0, 0, 1, 2]);
    expect(series.escalationsOpened).toEqual([0, 0, 0, 1, 0, 2]);
    expect(series.income.lineYuan).toBe(4000);
    expect(series.income.households.map((h) => [h.id, h.incomeYuan, h.belowLine])).toEqual([
      [h2, 3000, true],
      [h3, 5000, false],
      [h1, 6500, false],
    ]);
    await expect(chartSeries(stack.prisma, { now: NOW, weeks: 0 })).rejects.toMatchObject({
      kind: 'INVALID',
    });
  });

  it('householdRoster: each total (kept counts, index ranges or a count) is the number of rows its pages hold', async () => {
    const filters = [
      {},
      { category: 'MONITORED' },
      { villageId: town.villageId, status: 'SUPERVISED' },
      { risk: 'any' },
      { risk: 'income' },
      { risk: 'followUp' },
      { risk: 'any', villageId: town.villageId },
    ];
    for (const query of filters) {
      let rows = 0;
      let total = -1;
      for (let page = 1; page <= 1000; page += 1) {
        const result = await householdRoster(stack.prisma, {
          filter: rosterQuerySchema.parse({ ...query, page, pageSize: 100 }),
          scope: { all: true },
          now: NOW,
        });
        total = result.total;
        rows += result.rows.length;
        if (result.rows.length < 100) break;
      }
      expect(rows, JSON.stringify(query)).toBe(total);
    }
    const risky = await householdRoster(stack.prisma, {
      filter: rosterQuerySchema.parse({ risk: 'any', villageId: town.villageId }),
      scope: { all: true },
      now: NOW,
    });
    expect(risky.rows.map((r) => r.id)).toContain(h2); // an open follow-up
  });

  it('cadreList: rank labels, villages and current load', async () => {
    const cadres = await cadreList(stack.prisma, { now: NOW });
    const assistance = cadres.find((c) => c.id === town.cadres.assistance);
    expect(assistance).toMatchObject({
      name: '张帮扶',
      rankLabel: '帮扶责任人',
      villages: [{ id: town.villageId, name: `测试村${town.suffix}` }],
      load: { assistance: 3, leader: 0, households: 3, openTasks: 4, overdueTasks: 2, openEscalations: 1 },
    });
    const leader = cadres.find((c) => c.id === town.cadres.villageLeader);
    expect(leader?.load).toMatchObject({ leader: 1, openEscalations: 1 });
    const ranks = cadres.map((c) => c.rank);
    expect(ranks.indexOf('PARTY_SECRETARY')).toBeLessThan(ranks.lastIndexOf('ASSISTANCE_CADRE'));
  });
});
