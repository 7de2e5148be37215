import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppServer, startAppServer } from '../helpers/app-server.js';

type Answer = { channels?: Array<{ channel: string; address: string }>; error?: { message: string } };

// Who sets a cadre's channels: an admin for any cadre (API and the page linked from /cadres), the
// cadre for themself (API and /account/channels). Bad input: 400 in Chinese, nothing changed.
describe('setting a cadre’s notification channels', () => {
  let server: AppServer;
  beforeAll(async () => {
    server = await startAppServer();
    await server.stack.prisma.cadre.update({
      where: { id: server.town.cadres.assistance },
      data: { phone: '13700001111' },
    });
  });
  afterAll(async () => server?.close());

  it('an admin sets any cadre’s channels in order; a bad userid is refused in Chinese and nothing changes', async () => {
    const admin = await server.client('ADMIN');
    const path = `/api/cadres/${encodeURIComponent(server.town.cadres.villageLeader)}/channels`;
    const set = await admin.json<Answer>('PUT', path, {
      channels: [{ channel: 'DINGTALK', address: 'wangbaocun' }, { channel: 'EMAIL' }],
    });
    expect(set.status).toBe(200);
    expect(set.body.channels?.map((c) => c.channel)).toEqual(['DINGTALK', 'EMAIL']);
    const bad = await admin.json<Answer>('PUT', path, {
      channels: [{ channel: 'WECOM', address: '王 包村' }],
    });
    expect(bad.status).toBe(422);
    expect(bad.body.error?.message).toContain('请填写正确的企业微信账号');
    const after = await admin.json<Answer>('GET', path);
    expect(after.body.channels).toMatchObject([
      { channel: 'DINGTALK', address: 'wangbaocun' },
      { channel: 'EMAIL' },
    ]);
    const none = await admin.json<Answer>('PUT', '/api/cadres/nobody/channels', {
      channels: [{ channel: 'EMAIL' }],
    });
    expect(none.status).toBe(404);
    // The admin's own account acts as no cadre: it has no channels of its own.
    expect(
      (await admin.json('PUT', '/api/account/channels', { channels: [{ channel: 'EMAIL' }] })).status,
    ).toBe(403);
  });

  it('a cadre sets their own (SMS to the registered phone, then e-mail), not anyone else’s', async () => {
    const leader = await server.client('LEADER');
    const own = await leader.json<Answer>('PUT', '/api/account/channels', {
      channels: [{ channel: 'SMS' }, { channel: 'EMAIL' }],
    });
    expect(own.status).toBe(200);
    expect(own.body.channels?.map((c) => c.channel)).toEqual(['SMS', 'EMAIL']);
    const other = `/api/cadres/${encodeURIComponent(server.town.cadres.villageLeader)}/channels`;
    expect((await leader.json('PUT', other, { channels: [{ channel: 'EMAIL' }] })).status).toBe(403);
    const twice = await leader.json<Answer>('PUT', '/api/account/channels', {
      channels: [{ channel: 'SMS' }, { channel: 'SMS' }],
    });
    expect(twice.status).toBe(422);
    expect(twice.body.error?.message).toBe('短信只能选一次');
  });

  it('the pages: the cadre’s own form saves in order; the admin’s page for a cadre; refusals on /admin', async () => {
    const leader = await server.client('LEADER');
    const page = await (await leader.raw('GET', '/account/channels')).text();
    expect(page).toContain('通知接收渠道');
    expect(page).toContain('13700001111');
    const token = /name="_csrf" value="([^"]+)"/.exec(page)?.[1] ?? '';
    const form = new URLSearchParams({
      _csrf: token,
      channel0: 'WECOM',
      address0: 'zhangbangfu',
      channel1: 'EMAIL',
    });
    // A plain form post, as the browser sends it.
    const post = (body: URLSearchParams) =>
      fetch(`${server.base}/account/channels`, {
        method: 'POST',
        headers: { cookie: leader.cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: body.toString(),
        redirect: 'manual',
      });
    const saved = await post(form);
    const savedPage = await saved.text();
    expect(/role="alert">([^<]*)/.exec(savedPage)?.[1]).toBeUndefined();
    expect(saved.status).toBe(200);
    expect(savedPage).toContain('已保存');
    const rows = await server.stack.prisma.cadreChannel.findMany({
      where: { cadreId: server.town.cadres.assistance },
      orderBy: { position: 'asc' },
    });
    expect(rows.map((r) => [r.channel, r.address])).toEqual([
      ['WECOM', 'zhangbangfu'],
      ['EMAIL', ''],
    ]);
    const refused = await post(new URLSearchParams({ _csrf: token, channel0: 'DINGTALK', address0: '' }));
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('请填写正确的钉钉账号');

    const admin = await server.client('ADMIN');
    const cadrePage = await admin.raw(
      'GET',
      `/cadres/${encodeURIComponent(server.town.cadres.assistance)}/channels`,
    );
    expect(cadrePage.status).toBe(200);
    expect(await cadrePage.text()).toContain('zhangbangfu');
    expect(await (await admin.raw('GET', '/cadres')).text()).toContain('/channels">接收渠道</a>');
    expect(await (await admin.raw('GET', '/admin')).text()).toContain('渠道拒收');
    expect(
      (await leader.raw('GET', `/cadres/${encodeURIComponent(server.town.cadres.assistance)}/channels`))
        .status,
    ).toBe(403);
  });
});
