import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppServer, startAppServer } from '../helpers/app-server.js';

// 识别纳入 over HTTP on the real stack: who may raise a case and act on which step, bad input
// refused in Chinese with nothing written, the department warning list (one case per row, a
// household already under supervision refused for its row), and the 公示 that never shows an ID
// number or a phone.
describe('识别纳入 API', () => {
  let server: AppServer;
  let village: string;
  let serial = 0;
  beforeAll(async () => {
    server = await startAppServer();
    village = `测试村${server.town.suffix}`;
  });
  afterAll(async () => {
    // The cases' workflows wait on their steps: end them with the file.
    const cases = await server.stack.prisma.identificationCase.findMany({
      where: { household: { villageId: server.town.villageId } },
    });
    for (const c of cases)
      await server.stack.temporal.workflow
        .getHandle(c.workflowId)
        .terminate('test finished')
        .catch(() => {});
    await server?.close();
  });

  const number = () => `W${server.town.suffix}${++serial}`;
  const raise = async (
    persona: 'LEADER' | 'ADMIN' | 'SUPERVISOR' | 'COUNTY',
    body: Record<string, unknown>,
  ) =>
    (await server.client(persona)).json<{ caseId: string; error?: { message: string } }>(
      'POST',
      '/api/identification/cases',
      body,
    );

  async function untilStep(caseId: string, step: string) {
    const admin = await server.client('ADMIN');
    const deadline = Date.now() + 20_000;
    for (;;) {
      const { body } = await admin.json<{
        step: string;
        steps: Array<{ step: string; assignee: { id: string } | null }>;
      }>('GET', `/api/identification/cases/${caseId}`);
      if (body.step === step && body.steps.some((s) => s.step === step)) return body;
      if (Date.now() > deadline) throw new Error(`case ${caseId} never reached ${step}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it('a cadre raises a case for a village they cover; bad input and other accounts are refused in Chinese', async () => {
    const before = await server.stack.prisma.identificationCase.count();
    const missing = await raise('LEADER', {
      number: number(),
      headName: '王五',
      villageName: village,
      source: 'CADRE_VISIT',
    });
    expect(missing.status).toBe(400);
    expect(JSON.stringify(missing.body)).toMatch(/原因/);
    const county = await raise('COUNTY', {
      number: number(),
      headName: '王五',
      villageName: village,
      source: 'CADRE_VISIT',
      reason: '因病',
    });
    expect(county.status).toBe(403);
    const adminOnly = await raise('LEADER', {
      number: number(),
      headName: '王五',
      villageName: village,
      source: 'ADMIN',
      reason: '因病',
    });
    expect(adminOnly).toMatchObject({
      status: 422,
      body: { error: { message: '“管理员登记”只能由管理员提出' } },
    });
    const nowhere = await raise('LEADER', {
      number: number(),
      headName: '王五',
      villageName: '没有这个村',
      source: 'CADRE_VISIT',
      reason: '因病',
    });
    expect(nowhere.status).toBe(422);
    expect(await server.stack.prisma.identificationCase.count()).toBe(before);

    const raised = await raise('LEADER', {
      number: number(),
      headName: '赵六',
      villageName: village,
      source: 'CADRE_VISIT',
      reason: '因灾房屋受损',
    });
    expect(raised.status).toBe(201);
    const first = await untilStep(raised.body.caseId, 'HOME_CHECK');
    expect(first.steps[0]?.assignee?.id).toBe(server.town.cadres.assistance);
    // The township's step is not the cadre's, nor the county's.
    const leader = await server.client('LEADER');
    const early = await leader.json('POST', `/api/identification/cases/${raised.body.caseId}/decision`, {
      step: 'COUNTY_APPROVAL',
      approved: true,
    });
    expect(early.status).toBe(409);
    const again = await raise('ADMIN', {
      householdId: (
        await server.stack.prisma.identificationCase.findUniqueOrThrow({ where: { id: raised.body.caseId } })
      ).householdId,
      source: 'APPLICATION',
      reason: '再次申报',
    });
    expect(again).toMatchObject({ status: 409 });
    expect((again.body as { error: { message: string } }).error.message).toMatch(
      /已有正在办理的识别纳入案件/,
    );
  });

  it('imports a warning list one case per row, refusing the row of a household under supervision', async () => {
    const supervised = await server.town.addHousehold();
    await server.stack.prisma.household.update({ where: { id: supervised }, data: { status: 'SUPERVISED' } });
    const fresh = number();
    const csv = [
      '户编号,户主姓名,所属村,预警原因,预警部门',
      `${supervised},户主,${village},医疗费用高,医保局`,
      `${fresh},钱七,${village},残疾,残联`,
      `${fresh},钱七,${village},残疾,残联`,
      `${number()},,,失业,人社局`,
    ].join('\n');
    const form = new FormData();
    form.append('file', new Blob([csv], { type: 'text/csv' }), '预警名单.csv');
    const leader = await server.client('LEADER');
    expect((await leader.raw('POST', '/api/identification/imports', { form })).status).toBe(403);
    const admin = await server.client('ADMIN');
    const res = await admin.raw('POST', '/api/identification/imports', { form });
    expect(res.status).toBe(201);
    const body = (await res.json()) as {
      raised: Array<{ row: number; number: string }>;
      refused: Array<{ row: number; number: string; message: string }>;
    };
    expect(body.raised.map((r) => [r.row, r.number])).toEqual([[3, fresh]]);
    expect(body.refused.map((r) => r.row)).toEqual([2, 4, 5]);
    expect(body.refused[0]?.message).toBe(`户编号 ${supervised} 已在挂牌督战中，不能重复识别纳入`);
    expect(body.refused[1]?.message).toMatch(/与第 3 行重复/);
    expect(body.refused[2]?.message).toMatch(/请选择农户，或填写新农户的户编号、户主姓名和所属村/);
    const warned = await server.stack.prisma.identificationCase.findFirstOrThrow({
      where: { household: { number: fresh } },
    });
    expect(warned).toMatchObject({ source: 'DEPARTMENT_WARNING', reason: '残联：残疾' });
    // A file without the required column is refused whole, in Chinese.
    const bad = new FormData();
    bad.append('file', new Blob(['户编号\nX1'], { type: 'text/csv' }), 'bad.csv');
    const refused = await admin.raw('POST', '/api/identification/imports', { form: bad });
    expect(refused.status).toBe(422);
    expect(JSON.stringify(await refused.json())).toMatch(/缺少必填列“预警原因”/);
  });

  it('the 公示 shows name, village and reason, never an ID number or a phone', async () => {
    const id = '110101199003071234';
    const raised = await raise('ADMIN', {
      number: number(),
      headName: '孙八',
      villageName: village,
      source: 'APPLICATION',
      reason: `突发重病（身份证 ${id}，电话 139-1234-5678）`,
    });
    expect(raised.status).toBe(201);
    const caseId = raised.body.caseId;
    await untilStep(caseId, 'HOME_CHECK');
    const admin = await server.client('ADMIN');
    const supervisor = await server.client('SUPERVISOR');
    const checked = await admin.json('POST', `/api/identification/cases/${caseId}/decision`, {
      step: 'HOME_CHECK',
      approved: true,
      homeCheck: {
        category: 'MARGINAL',
        consentSigned: true,
        profile: {
          members: [{ name: '孙八', relation: '户主', age: 60, labourAbility: 'NONE', chronicIllness: true }],
          labourClass: 'CLASS_4',
          phone: '13912345678',
        },
      },
    });
    expect(checked.status).toBe(200);
    for (const step of ['DATA_CHECK', 'VILLAGE_REVIEW']) {
      await untilStep(caseId, step);
      const decided = await supervisor.json('POST', `/api/identification/cases/${caseId}/decision`, {
        step,
        approved: true,
      });
      expect(decided.status).toBe(200);
    }
    await untilStep(caseId, 'PUBLIC_NOTICE');
    const page = await supervisor.raw(
      'GET',
      `/identification/notice?village=${encodeURIComponent(server.town.villageId)}`,
    );
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html).toContain('孙八');
    expect(html).toContain(village);
    expect(html).toContain('突发重病');
    for (const secret of [id, '13912345678', '139-1234-5678', '12345678', '大病', '无劳动力'])
      expect(html).not.toContain(secret);
    const api = await supervisor.json<Array<{ rows: Array<Record<string, string>> }>>(
      'GET',
      `/api/identification/notices?villageId=${encodeURIComponent(server.town.villageId)}`,
    );
    const row = api.body[0]?.rows.find((r) => r.caseId === caseId);
    expect(Object.keys(row ?? {}).sort()).toEqual([
      'caseId',
      'endsAt',
      'headName',
      'reason',
      'startedAt',
      'village',
    ]);
    expect(JSON.stringify(api.body)).not.toContain(id);
    // An objection recorded from the notice stops the case.
    const objected = await supervisor.json('POST', `/api/identification/cases/${caseId}/objection`, {
      text: '有村民反映其子女收入较高',
    });
    expect(objected).toMatchObject({ status: 200, body: { status: 'REFUSED' } });
    const leader = await server.client('LEADER');
    const late = await leader.json('POST', `/api/identification/cases/${caseId}/objection`, { text: '再次' });
    expect(late.status).toBe(409);
  });
});
