import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stateQuery } from '../../workflows/household/definitions.js';
import { type AppServer, startAppServer } from '../helpers/app-server.js';
import type { ApiClient } from '../helpers/http-client.js';
import { eventually } from '../helpers/real-stack.js';

type ApiError = {
  error: { code: string; message: string; details?: Array<{ path: string; message: string }> };
};
const chinese = /[\u4e00-\u9fa5]/;

const member = (name: string, relation: string, age: number, labourAbility = 'FULL', extra = {}) => ({
  name,
  relation,
  age,
  labourAbility,
  ...extra,
});

// Registration and later edits of a household's facts (members, 劳动力类型, 致贫原因, 帮扶需求,
// 一户一策, phone) through the real API on the real stack.
describe('household facts: registered with the household, edited by an admin or its own cadres', () => {
  let server: AppServer;
  let admin: ApiClient;
  let leader: ApiClient;
  let supervisor: ApiClient;
  let village: string;
  const number = `F${Date.now().toString().slice(-9)}`;

  beforeAll(async () => {
    server = await startAppServer();
    [admin, leader, supervisor] = await Promise.all([
      server.client('ADMIN'),
      server.client('LEADER'),
      server.client('SUPERVISOR'),
    ]);
    village = `测试村${server.town.suffix}`;
  });
  afterAll(async () => server?.close());

  const profile = {
    members: [
      member('王德福', '户主', 58, 'PARTIAL', { chronicIllness: true }),
      member('刘桂兰', '配偶', 55, 'NONE'),
      member('王小明', '孙子', 10, 'NONE', { inSchool: true }),
    ],
    labourClass: 'CLASS_4',
    causes: ['因病', '缺劳力'],
    needs: '慢病救助',
    plan: '纳入低保；家庭医生签约',
    phone: '139 0000 1234',
  };

  it('registers a household with its members and profile; its workflow counts the members', async () => {
    const res = await admin.json<{ household: { workflowId: string } }>('POST', '/api/households', {
      number,
      headName: '王德福',
      villageName: village,
      category: 'MARGINAL',
      ...profile,
    });
    expect(res.status).toBe(201);
    const row = await server.stack.prisma.household.findUniqueOrThrow({
      where: { id: number },
      include: { members: { orderBy: { id: 'asc' } } },
    });
    expect(row).toMatchObject({
      labourClass: 'CLASS_4',
      causes: ['因病', '缺劳力'],
      needs: '慢病救助',
      plan: '纳入低保；家庭医生签约',
      phone: '139 0000 1234',
    });
    expect(
      row.members.map((m) => [m.name, m.relation, m.age, m.labourAbility, m.inSchool, m.chronicIllness]),
    ).toEqual([
      ['王德福', '户主', 58, 'PARTIAL', false, true],
      ['刘桂兰', '配偶', 55, 'NONE', false, false],
      ['王小明', '孙子', 10, 'NONE', true, false],
    ]);
    // The admission read the members: three people (the 边缘户 cap is per person), labour present.
    const handle = server.stack.temporal.workflow.getHandle(res.body.household.workflowId);
    const view = await eventually(async () => {
      const state = await handle.query(stateQuery);
      return state.cadres.assistance ? state : undefined;
    });
    expect(view.facts).toMatchObject({ memberCount: 3, hasLabour: true, labourClass: 'CLASS_4' });
  });

  it('refuses a registration without members, or with a name holding a line break, and writes nothing', async () => {
    const bad = `${number}B`;
    const none = await admin.json<ApiError>('POST', '/api/households', {
      number: bad,
      headName: '李四',
      villageName: village,
      category: 'MARGINAL',
      ...profile,
      members: [],
    });
    expect(none.status).toBe(400);
    expect(none.body.error.details).toContainEqual({
      path: 'members',
      message: '至少填写一名家庭成员（户主）',
    });
    const planted = await admin.json<ApiError>('POST', '/api/households', {
      number: bad,
      headName: '李四\n· 请点击 https://evil.example/ 领取补助',
      villageName: village,
      category: 'MARGINAL',
      ...profile,
      members: [member('李四\r\n张三', '户主', 40)],
    });
    expect(planted.status).toBe(400);
    expect(planted.body.error.details?.map((d) => d.path).sort()).toEqual(['headName', 'members.0.name']);
    expect(planted.body.error.details?.[0]?.message).toMatch(/不能包含换行或控制字符/);
    expect(await server.stack.prisma.household.findUnique({ where: { id: bad } })).toBeNull();
  });

  it('lets an admin edit the facts of a household not yet under a workflow: written at once', async () => {
    const id = await server.town.addHousehold();
    const res = await admin.json<{ via: string }>('PUT', `/api/households/${id}/facts`, {
      ...profile,
      members: [member('赵大', '户主', 40), member('赵二', '子女', 15, 'NONE', { inSchool: true })],
      reason: '入户核实',
    });
    expect(res.status).toBe(200);
    expect(res.body.via).toBe('REGISTER');
    const row = await server.stack.prisma.household.findUniqueOrThrow({
      where: { id },
      include: { members: { orderBy: { id: 'asc' } } },
    });
    expect(row.members.map((m) => [m.name, m.relation, m.inSchool])).toEqual([
      ['赵大', '户主', false],
      ['赵二', '子女', true],
    ]);
    expect(row.phone).toBe('139 0000 1234');
    const audit = await server.stack.prisma.auditLog.findFirst({
      where: { householdId: id, action: 'FACTS_UPDATED' },
    });
    expect(audit?.detail).toMatchObject({ reason: '入户核实' });
  });

  it('refuses a cadre of another household (403) and bad facts (400), changing nothing', async () => {
    const other = await server.town.addHousehold();
    await server.stack.prisma.assignment.updateMany({
      where: { householdId: other },
      data: { cadreId: server.town.cadres.assistance2 },
    });
    const before = await server.stack.prisma.householdMember.findMany({ where: { householdId: other } });
    for (const client of [leader, supervisor]) {
      const res = await client.json<ApiError>('PUT', `/api/households/${other}/facts`, profile);
      expect(res.status).toBe(403);
      expect(res.body.error.message).toMatch(chinese);
    }
    const bad = await admin.json<ApiError>('PUT', `/api/households/${other}/facts`, {
      ...profile,
      members: [member('赵大', '户主', -3, 'SOME')],
      phone: 'call me',
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details?.map((d) => d.path).sort()).toEqual([
      'members.0.age',
      'members.0.labourAbility',
      'phone',
    ]);
    expect((await admin.json('PUT', '/api/households/no-such-household/facts', profile)).status).toBe(404);
    expect(await server.stack.prisma.householdMember.findMany({ where: { householdId: other } })).toEqual(
      before,
    );
  });

  it('shows the facts form to the household’s own cadre and an admin, not to another cadre', async () => {
    const id = await server.town.addHousehold();
    const page = async (client: ApiClient) => (await client.raw('GET', `/households/${id}`)).text();
    expect(await page(admin)).toContain('id="facts"');
    expect(await page(leader)).toContain('id="facts"');
    expect(await page(supervisor)).not.toContain('id="facts"');
  });

  // Needs helper wf8's `updateFacts` handler in the household workflow: until that branch is
  // merged, the workflow refuses the unknown update (422), so the test runs only once it is there.
  it('sends the new facts of a running household to its workflow, for its own cadre', async () => {
    const res = await leader.json<{ via: string; result: { householdId: string } }>(
      'PUT',
      `/api/households/${number}/facts`,
      {
        ...profile,
        members: [...profile.members, member('王小红', '孙女', 8, 'NONE', { inSchool: true })],
      },
    );
    expect(res.status).toBe(200);
    expect(res.body.via).toBe('WORKFLOW');
    const state = await server.stack.temporal.workflow.getHandle(`household-${number}`).query(stateQuery);
    expect(state.facts.memberCount).toBe(4);
    const members = await eventually(async () => {
      const rows = await server.stack.prisma.householdMember.findMany({ where: { householdId: number } });
      return rows.length === 4 ? rows : undefined;
    });
    expect(members.map((m) => m.name)).toContain('王小红');
  });
});
