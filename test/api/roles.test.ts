import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Actor, assertMayEditHousehold } from '../../domain/access.js';
import { apiRoutes } from '../../server/api/routes/index.js';
import { type AppServer, PERSONAS, type Persona, startAppServer } from '../helpers/app-server.js';
import type { ApiClient } from '../helpers/http-client.js';

// The access matrix, written out by hand from DOMAIN.md's rules and NOT derived from the route
// table: widening a route (or a page) to an account kind it should refuse fails here. Personas
// (test/helpers/app-server.ts): LEADER = a cadre-only account (the fixture's 帮扶责任人), SUPERVISOR =
// the 乡长's account with SUPERVISE, ADMIN = ADMINISTER without a cadre, COUNTY = APPROVE_COUNTY.

type Who = readonly Persona[];
const EVERYONE: Who = PERSONAS;
const OVERSIGHT: Who = ['SUPERVISOR', 'ADMIN'];
const ADMIN_ONLY: Who = ['ADMIN'];

/** method, path (ids filled in as 'no-such-id'), the personas it admits; every other one gets 403. */
const API_MATRIX: ReadonlyArray<readonly [string, string, Who]> = [
  ['GET', '/policy', EVERYONE],
  ['GET', '/tasks', ['LEADER', 'SUPERVISOR', 'ADMIN']], // COUNTY: no cadre, so no tasks of its own
  ['GET', '/tasks/:id', EVERYONE], // which task: the object-level cases below
  ['GET', '/households', EVERYONE],
  ['GET', '/households/:id', EVERYONE],
  ['GET', '/roster', EVERYONE], // whose households: below
  ['GET', '/exports/roster.xlsx', EVERYONE],
  ['GET', '/exports/roster.csv', EVERYONE],
  ['GET', '/cadres', OVERSIGHT],
  ['GET', '/board', OVERSIGHT],
  ['GET', '/report', OVERSIGHT],
  ['GET', '/charts', OVERSIGHT],
  ['POST', '/tasks/:id/complete', ['LEADER', 'SUPERVISOR']], // accounts acting as a cadre
  ['POST', '/tasks/:id/photos', ['LEADER', 'SUPERVISOR']], // accounts acting as a cadre
  ['GET', '/photos/:sha256', EVERYONE], // whose household: test/api/visit-evidence.test.ts
  ['POST', '/households', ADMIN_ONLY],
  ['POST', '/households/:id/readmit', ADMIN_ONLY],
  ['POST', '/households/:id/category', ADMIN_ONLY],
  ['POST', '/households/:id/reassign', ADMIN_ONLY],
  ['POST', '/cadres/:id/handover', ADMIN_ONLY],
  ['POST', '/shocks', ADMIN_ONLY],
  ['POST', '/households/:id/closing', ['SUPERVISOR', 'COUNTY']], // which step: below
  ['POST', '/households/:id/pause', ADMIN_ONLY],
  ['POST', '/households/:id/resume', ADMIN_ONLY],
  ['POST', '/households/:id/cancel', ADMIN_ONLY],
  ['POST', '/imports', ADMIN_ONLY],
  ['GET', '/exports/ledger.xlsx', OVERSIGHT],
  ['GET', '/exports/ledger.csv', OVERSIGHT],
  ['GET', '/exports/report.csv', OVERSIGHT],
  ['GET', '/users', ADMIN_ONLY],
  ['POST', '/users', ADMIN_ONLY],
  ['PUT', '/users/:id', ADMIN_ONLY],
  ['POST', '/users/:id/password-reset', ADMIN_ONLY],
  ['POST', '/users/:id/deactivate', ADMIN_ONLY],
  ['POST', '/users/:id/activate', ADMIN_ONLY],
  ['PUT', '/account/password', EVERYONE],
  ['GET', '/notifications/failed', ADMIN_ONLY],
  ['GET', '/cadres/:id/channels', ADMIN_ONLY],
  ['PUT', '/cadres/:id/channels', ADMIN_ONLY],
  ['GET', '/account/channels', ['LEADER', 'SUPERVISOR']], // one's own: accounts acting as a cadre
  ['PUT', '/account/channels', ['LEADER', 'SUPERVISOR']],
  ['GET', '/villages', OVERSIGHT],
  ['PUT', '/villages/:id/leaders', ADMIN_ONLY],
  ['PUT', '/households/:id/facts', ['LEADER', 'SUPERVISOR', 'ADMIN']], // whose household: below
  ['GET', '/activity-health', ADMIN_ONLY],
  ['GET', '/policy/versions', ADMIN_ONLY],
  ['POST', '/policy/versions', ADMIN_ONLY],
  ['GET', '/policy/versions/:version', ADMIN_ONLY],
  ['POST', '/policy/versions/:version/publish', ADMIN_ONLY],
  ['GET', '/policy/upgrades', ADMIN_ONLY],
  ['POST', '/policy/upgrades', ADMIN_ONLY],
  ['GET', '/policy/upgrades/:version', ADMIN_ONLY],
  ['GET', '/identification/cases', EVERYONE], // which cases: test/api/identification.test.ts
  ['GET', '/identification/cases/:id', EVERYONE],
  ['POST', '/identification/cases', ['LEADER', 'SUPERVISOR', 'ADMIN']], // which village: identification.test.ts
  ['POST', '/identification/cases/:id/decision', EVERYONE], // which step: identification.test.ts
  ['POST', '/identification/cases/:id/objection', EVERYONE],
  ['POST', '/identification/imports', ADMIN_ONLY],
  ['GET', '/identification/notices', EVERYONE],
];
const PUBLIC_API = ['GET /session', 'POST /session', 'DELETE /session'];

