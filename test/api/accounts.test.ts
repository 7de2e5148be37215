import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppServer, startAppServer } from '../helpers/app-server.js';
import { ApiClient } from '../helpers/http-client.js';

type ApiError = { error: { code: string; message: string } };
type Account = { id: string; username: string; mustChangePassword: boolean; capabilities: string[] };
const NEW_PASSWORD = 'a new password 2026';

// Accounts on the real app: a generated password must be changed before anything else, one's own
// change ends one's other sessions, an admin's reset and deactivation end the account's sessions at
// once (rows of the `session` table deleted), and uploads are read only after the access check.
describe('accounts', () => {
  let server: AppServer;
  let admin: ApiClient;
  let serial = 0;

  beforeAll(async () => {
    server = await startAppServer();
    admin = await server.client('ADMIN');
  });
  afterAll(async () => server?.close());

  const sessionRows = async (userId: string) =>
    Number(
      (
        await server.stack.prisma.$queryRaw<Array<{ n: bigint }>>`
          SELECT count(*) AS n FROM "session" WHERE sess->'user'->>'id' = ${userId}`
      )[0]?.n ?? 0,
    );

  /** A new account made by the admin through the API, with the password it was shown once. */
  async function newAccount(body: Record<string, unknown> = {}) {
    serial += 1;
    const res = await admin.json<{ user: Account; password: string }>('POST', '/api/users', {
      username: `acct${serial}-${server.town.suffix}`,
      displayName: `账号${serial}`,
      ...body,
    });
    expect(res.status).toBe(201);
    return res.body;
  }

  const login = (username: string, password: string) => new ApiClient(server.base).login(username, password);

  it('a generated password is shown once and must be changed before anything else', async () => {
    const { user, password } = await newAccount({ cadreId: server.town.cadres.villageLeader });
    expect(password).toMatch(/^[\w-]{16}$/);
    expect(user.mustChangePassword).toBe(true);
    const stored = await server.stack.prisma.user.findUniqueOrThrow({ where: { id: user.id } });
    expect(stored.passwordHash).toMatch(/^\$argon2id\$/);
    expect(JSON.stringify(await admin.json('GET', '/api/users'))).not.toContain(password);

    const fresh = await login(user.username, password);
    const blocked = await fresh.json<ApiError>('GET', '/api/tasks');
    expect(blocked.status).toBe(403);
    expect(blocked.body.error).toMatchObject({ code: 'must_change_password', message: '请先修改初始密码' });
    const page = await fresh.raw('GET', '/tasks');
    expect(page.status).toBe(302);
    expect(page.headers.get('location')).toBe('/account/password');

    const wrong = await fresh.json<ApiError>('PUT', '/api/account/password', {
      currentPassword: 'not it at all',
      newPassword: NEW_PASSWORD,
    });
    expect(wrong.status).toBe(422);
    expect(wrong.body.error.message).toBe('原密码不正确');
    const weak = await fresh.json<ApiError>('PUT', '/api/account/password', {
      currentPassword: password,
      newPassword: 'short',
    });
    expect(weak.status).toBe(400);
    expect(weak.body.error.message).toBe('新密码至少 10 位');

    const changed = await fresh.json<{ user: Account }>('PUT', '/api/account/password', {
      currentPassword: password,
      newPassword: NEW_PASSWORD,
    });
    expect(changed.status).toBe(200);
    expect(changed.body.user.mustChangePassword).toBe(false);
    expect((await fresh.json('GET', '/api/tasks')).status).toBe(200);
    expect((await fresh.raw('GET', '/tasks')).status).toBe(200);
    await expect(login(user.username, password)).rejects.toThrow(/401/);
    await login(user.username, NEW_PASSWORD);
  });

  it('the change-password page works as a plain form and keeps the account logged in', async () => {
    const { user, password } = await newAccount({ capabilities: ['SUPERVISE'] });
    const fresh = await login(user.username, password);
    const form = await fresh.raw('GET', '/account/password');
    expect(await form.text()).toContain('请先修改密码再继续使用');
    const mismatch = await fresh.raw('POST', '/account/password', {
      body: { currentPassword: password, newPassword: NEW_PASSWORD, confirmPassword: 'something else!' },
    });
    expect(mismatch.status).toBe(400);
    expect(await mismatch.text()).toContain('两次输入的新密码不一致');
    const done = await fresh.raw('POST', '/account/password', {
      body: { currentPassword: password, newPassword: NEW_PASSWORD, confirmPassword: NEW_PASSWORD },
    });
    expect(done.status).toBe(200);
    expect(await done.text()).toContain('密码已修改');
    expect((await fresh.raw('GET', '/board')).status).toBe(200);
  });

  it("changing one's own password ends one's other sessions, not this one", async () => {
    const { user, password } = await newAccount({ capabilities: ['SUPERVISE'] });
    const here = await login(user.username, password);
    await here.json('PUT', '/api/account/password', { currentPassword: password, newPassword: NEW_PASSWORD });
    const elsewhere = await login(user.username, NEW_PASSWORD);
    expect((await elsewhere.json('GET', '/api/board')).status).toBe(200);
    const again = await here.json('PUT', '/api/account/password', {
      currentPassword: NEW_PASSWORD,
      newPassword: `${NEW_PASSWORD}!`,
    });
    expect(again.status).toBe(200);
    expect((await elsewhere.json('GET', '/api/board')).status).toBe(401);
    expect((await here.json('GET', '/api/board')).status).toBe(200);
    expect(await sessionRows(user.id)).toBe(1);
  });

  it('an admin reset ends the sessions at once and hands out a password to change at the next log-in', async () => {
    const { user, password } = await newAccount({ capabilities: ['SUPERVISE'] });
    const client = await login(user.username, password);
    await client.json('PUT', '/api/account/password', {
      currentPassword: password,
      newPassword: NEW_PASSWORD,
    });
    expect((await client.json('GET', '/api/board')).status).toBe(200);
    expect(await sessionRows(user.id)).toBe(1);

    const reset = await admin.json<{ user: Account; password: string }>(
      'POST',
      `/api/users/${user.id}/password-reset`,
    );
    expect(reset.status).toBe(200);
    expect(reset.body.user.mustChangePassword).toBe(true);
    expect(await sessionRows(user.id)).toBe(0);
    expect((await client.json('GET', '/api/board')).status).toBe(401);
    await expect(login(user.username, NEW_PASSWORD)).rejects.toThrow(/401/);
    const after = await login(user.username, reset.body.password);
    expect((await after.json<ApiError>('GET', '/api/board')).body.error.code).toBe('must_change_password');
    expect((await admin.json('POST', '/api/users/nobody/password-reset')).status).toBe(404);
  });

  it('a deactivated account is logged out at once and cannot log in; reactivated, it can', async () => {
    const { user, password } = await newAccount({ cadreId: server.town.cadres.leaderInCharge });
    const first = await login(user.username, password);
    const second = await login(user.username, password);
    expect(await sessionRows(user.id)).toBe(2);

    const off = await admin.json<{ active: boolean; sessionsEnded: number }>(
      'POST',
      `/api/users/${user.id}/deactivate`,
    );
    expect(off.body).toMatchObject({ active: false, sessionsEnded: 2 });
    expect(await sessionRows(user.id)).toBe(0);
    for (const client of [first, second]) {
      expect((await client.json('GET', '/api/policy')).status).toBe(401);
      expect((await client.raw('GET', '/account/password')).status).toBe(302);
    }
    await expect(login(user.username, password)).rejects.toThrow(/401/);
    const list = await admin.json<{ users: Array<{ id: string; active: boolean }> }>('GET', '/api/users');
    expect(list.body.users.find((u) => u.id === user.id)?.active).toBe(false);

    await admin.json('POST', `/api/users/${user.id}/activate`);
    await login(user.username, password);
  });

  it('an admin changes what an account may do; its sessions end so the next log-in carries it', async () => {
    const { user, password } = await newAccount({ cadreId: server.town.cadres.partySecretary });
    const client = await login(user.username, password);
    await client.json('PUT', '/api/account/password', {
      currentPassword: password,
      newPassword: NEW_PASSWORD,
    });
    expect((await client.json('GET', '/api/board')).status).toBe(403);
    const changed = await admin.json<{ user: Account }>('PUT', `/api/users/${user.id}`, {
      cadreId: server.town.cadres.partySecretary,
      capabilities: ['SUPERVISE'],
    });
    expect(changed.body.user.capabilities).toEqual(['SUPERVISE']);
    expect((await client.json('GET', '/api/board')).status).toBe(401);
    const again = await login(user.username, NEW_PASSWORD);
    expect((await again.json('GET', '/api/board')).status).toBe(200);
    const selfDemotion = await admin.json<ApiError>('PUT', `/api/users/${server.users.ADMIN.id}`, {
      cadreId: null,
      capabilities: ['SUPERVISE'],
    });
    expect(selfDemotion.status).toBe(409);
    const taken = await admin.json<ApiError>('PUT', `/api/users/${user.id}`, {
      cadreId: server.town.cadres.assistance,
      capabilities: [],
    });
    expect(taken.status).toBe(409);
  });

  it('an admin cannot lock themselves out, and bad accounts are refused with a Chinese message', async () => {
    const self = await admin.json<ApiError>('POST', `/api/users/${server.users.ADMIN.id}/deactivate`);
    expect(self.status).toBe(409);
    expect(self.body.error.message).toBe('不能停用自己的账号');
    const nothing = await admin.json<ApiError>('POST', '/api/users', {
      username: `empty-${server.town.suffix}`,
      displayName: '无权限',
    });
    expect(nothing.status).toBe(422);
    expect(nothing.body.error.message).toBe('账号必须关联一名干部，或至少有一项权限');
    const badCapability = await admin.json<ApiError>('POST', '/api/users', {
      username: `bad-${server.town.suffix}`,
      displayName: '错',
      capabilities: ['ROOT'],
    });
    expect(badCapability.status).toBe(400);
    expect(badCapability.body.error.message).toBe('权限必须是 督战领导、县级审批 或 管理员');
    const taken = await admin.json<ApiError>('POST', '/api/users', {
      username: `dup-${server.town.suffix}`,
      displayName: '重复',
      cadreId: server.town.cadres.assistance, // the LEADER persona's cadre
    });
    expect(taken.status).toBe(409);
    expect(await server.stack.prisma.user.count({ where: { username: { startsWith: 'empty-' } } })).toBe(0);
  });

  describe('uploads are read only after the access check', () => {
    const form = (parts: Array<[string, Blob | string, string?]>) => {
      const data = new FormData();
      for (const [name, value, filename] of parts)
        value instanceof Blob ? data.append(name, value, filename) : data.append(name, value);
      return data;
    };
    const csv = () => new Blob(['户编号\n'], { type: 'text/csv' });

    it('refuses a caller without access before reading an oversized upload', async () => {
      const leader = await server.client('LEADER');
      const huge = new Blob([new Uint8Array(6 * 1024 * 1024)], { type: 'text/csv' });
      const res = await leader.raw('POST', '/api/imports', { form: form([['file', huge, 'big.csv']]) });
      expect(res.status).toBe(403); // not 413: the body was never parsed
      expect(((await res.json()) as ApiError).error.code).toBe('forbidden');
    });

    it('takes one file part and no other field', async () => {
      const extraField = await admin.raw('POST', '/api/imports', {
        form: form([
          ['note', 'x'],
          ['file', csv(), 'a.csv'],
        ]),
      });
      expect(extraField.status).toBe(400);
      expect(((await extraField.json()) as ApiError).error.message).toMatch(/只能包含一个文件/);
      const twoFiles = await admin.raw('POST', '/api/imports', {
        form: form([
          ['file', csv(), 'a.csv'],
          ['file', csv(), 'b.csv'],
        ]),
      });
      expect(twoFiles.status).toBe(400);
      const otherName = await admin.raw('POST', '/api/imports', { form: form([['upload', csv(), 'a.csv']]) });
      expect(otherName.status).toBe(400);
      expect(((await otherName.json()) as ApiError).error.message).toBe('上传的文件字段不正确');
      const big = await admin.raw('POST', '/api/imports', {
        form: form([['file', new Blob([new Uint8Array(6 * 1024 * 1024)]), 'big.csv']]),
      });
      expect(big.status).toBe(413);
    });
  });
});
