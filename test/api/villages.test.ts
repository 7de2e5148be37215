import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppServer, startAppServer } from '../helpers/app-server.js';
import type { ApiClient } from '../helpers/http-client.js';

type ApiError = { error: { code: string; message: string } };
type VillageRow = {
  id: string;
  villageLeader: { id: string } | null;
  leaderInCharge: { id: string } | null;
  cadres: Array<{ id: string }>;
};

// The village map (each village's 包村领导 and 分管负责人, which escalation climbs) is edited by an
// admin; a leaving cadre's handover moves their villages with their households.
describe('the village map', () => {
  let server: AppServer;
  let admin: ApiClient;

  beforeAll(async () => {
    server = await startAppServer();
    admin = await server.client('ADMIN');
  });
  afterAll(async () => server?.close());

  const village = async () => {
    const res = await admin.json<{ villages: VillageRow[] }>('GET', '/api/villages');
    const row = res.body.villages.find((v) => v.id === server.town.villageId);
    if (!row) throw new Error('the fixture village is not listed');
    return row;
  };
  const setLeaders = (body: unknown, villageId = server.town.villageId) =>
    admin.json<ApiError & { village: VillageRow }>('PUT', `/api/villages/${villageId}/leaders`, body);

  it('an admin sets a village’s 包村领导 and 分管负责人; the page shows them', async () => {
    const { cadres } = server.town;
    const res = await setLeaders({
      villageLeaderId: cadres.villageLeader,
      leaderInChargeId: cadres.leaderInCharge,
    });
    expect(res.status).toBe(200);
    expect(res.body.village.villageLeader?.id).toBe(cadres.villageLeader);
    expect(res.body.village.leaderInCharge?.id).toBe(cadres.leaderInCharge);
    expect((await village()).leaderInCharge?.id).toBe(cadres.leaderInCharge);
    const page = await admin.raw('GET', '/villages');
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(`测试村${server.town.suffix}`);
  });

  it('refuses a cadre of the wrong rank, an unknown village or nothing to set, changing nothing', async () => {
    const { cadres } = server.town;
    const before = await village();
    const wrongRank = await setLeaders({ villageLeaderId: cadres.assistance });
    expect(wrongRank.status).toBe(422);
    expect(wrongRank.body.error.message).toBe('张帮扶是帮扶责任人，不能担任包村领导');
    const wrongPost = await setLeaders({
      villageLeaderId: cadres.villageLeader,
      leaderInChargeId: cadres.townshipHead,
    });
    expect(wrongPost.status).toBe(422);
    expect(wrongPost.body.error.message).toBe('钱乡长是乡长，不能担任分管负责人');
    expect((await setLeaders({ villageLeaderId: 'nobody' })).status).toBe(404);
    expect((await setLeaders({ villageLeaderId: cadres.villageLeader }, 'no-such-village')).status).toBe(404);
    const empty = await setLeaders({});
    expect(empty.status).toBe(400);
    expect(empty.body.error.message).toBe('请选择要调整的领导');
    expect(await village()).toEqual(before);
  });

  it('a handover moves the leaving cadre’s villages: coverage, and the posts the successor’s rank can hold', async () => {
    const { prisma } = server.stack;
    const { cadres, villageId, suffix } = server.town;
    await setLeaders({ villageLeaderId: cadres.villageLeader, leaderInChargeId: cadres.leaderInCharge });
    const successor = `village2-${suffix}`;
    await prisma.cadre.create({
      data: { id: successor, name: '周接任', email: `${successor}@duzhan.example`, rank: 'VILLAGE_LEADER' },
    });

    const handover = await admin.json<{
      villages: { covered: string[]; postsMoved: unknown[]; postsKept: unknown[] };
    }>('POST', `/api/cadres/${cadres.villageLeader}/handover`, { toCadreId: successor, reason: '调任' });
    expect(handover.status).toBe(200);
    expect(handover.body.villages).toEqual({
      covered: [villageId],
      postsMoved: [{ villageId, post: 'villageLeaderId' }],
      postsKept: [],
    });
    const after = await village();
    expect(after.villageLeader?.id).toBe(successor);
    expect(after.cadres.map((c) => c.id)).toContain(successor);
    expect(after.cadres.map((c) => c.id)).not.toContain(cadres.villageLeader);

    // A 分管负责人 handed to a 帮扶责任人: the coverage moves, the post stays for an admin to set.
    const toAssistance = await admin.json<{ villages: { postsKept: unknown[] } }>(
      'POST',
      `/api/cadres/${cadres.leaderInCharge}/handover`,
      { toCadreId: cadres.assistance2, reason: '调任' },
    );
    expect(toAssistance.body.villages.postsKept).toEqual([{ villageId, post: 'leaderInChargeId' }]);
    expect((await village()).leaderInCharge?.id).toBe(cadres.leaderInCharge);
  });

  it('supervisors read the map; only admins change it', async () => {
    const supervisor = await server.client('SUPERVISOR');
    expect((await supervisor.json('GET', '/api/villages')).status).toBe(200);
    const refused = await supervisor.json<ApiError>('PUT', `/api/villages/${server.town.villageId}/leaders`, {
      villageLeaderId: server.town.cadres.villageLeader,
    });
    expect(refused.status).toBe(403);
  });
});