/** Pages: the personas each admits (200); others get the 403 page, nobody logged in the log-in page. */
const PAGE_MATRIX: ReadonlyArray<readonly [string, Who]> = [
  ['/tasks', ['LEADER', 'SUPERVISOR']],
  ['/households', EVERYONE], // whose households: below
  ['/cadres', OVERSIGHT],
  ['/board', OVERSIGHT],
  ['/report', OVERSIGHT],
  ['/closing', ['SUPERVISOR', 'COUNTY']],
  ['/admin', ADMIN_ONLY],
  ['/accounts', ADMIN_ONLY],
  ['/villages', ADMIN_ONLY],
  ['/admin/policy', ADMIN_ONLY],
  ['/account/password', EVERYONE],
  ['/identification', EVERYONE],
  ['/identification/notice', EVERYONE],
  ['/account/channels', ['LEADER', 'SUPERVISOR']],
];

const concrete = (path: string) => path.replace(/:[A-Za-z]+/g, 'no-such-id');

describe('the access matrix', () => {
  let server: AppServer;
  const clients = new Map<Persona, ApiClient>();
  let anonymous: ApiClient;
  /** The LEADER's household (their 帮扶责任人 assignment) and another cadre's, each with an open task. */
  const own = { household: '', task: '' };
  const other = { household: '', task: '' };
  /** Another cadre's household in the closing procedure: the county approver's to see. */
  const closing = { household: '', task: '' };
  /** A household the SUPERVISOR's cadre (乡长) is paired with as its leader. */
  const paired = { household: '', task: '' };

  beforeAll(async () => {
    server = await startAppServer();
    for (const persona of PERSONAS) clients.set(persona, await server.client(persona));
    anonymous = await server.client();
    const { prisma } = server.stack;
    const { cadres } = server.town;
    const withTask = async (target: { household: string; task: string }, assignee: string) => {
      target.household = await server.town.addHousehold();
      target.task = `${target.household}/task`;
      await prisma.task.create({
        data: {
          id: target.task,
          householdId: target.household,
          workflowId: `household-${target.household}`, // never started: completing it cannot reach a workflow
          kind: 'FOLLOW_UP',
          assigneeId: assignee,
          openedAt: new Date(),
          dueAt: new Date(Date.now() + 86_400_000),
          reason: '矩阵测试',
        },
      });
    };
    await withTask(own, cadres.assistance);
    for (const target of [other, closing]) {
      await withTask(target, cadres.assistance2);
      await prisma.assignment.updateMany({
        where: { householdId: target.household },
        data: { cadreId: cadres.assistance2 },
      });
    }
    await prisma.household.update({ where: { id: closing.household }, data: { status: 'CLOSING' } });
    await withTask(paired, cadres.townshipHead);
    await prisma.assignment.updateMany({
      where: { householdId: paired.household },
      data: { cadreId: cadres.assistance2 },
    });
    await prisma.assignment.create({
      data: {
        id: `${paired.household}/LEADER`,
        householdId: paired.household,
        cadreId: cadres.townshipHead,
        role: 'LEADER',
        from: new Date(),
      },
    });
  });
  afterAll(async () => server?.close());

  const call = (who: ApiClient, method: string, path: string, body?: unknown) =>
    who.json<{ error?: { code: string; message: string } }>(
      method,
      `/api${path}`,
      method === 'GET' ? undefined : (body ?? {}),
    );

  it('lists every route of the table, and the table every route of the matrix', () => {
    const table = apiRoutes.map((r) => `${r.method.toUpperCase()} ${r.path}`).sort();
    const matrix = [...API_MATRIX.map(([m, p]) => `${m} ${p}`), ...PUBLIC_API].sort();
    expect(table).toEqual(matrix);
  });

  it.each(API_MATRIX)('%s %s: 401 without a session', async (method, path) => {
    const res = await call(anonymous, method, concrete(path));
    expect(res.status).toBe(401);
    expect(res.body.error?.code).toBe('unauthenticated');
  });

  it.each(API_MATRIX)('%s %s: admits exactly its personas', async (method, path, admitted) => {
    for (const persona of PERSONAS) {
      const res = await call(clients.get(persona) as ApiClient, method, concrete(path));
      if (admitted.includes(persona)) {
        expect([401, 403], `${persona} ${method} ${path}`).not.toContain(res.status);
      } else {
        expect(res.status, `${persona} ${method} ${path}`).toBe(403);
        expect(res.body.error?.message).toMatch(/[\u4e00-\u9fa5]/);
      }
    }
  });

  it.each(PAGE_MATRIX)('page %s: admits exactly its personas', async (path, admitted) => {
    const login = await anonymous.raw('GET', path);
    expect(login.status).toBe(302);
    expect(login.headers.get('location')).toBe(`/login?next=${encodeURIComponent(path)}`);
    for (const persona of PERSONAS) {
      const res = await (clients.get(persona) as ApiClient).raw('GET', path);
      expect(res.status, `${persona} ${path}`).toBe(admitted.includes(persona) ? 200 : 403);
      const html = await res.text();
      if (!admitted.includes(persona)) expect(html).toContain('无权访问');
    }
  });

  describe('object level: whose household', () => {
    /** persona → may read the household of `own`, `other`, `closing`, `paired`. */
    const READS: Record<Persona, { own: boolean; other: boolean; closing: boolean; paired: boolean }> = {
      LEADER: { own: true, other: false, closing: false, paired: false },
      SUPERVISOR: { own: true, other: true, closing: true, paired: true },
      ADMIN: { own: true, other: true, closing: true, paired: true },
      COUNTY: { own: false, other: false, closing: true, paired: false },
    };
    const targets = () => ({ own, other, closing, paired });

    it.each(PERSONAS)(
      '%s reads a household and its task only when it is theirs to see (API)',
      async (persona) => {
        const client = clients.get(persona) as ApiClient;
        for (const [name, target] of Object.entries(targets())) {
          const expected = READS[persona][name as keyof (typeof READS)[Persona]] ? 200 : 403;
          expect(
            (await call(client, 'GET', `/households/${target.household}`)).status,
            `${name} household`,
          ).toBe(expected);
          expect(
            (await call(client, 'GET', `/tasks/${encodeURIComponent(target.task)}`)).status,
            `${name} task`,
          ).toBe(expected);
        }
      },
    );

    it.each(PERSONAS)('%s sees a household page only when it is theirs to see', async (persona) => {
      const client = clients.get(persona) as ApiClient;
      for (const [name, target] of Object.entries(targets())) {
        const expected = READS[persona][name as keyof (typeof READS)[Persona]] ? 200 : 403;
        expect((await client.raw('GET', `/households/${target.household}`)).status, `${name}`).toBe(expected);
      }
    });

    it('the household page offers each account only the closing steps it may decide', async () => {
      const steps = async (persona: Persona) => {
        const html = await (
          await (clients.get(persona) as ApiClient).raw('GET', `/households/${closing.household}`)
        ).text();
        return [
          ...html.matchAll(/<option value="(VILLAGE_REVIEW|PUBLIC_NOTICE|TOWNSHIP_REVIEW|COUNTY_APPROVAL)"/g),
        ].map((m) => m[1]);
      };
      expect(await steps('SUPERVISOR')).toEqual(['VILLAGE_REVIEW', 'PUBLIC_NOTICE', 'TOWNSHIP_REVIEW']);
      expect(await steps('COUNTY')).toEqual(['COUNTY_APPROVAL']);
      expect(await steps('ADMIN')).toEqual([]);
    });

    it('editing a household: an admin or its own cadres, not the board', async () => {
      const { prisma } = server.stack;
      const actors: Record<Persona, Actor> = {
        LEADER: { cadreId: server.town.cadres.assistance, capabilities: [] },
        SUPERVISOR: { cadreId: server.town.cadres.townshipHead, capabilities: ['SUPERVISE'] },
        ADMIN: { cadreId: null, capabilities: ['ADMINISTER'] },
        COUNTY: { cadreId: null, capabilities: ['APPROVE_COUNTY'] },
      };
      const may = (persona: Persona, householdId: string) =>
        assertMayEditHousehold(prisma, actors[persona], householdId).then(
          () => true,
          () => false,
        );
      expect(await may('LEADER', own.household)).toBe(true);
      expect(await may('LEADER', other.household)).toBe(false);
      expect(await may('SUPERVISOR', paired.household)).toBe(true);
      expect(await may('SUPERVISOR', other.household)).toBe(false);
      expect(await may('ADMIN', other.household)).toBe(true);
      expect(await may('COUNTY', closing.household)).toBe(false);
    });

    it('the visit form opens only for the cadres who may complete the task', async () => {
      const form = (persona: Persona, task: string) =>
        (clients.get(persona) as ApiClient)
          .raw('GET', `/tasks/${encodeURIComponent(task)}`)
          .then((r) => r.status);
      expect(await form('LEADER', own.task)).toBe(200);
      expect(await form('LEADER', other.task)).toBe(403);
      expect(await form('SUPERVISOR', paired.task)).toBe(200);
      expect(await form('SUPERVISOR', other.task)).toBe(403);
      expect(await form('ADMIN', own.task)).toBe(403);
    });

    it('lists only the households a persona may read', async () => {
      const ids = async (persona: Persona) =>
        (
          await (clients.get(persona) as ApiClient).json<{ households: Array<{ id: string }> }>(
            'GET',
            '/api/households?limit=200',
          )
        ).body.households.map((h) => h.id);
      const leader = await ids('LEADER');
      expect(leader).toContain(own.household);
      expect(leader).not.toContain(other.household);
      expect(leader).not.toContain(closing.household);
      const county = await ids('COUNTY');
      expect(county).toContain(closing.household);
      expect(county).not.toContain(own.household);
      expect(county).not.toContain(other.household);
      expect(await ids('SUPERVISOR')).toEqual(
        expect.arrayContaining(Object.values(targets()).map((t) => t.household)),
      );
    });

    it('the roster, its exports and its page list only the households a persona may read', async () => {
      const all = Object.values(targets()).map((t) => t.household);
      for (const persona of PERSONAS) {
        const client = clients.get(persona) as ApiClient;
        const expected = Object.entries(targets())
          .filter(([name]) => READS[persona][name as keyof (typeof READS)[Persona]])
          .map(([, t]) => t.household)
          .sort();
        // The fixture's households are the only ones whose 户编号 starts with H<suffix>.
        const q = `H${server.town.suffix}`;
        const listed = await client.json<{ rows: Array<{ id: string }> }>('GET', `/api/roster?q=${q}`);
        expect(listed.body.rows.map((r) => r.id).sort(), persona).toEqual(expected);
        const csv = await (await client.raw('GET', `/api/exports/roster.csv?q=${q}`)).text();
        const page = await (await client.raw('GET', `/households?q=${q}`)).text();
        for (const id of all) {
          expect(csv.includes(id), `${persona} csv ${id}`).toBe(expected.includes(id));
          expect(page.includes(`data-id="${id}"`), `${persona} page ${id}`).toBe(expected.includes(id));
        }
      }
    });

    it('the household page offers the admin actions to admins only', async () => {
      for (const persona of PERSONAS) {
        const html = await (
          await (clients.get(persona) as ApiClient).raw('GET', `/households/${closing.household}`)
        ).text();
        expect(html.includes('id="household-actions"'), persona).toBe(persona === 'ADMIN');
      }
    });

    it("a leader's task list is their own; the township's list is refused to them", async () => {
      const leader = clients.get('LEADER') as ApiClient;
      const mine = await leader.json<{
        cadreId: string;
        dueToday: Array<{ id: string }>;
        upcoming: Array<{ id: string }>;
      }>('GET', '/api/tasks');
      expect(mine.status).toBe(200);
      const ids = [...mine.body.dueToday, ...mine.body.upcoming].map((t) => t.id);
      expect(ids).toContain(own.task);
      expect(ids).not.toContain(other.task);
      expect((await call(leader, 'GET', '/tasks?scope=all')).status).toBe(403);
      const supervisor = clients.get('SUPERVISOR') as ApiClient;
      const all = await supervisor.json<{ tasks: Array<{ id: string }> }>('GET', '/api/tasks?limit=200');
      expect(all.body.tasks.map((t) => t.id)).toEqual(expect.arrayContaining([own.task, other.task]));
      // The 乡长 paired with a household sees their own tasks too.
      const theirs = await supervisor.json<{
        upcoming: Array<{ id: string }>;
        dueToday: Array<{ id: string }>;
      }>('GET', '/api/tasks?scope=mine');
      expect([...theirs.body.dueToday, ...theirs.body.upcoming].map((t) => t.id)).toContain(paired.task);
    });

    it("completing a task: only the household's cadres, whatever else the account may do", async () => {
      const complete = (persona: Persona, task: string) =>
        call(clients.get(persona) as ApiClient, 'POST', `/tasks/${encodeURIComponent(task)}/complete`, {
          note: '已核实',
        });
      const refused = await complete('LEADER', other.task);
      expect(refused.status).toBe(403);
      expect(refused.body.error?.message).toBe('只有该户的帮扶干部才能办理此任务');
      expect((await complete('SUPERVISOR', other.task)).status).toBe(403); // the board is not the household
      // Their own: admitted (the workflow was never started, so it cannot be done: not a 401/403).
      expect([401, 403]).not.toContain((await complete('LEADER', own.task)).status);
      expect([401, 403]).not.toContain((await complete('SUPERVISOR', paired.task)).status);
    });

    it('closing steps: the county step is the county approver’s, the township’s steps the leadership’s', async () => {
      const decide = (persona: Persona, step: string) =>
        call(clients.get(persona) as ApiClient, 'POST', `/households/${closing.household}/closing`, {
          step,
          approved: true,
          note: '同意',
        });
      for (const step of ['VILLAGE_REVIEW', 'PUBLIC_NOTICE', 'TOWNSHIP_REVIEW']) {
        const county = await decide('COUNTY', step);
        expect(county.status, step).toBe(403);
        expect(county.body.error?.message).toBe('县级审批人只能办理县级审批');
        expect([401, 403], step).not.toContain((await decide('SUPERVISOR', step)).status);
      }
      const supervisor = await decide('SUPERVISOR', 'COUNTY_APPROVAL');
      expect(supervisor.status).toBe(403);
      expect(supervisor.body.error?.message).toBe('县级审批须由县级审批人办理');
      expect([401, 403]).not.toContain((await decide('COUNTY', 'COUNTY_APPROVAL')).status);
      expect((await decide('ADMIN', 'COUNTY_APPROVAL')).status).toBe(403);
    });
  });

  it('refuses a write without the CSRF token', async () => {
    const admin = clients.get('ADMIN') as ApiClient;
    const res = await admin.raw('POST', '/api/households', {
      body: {},
      headers: { 'x-csrf-token': 'forged' },
    });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('csrf');
  });

  it('serves an OpenAPI document listing every endpoint', async () => {
    const res = await fetch(`${server.base}/api/openapi.json`);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(doc.openapi).toBe('3.1.0');
    for (const route of apiRoutes) {
      const path = `/api${route.path.replace(/:([A-Za-z]+)/g, '{$1}')}`;
      expect(doc.paths[path]?.[route.method], `${route.method} ${path}`).toBeDefined();
    }
  });
});
