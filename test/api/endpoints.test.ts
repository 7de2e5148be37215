import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSupervision } from '../../domain/supervision.js';
import { type AppServer, PASSWORD, startAppServer } from '../helpers/app-server.js';
import { headOnlyProfile } from '../helpers/household-profiles.js';
import type { ApiClient } from '../helpers/http-client.js';
import { eventually } from '../helpers/real-stack.js';
import { compliantRecord } from '../helpers/visit-records.js';

type ApiError = { error: { code: string; message: string; details?: unknown } };
const chinese = /[\u4e00-\u9fa5]/;

// Every endpoint with good and bad input, on the real stack: bad input gets a clear Chinese
// message with the one error shape, and changes nothing.
describe('the JSON API', () => {
  let server: AppServer;
  let admin: ApiClient;
  let leader: ApiClient;
  let supervisor: ApiClient;
  let householdId: string;
  let visitTaskId: string;

  beforeAll(async () => {
    server = await startAppServer();
    [admin, leader, supervisor] = await Promise.all([
      server.client('ADMIN'),
      server.client('LEADER'),
      server.client('SUPERVISOR'),
    ]);
    householdId = `API${Date.now().toString().slice(-8)}`;
    const res = await admin.json('POST', '/api/households', {
      number: householdId,
      headName: '<img src=x onerror=alert(1)>王五',
      villageName: `测试村${server.town.suffix}`,
      category: 'MARGINAL',
      ...headOnlyProfile('王五'),
    });
    expect(res.status).toBe(201);
    const task = await eventually(() =>
      server.stack.prisma.task.findFirst({ where: { householdId, kind: 'VISIT' } }),
    );
    visitTaskId = task.id;
  });
  afterAll(async () => server?.close());

  describe('log-in', () => {
    it('refuses wrong credentials with 401 and a Chinese message, and missing fields with 400', async () => {
      const client = await server.client();
      await client.refreshToken();
      const wrong = await client.json<ApiError>('POST', '/api/session', {
        username: server.users.ADMIN.username,
        password: 'nope',
      });
      expect(wrong.status).toBe(401);
      expect(wrong.body.error.message).toMatch(chinese);
      const missing = await client.json<ApiError>('POST', '/api/session', { username: 'x' });
      expect(missing.status).toBe(400);
      expect(missing.body.error.code).toBe('invalid_input');
    });

    it('slows down password guessing with 429', async () => {
      const limited = await startAppServer({ loginAttemptsPer15Min: 3 });
      try {
        const client = await limited.client();
        await client.refreshToken();
        const statuses: number[] = [];
        for (let i = 0; i < 5; i++)
          statuses.push(
            (await client.json('POST', '/api/session', { username: 'guess', password: `p${i}` })).status,
          );
        expect(statuses).toEqual([401, 401, 401, 429, 429]);
      } finally {
        await limited.close();
      }
    });

    it('logs out', async () => {
      const client = await server.client('SUPERVISOR');
      expect((await client.raw('DELETE', '/api/session')).status).toBe(204);
      expect((await client.json('GET', '/api/board')).status).toBe(401);
    });
  });

  describe('tasks', () => {
    it("shows a leader their own tasks and a supervisor everyone's", async () => {
      const mine = await leader.json<{
        upcoming: Array<{ id: string }>;
        dueToday: unknown[];
        overdue: unknown[];
      }>('GET', '/api/tasks');
      expect(mine.status).toBe(200);
      expect(mine.body.upcoming.map((t) => t.id)).toContain(visitTaskId);
      const all = await supervisor.json<{ tasks: Array<{ id: string }> }>('GET', '/api/tasks?limit=200');
      expect(all.body.tasks.map((t) => t.id)).toContain(visitTaskId);
    });

    it('pages the township’s tasks and households; a bad cursor or page size is a 400 in Chinese', async () => {
      type Paged = {
        tasks: Array<{ id: string }>;
        total: number;
        page: { limit: number; nextCursor: string | null };
      };
      const first = await supervisor.json<Paged>('GET', '/api/tasks?limit=1');
      expect(first.status).toBe(200);
      expect(first.body.tasks).toHaveLength(1);
      expect(first.body.page.limit).toBe(1);
      expect(first.body.total).toBeGreaterThanOrEqual(1);
      if (first.body.total > 1) {
        const cursor = encodeURIComponent(first.body.page.nextCursor ?? '');
        const second = await supervisor.json<Paged>('GET', `/api/tasks?limit=1&cursor=${cursor}`);
        expect(second.body.tasks).toHaveLength(1);
        expect(second.body.tasks[0]?.id).not.toBe(first.body.tasks[0]?.id);
      }
      const byDefault = await supervisor.json<Paged>('GET', '/api/tasks');
      expect(byDefault.body.page.limit).toBe(50);

      const refused = async (path: string, message: RegExp) => {
        const res = await supervisor.json<ApiError>('GET', path);
        expect(res.status).toBe(400);
        expect(res.body.error.message).toMatch(message);
      };
      await refused('/api/tasks?cursor=nonsense', /翻页参数无效/);
      await refused(
        `/api/tasks?cursor=${Buffer.from('{"k":["x"],"d":"n"}').toString('base64url')}`,
        /翻页参数无效/,
      );
      await refused('/api/households?cursor=%7B%7D', /翻页参数无效/);
      await refused('/api/households?limit=0', /每页条数/);
      await refused('/api/households?limit=201', /每页条数/);
      await refused('/api/board?atRiskCursor=abc', /翻页参数无效/);
      await refused('/api/board?leaderCursor=abc', /翻页参数无效/);
      // A cursor that decodes but does not fit the list's key is refused by the list itself (422).
      const misfit = await supervisor.json<ApiError>(
        'GET',
        `/api/board?leaderCursor=${Buffer.from('{"k":["1",0,"x","y"],"d":"n"}').toString('base64url')}`,
      );
      expect(misfit.status).toBe(422);
      expect(misfit.body.error.message).toMatch(/翻页参数无效/);
      await refused('/api/report?overdueCursor=abc', /翻页参数无效/);

      type Households = { households: Array<{ id: string }>; page: { nextCursor: string | null } };
      const one = await supervisor.json<Households>('GET', '/api/households?limit=1');
      expect(one.body.households).toHaveLength(1);
      const next = one.body.page.nextCursor;
      if (next) {
        const two = await supervisor.json<Households>(
          'GET',
          `/api/households?limit=1&cursor=${encodeURIComponent(next)}`,
        );
        expect(two.body.households[0]?.id).not.toBe(one.body.households[0]?.id);
      }
    });

    it('answers 404 for an unknown task', async () => {
      const res = await leader.json<ApiError>('GET', '/api/tasks/no-such-task');
      expect(res.status).toBe(404);
      expect(res.body.error.message).toMatch(chinese);
    });

    it('refuses a record with wrong types (400) or over a cap (422), writing nothing', async () => {
      const path = `/api/tasks/${encodeURIComponent(visitTaskId)}/complete`;
      const cadre = server.town.cadres.assistance;
      const wrongType = await leader.json<ApiError>('POST', path, {
        record: { ...compliantRecord(cadre, new Date().toISOString()), perCapitaIncomeYuan: 'a lot' },
      });
      expect(wrongType.status).toBe(400);
      expect(wrongType.body.error.message).toMatch(/人均纯收入/);
      const overCap = await leader.json<ApiError>('POST', path, {
        record: compliantRecord(cadre, new Date().toISOString(), {
          measures: [{ kind: 'MARGINAL_PROJECT', amountYuan: 25_000, persons: 3 }],
        }),
      });
      expect(overCap.status).toBe(422);
      expect(overCap.body.error.message).toMatch(/边缘户/);
      expect(await server.stack.prisma.visitRecord.count({ where: { householdId } })).toBe(0);
      expect((await server.stack.prisma.task.findUniqueOrThrow({ where: { id: visitTaskId } })).status).toBe(
        'OPEN',
      );
    });

    it('refuses a body over 100 kB with 413', async () => {
      const res = await leader.json<ApiError>(
        'POST',
        `/api/tasks/${encodeURIComponent(visitTaskId)}/complete`,
        {
          note: 'x'.repeat(150_000),
        },
      );
      expect(res.status).toBe(413);
      expect(res.body.error.code).toBe('too_large');
    });

    it('completes a visit through the workflow and reports the follow-ups it opened', async () => {
      const cadre = server.town.cadres.assistance;
      const res = await leader.json<{ followUpsOpened: Array<{ findingKind: string }> }>(
        'POST',
        `/api/tasks/${encodeURIComponent(visitTaskId)}/complete`,
        { record: compliantRecord(cadre, new Date().toISOString(), { perCapitaIncomeYuan: 2500 }) },
      );
      expect(res.status).toBe(200);
      expect(res.body.followUpsOpened.map((t) => t.findingKind)).toEqual(['INCOME_BELOW_LINE']);
      const again = await leader.json<ApiError>(
        'POST',
        `/api/tasks/${encodeURIComponent(visitTaskId)}/complete`,
        {
          record: compliantRecord(cadre, new Date().toISOString()),
        },
      );
      expect(again.status).toBe(409);
    });
  });

  describe('households', () => {
    it('refuses bad registrations with 400 and field details, and a duplicate with 409', async () => {
      const bad = await admin.json<ApiError & { error: { details: Array<{ path: string }> } }>(
        'POST',
        '/api/households',
        {
          number: 'has space',
          headName: 42,
          category: 'RICH',
        },
      );
      expect(bad.status).toBe(400);
      expect(bad.body.error.details.map((d) => d.path).sort()).toEqual([
        'category',
        'headName',
        'labourClass',
        'members',
        'number',
        'villageName',
      ]);
      const dup = await admin.json<ApiError>('POST', '/api/households', {
        number: householdId,
        headName: '王五',
        villageName: `测试村${server.town.suffix}`,
        category: 'MARGINAL',
        ...headOnlyProfile('王五'),
      });
      expect(dup.status).toBe(409);
    });

    it('lets a leader read only the households assigned to them', async () => {
      const own = await leader.json<{ headName: string }>('GET', `/api/households/${householdId}`);
      expect(own.status).toBe(200);
      const otherId = await server.town.addHousehold();
      await server.stack.prisma.assignment.updateMany({
        where: { householdId: otherId },
        data: { cadreId: server.town.cadres.assistance2 },
      });
      expect((await leader.json('GET', `/api/households/${otherId}`)).status).toBe(403);
      expect((await supervisor.json('GET', `/api/households/${otherId}`)).status).toBe(200);
      expect((await admin.json('GET', '/api/households/no-such-household')).status).toBe(404);
      const list = await leader.json<{ households: Array<{ id: string }> }>('GET', '/api/households');
      expect(list.body.households.map((h) => h.id)).toEqual([householdId]);
    });

    it('keeps an XSS string as data in JSON and escapes it in the page', async () => {
      const json = await admin.json<{ headName: string }>('GET', `/api/households/${householdId}`);
      expect(json.body.headName).toBe('<img src=x onerror=alert(1)>王五');
      const page = await (await admin.raw('GET', `/households/${householdId}`)).text();
      expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;王五');
      expect(page).not.toContain('<img src=x');
    });

    it('changes a category through the workflow; refuses an unknown one and an unknown household', async () => {
      expect(
        (await admin.json<ApiError>('POST', `/api/households/${householdId}/category`, { category: 'RICH' }))
          .status,
      ).toBe(400);
      expect(
        (await admin.json('POST', '/api/households/nobody/category', { category: 'MONITORED' })).status,
      ).toBe(404);
      const ok = await admin.json<{ category: string }>('POST', `/api/households/${householdId}/category`, {
        category: 'MONITORED',
      });
      expect(ok.status).toBe(200);
      expect(ok.body.category).toBe('MONITORED');
      expect(
        (await server.stack.prisma.household.findUniqueOrThrow({ where: { id: householdId } })).category,
      ).toBe('MONITORED');
    });

    it('reassigns a cadre and refuses an unknown one', async () => {
      const unknown = await admin.json<ApiError>('POST', `/api/households/${householdId}/reassign`, {
        role: 'ASSISTANCE',
        cadreId: 'ghost',
        reason: '调动',
      });
      expect([404, 422]).toContain(unknown.status);
      expect(unknown.body.error.message).toMatch(chinese);
      const ok = await admin.json<{ cadres: unknown }>('POST', `/api/households/${householdId}/reassign`, {
        role: 'ASSISTANCE',
        cadreId: server.town.cadres.assistance2,
        reason: '原帮扶责任人调离',
      });
      expect(ok.status).toBe(200);
    });

    it('declares a shock for a set of households, reporting unknown ids; refuses an empty set', async () => {
      expect(
        (await admin.json<ApiError>('POST', '/api/shocks', { householdIds: [], reason: '疫情' })).status,
      ).toBe(400);
      const res = await admin.json<{ signalled: string[]; unknown: string[] }>('POST', '/api/shocks', {
        householdIds: [householdId, 'nobody'],
        reason: '疫情影响外出务工',
      });
      expect(res.status).toBe(200);
      expect(res.body.signalled).toEqual([householdId]);
      expect(res.body.unknown).toEqual(['nobody']);
    });
  });

  describe('supervision steps people decide', () => {
    it("refuses a closing decision for a household not in the closing procedure, in the workflow's words", async () => {
      const res = await supervisor.json<ApiError>('POST', `/api/households/${householdId}/closing`, {
        step: 'VILLAGE_REVIEW',
        approved: true,
        note: '民主评议通过',
      });
      expect(res.status).toBe(422);
      expect(res.body.error.message).toBe('该户当前不在这个退出程序步骤');
      expect(
        (
          await supervisor.json<ApiError>('POST', `/api/households/${householdId}/closing`, {
            step: 'X',
            approved: 1,
          })
        ).status,
      ).toBe(400);
    });

    it('pauses, resumes and ends a supervision through the workflow', async () => {
      const other = await server.town.addHousehold();
      await server.stack.prisma.household.update({
        where: { id: other },
        data: { workflowId: `household-${other}` },
      });
      await startSupervision(server.stack, other);
      const status = (want: string) =>
        eventually(async () => {
          const h = await server.stack.prisma.household.findUniqueOrThrow({ where: { id: other } });
          return h.status === want ? h : undefined;
        });
      await status('SUPERVISED');
      // Admitted: the first visit is open once admission is over.
      await eventually(() => server.stack.prisma.task.findFirst({ where: { householdId: other } }));
      const paused = await admin.json<{ status: string }>('POST', `/api/households/${other}/pause`, {
        reason: '户主住院',
      });
      expect(paused.status).toBe(200);
      expect(paused.body.status).toBe('PAUSED');
      await status('PAUSED');
      const twice = await admin.json<ApiError>('POST', `/api/households/${other}/pause`, { reason: '再次' });
      expect(twice.status).toBe(409);
      expect(twice.body.error.message).toBe('该户已经暂停督战');
      expect((await admin.json('POST', `/api/households/${other}/resume`, {})).status).toBe(200);
      await status('SUPERVISED');
      // A resume of a household that is not paused is refused, not accepted and ignored.
      const notPaused = await admin.json<ApiError>('POST', `/api/households/${other}/resume`, {});
      expect(notPaused.status).toBe(409);
      expect(notPaused.body.error.message).toBe('该户没有暂停督战，无需恢复');
      expect(
        (await admin.json<ApiError>('POST', `/api/households/${other}/cancel`, { reason: 'LEFT' })).status,
      ).toBe(400);
      expect(
        (
          await admin.json('POST', `/api/households/${other}/cancel`, {
            reason: 'MOVED_AWAY',
            note: '迁往外省',
          })
        ).status,
      ).toBe(200);
      await status('CANCELLED');
      const again = await admin.json<ApiError>('POST', `/api/households/${other}/pause`, { reason: 'x' });
      expect(again.status).toBe(409);
    });
  });

  describe('ledger import and export', () => {
    it('exports the 工作台账 as XLSX and CSV', async () => {
      const xlsx = await supervisor.raw('GET', '/api/exports/ledger.xlsx');
      expect(xlsx.headers.get('content-type')).toContain('spreadsheetml');
      expect(
        Buffer.from(await xlsx.arrayBuffer())
          .subarray(0, 2)
          .toString(),
      ).toBe('PK');
      const csv = await supervisor.raw('GET', '/api/exports/ledger.csv');
      const bytes = Buffer.from(await csv.arrayBuffer());
      expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]); // so Excel reads UTF-8
      const text = bytes.toString('utf8');
      expect(text).toContain('户编号');
      expect(text).toContain(householdId);
    });

    it('refuses an import with no file (400), an oversized file (413) and bad rows (422, row by row), importing nothing', async () => {
      const empty = await admin.raw('POST', '/api/imports', { form: new FormData() });
      expect(empty.status).toBe(400);
      const huge = new FormData();
      huge.append('file', new Blob([new Uint8Array(6 * 1024 * 1024)]), 'big.csv');
      expect((await admin.raw('POST', '/api/imports', { form: huge })).status).toBe(413);
      const bad = new FormData();
      const csv =
        '户编号,户主姓名,所属村,户类别,劳动力类型,致贫原因,帮扶需求,一户一策,帮扶责任人,家庭成员\nBAD-1,,某村,富裕户,一类,因病,,,nobody@example.com,张三/40/有\n';
      bad.append('file', new Blob([csv], { type: 'text/csv' }), 'ledger.csv');
      const before = await server.stack.prisma.household.count();
      const res = await admin.raw('POST', '/api/imports', { form: bad });
      expect(res.status).toBe(422);
      const body = (await res.json()) as { error: { details: Array<{ row: number; message: string }> } };
      expect(body.error.details.length).toBeGreaterThanOrEqual(2);
      expect(body.error.details.every((d) => d.row === 2 && chinese.test(d.message))).toBe(true);
      expect(await server.stack.prisma.household.count()).toBe(before);
    });
  });

  describe('supervision', () => {
    it('serves the board, the report (with a CSV download) and the chart data', async () => {
      const board = await supervisor.json<{ overdueTaskCount: number; progress: { total: number } }>(
        'GET',
        '/api/board',
      );
      expect(board.status).toBe(200);
      expect(board.body.progress.total).toBeGreaterThan(0);
      // The leaders with overdue work or open escalations, a page at a time.
      type Leaders = { byLeader: Array<{ key: string }>; pages: { leaders: { nextCursor: string | null } } };
      const leaders = await supervisor.json<Leaders>('GET', '/api/board?limit=1');
      expect(leaders.body.byLeader.length).toBeLessThanOrEqual(1);
      const nextLeader = leaders.body.pages.leaders.nextCursor;
      if (nextLeader) {
        const second = await supervisor.json<Leaders>(
          'GET',
          `/api/board?limit=1&leaderCursor=${encodeURIComponent(nextLeader)}`,
        );
        expect(second.body.byLeader[0]?.key).not.toBe(leaders.body.byLeader[0]?.key);
      }
      expect((await supervisor.json('GET', '/api/report?days=7')).status).toBe(200);
      expect((await supervisor.json<ApiError>('GET', '/api/report?days=abc')).status).toBe(400);
      const csv = await supervisor.raw('GET', '/api/exports/report.csv?days=7');
      expect(await csv.text()).toContain('调度会');
      const charts = await supervisor.json<{ labels: string[] }>('GET', '/api/charts?weeks=4');
      expect(charts.body.labels).toHaveLength(4);
    });
  });

  describe('accounts', () => {
    it('creates accounts with hashed passwords and refuses weak or duplicate ones', async () => {
      const weak = await admin.json<ApiError>('POST', '/api/users', {
        username: 'weak-one',
        displayName: '弱',
        password: 'short',
        capabilities: ['SUPERVISE'],
      });
      expect(weak.status).toBe(400);
      expect(weak.body.error.message).toMatch(/至少 10 位/);
      const ok = await admin.json('POST', '/api/users', {
        username: `sup-${Date.now()}`,
        displayName: '督战办',
        password: PASSWORD,
        capabilities: ['SUPERVISE'],
      });
      expect(ok.status).toBe(201);
      const dup = await admin.json<ApiError>('POST', '/api/users', {
        username: server.users.ADMIN.username,
        displayName: 'x',
        password: PASSWORD,
        capabilities: ['ADMINISTER'],
      });
      expect(dup.status).toBe(409);
      const stored = await server.stack.prisma.user.findUniqueOrThrow({
        where: { username: server.users.ADMIN.username },
      });
      expect(stored.passwordHash).toMatch(/^\$argon2id\$/);
    });
  });
});
