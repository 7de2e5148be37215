import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { logger } from '../../config/logger.js';
import { createUser } from '../../domain/users.js';
import { SESSION_POOL_NAME } from '../../server/auth/session.js';
import { type AppServer, PASSWORD, startAppServer } from '../helpers/app-server.js';

type ApiError = { error: { code: string; message: string } };
const DAY_MS = 86_400_000;

// The attacks of issue 9 on accounts and sessions, against the real app, PostgreSQL and Temporal:
// padded user names, guessing from many addresses, a `next` that leaves the site, anonymous
// visitors filling the session table, sessions that never end, a PostgreSQL connection dropped.
describe('accounts and sessions under attack', () => {
  let server: AppServer;

  beforeAll(async () => {
    server = await startAppServer();
  });
  afterAll(async () => server?.close());

  /** A fresh supervisor account of this test's own, so locking it disturbs nobody else. */
  const account = async (prefix: string) => {
    const username = `${prefix}-${randomUUID().slice(0, 6)}`;
    const user = await createUser(server.stack.prisma, {
      username,
      displayName: `测试 ${prefix}`,
      password: PASSWORD,
      capabilities: ['SUPERVISE'],
    });
    return { username, id: user.user.id };
  };

  /** One log-in through the API from a new client, optionally from another address (via the proxy). */
  const attempt = async (username: string, password: string, address?: string) => {
    const client = await server.client();
    await client.refreshToken();
    const res = await client.raw('POST', '/api/session', {
      body: { username, password },
      headers: address ? { 'x-forwarded-for': address } : {},
    });
    return {
      status: res.status,
      retryAfter: res.headers.get('retry-after'),
      body: (await res.json()) as ApiError,
    };
  };

  const throttleRows = (keys: string[]) =>
    server.stack.prisma.loginThrottle.findMany({ where: { key: { in: keys } }, orderBy: { key: 'asc' } });
  const unlock = (keys: string[]) =>
    server.stack.prisma.loginThrottle.updateMany({
      where: { key: { in: keys } },
      data: { lockedUntil: new Date(Date.now() - 1_000) },
    });

  describe('log-in limits', () => {
    it('count padded and re-cased spellings of one name against one budget', async () => {
      const { username, id } = await account('padded');
      const fullWidth = [...username]
        .map((c) => String.fromCodePoint((c.codePointAt(0) ?? 0) + 0xfee0))
        .join('');
      const spellings = [
        ` ${username}`,
        `  ${username}`,
        username.toUpperCase(),
        `${username}\t`,
        `\u3000${fullWidth}`,
      ];
      for (const spelling of spellings) expect((await attempt(spelling, 'wrong password')).status).toBe(401);

      // Five failures: the name and the account now wait, even for the right password.
      const locked = await attempt(`   ${username}`, PASSWORD);
      expect(locked.status).toBe(429);
      expect(locked.body.error.message).toMatch(/^登录失败次数过多，请 \d+ 秒后再试$/);
      expect(Number(locked.retryAfter)).toBeGreaterThan(0);
      expect(Number(locked.retryAfter)).toBeLessThanOrEqual(30);
      const rows = await throttleRows([`account:${id}`, `user:${username}`]);
      expect(rows.map((r) => [r.key, r.failures])).toEqual([
        [`account:${id}`, 5],
        [`user:${username}`, 5],
      ]);

      // The wait over, the right password logs in and the count starts again.
      await unlock([`account:${id}`, `user:${username}`]);
      expect((await attempt(` ${username.toUpperCase()} `, PASSWORD)).status).toBe(200);
      expect(await throttleRows([`account:${id}`, `user:${username}`])).toEqual([]);
    });

    it('hold an account locked whatever address the guesses come from, with growing waits', async () => {
      const { username, id } = await account('roamer');
      for (let i = 1; i <= 5; i++)
        expect((await attempt(username, `guess ${i}`, `203.0.113.${i}`)).status).toBe(401);
      expect((await attempt(username, PASSWORD, '198.51.100.7')).status).toBe(429);
      const [accountRow] = await throttleRows([`account:${id}`]);
      expect(accountRow?.failures).toBe(5);
      expect(accountRow?.lockedUntil?.getTime()).toBeGreaterThan(Date.now());

      // After the first wait, one more failure waits twice as long.
      await unlock([`account:${id}`, `user:${username}`]);
      expect((await attempt(username, 'guess 6', '198.51.100.8')).status).toBe(401);
      const longer = await attempt(username, PASSWORD, '198.51.100.9');
      expect(longer.status).toBe(429);
      expect(longer.body.error.message).toBe('登录失败次数过多，请 1 分钟后再试');
      expect(Number(longer.retryAfter)).toBeGreaterThan(30);
    });

    it('give guesses sent all at once no more checks than guesses sent one by one', async () => {
      const { username } = await account('burst');
      const burst = await Promise.all(
        Array.from({ length: 12 }, (_, i) => attempt(username, `guess ${i}`, `192.0.2.${i + 1}`)),
      );
      const statuses = burst.map((b) => b.status);
      const checked = statuses.filter((s) => s === 401).length;
      expect(checked).toBeGreaterThan(0);
      expect(checked).toBeLessThanOrEqual(5);
      expect(statuses.filter((s) => s === 429)).toHaveLength(12 - checked);
    });

    it('count unknown names too, and refuse a name with a line break with a clear 400', async () => {
      const ghost = `ghost-${randomUUID().slice(0, 6)}`;
      for (let i = 0; i < 5; i++) expect((await attempt(` ${ghost}`, 'x')).status).toBe(401);
      expect((await attempt(ghost, 'x')).status).toBe(429);
      const broken = await attempt('ad\nmin', 'x');
      expect(broken.status).toBe(400);
      expect(broken.body.error.message).toBe('用户名不能包含换行或控制字符');
    });
  });

  describe('the log-in page', () => {
    /** What a browser does: the page, its CSRF cookie and token, then the form posted back. */
    const pageLogin = async (username: string, next: string) => {
      const page = await fetch(`${server.base}/login?next=${encodeURIComponent(next)}`);
      const cookies = page.headers.getSetCookie().map((c) => c.split(';')[0]);
      const html = await page.text();
      const token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
      const post = await fetch(`${server.base}/login`, {
        method: 'POST',
        headers: { cookie: cookies.join('; '), 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: token, username, password: PASSWORD, next }),
        redirect: 'manual',
      });
      return { html, cookies, post };
    };

    it('goes to `next` only when it is a path of this site', async () => {
      const { username } = await account('next');
      const attack = await pageLogin(username, '/%5Cevil.example/');
      expect(attack.html).not.toContain('evil.example');
      expect(attack.post.status).toBe(302);
      expect(attack.post.headers.get('location')).toBe('/board');

      const fine = await pageLogin(username, '/households/H%2F1?tab=visits');
      expect(fine.post.headers.get('location')).toBe('/households/H%2F1?tab=visits');
    });

    it('says on the page itself when a locked account may try again', async () => {
      const { username } = await account('paged');
      for (let i = 0; i < 5; i++) expect((await attempt(username, 'wrong password')).status).toBe(401);
      const { post } = await pageLogin(username, '/board');
      expect(post.status).toBe(429);
      expect(post.headers.get('content-type')).toMatch(/html/);
      expect(await post.text()).toMatch(/登录失败次数过多，请 \d+ 秒后再试/);
    });

    it('works for a visitor with no stored session, and refuses a form without the token', async () => {
      const { username } = await account('form');
      const { cookies, post } = await pageLogin(username, '/board');
      expect(cookies.some((c) => c?.startsWith('duzhan.sid='))).toBe(false); // the page stored nothing
      expect(post.status).toBe(302);
      expect(post.headers.getSetCookie().some((c) => c.startsWith('duzhan.sid='))).toBe(true);

      const forged = await fetch(`${server.base}/login`, {
        method: 'POST',
        headers: { cookie: cookies.join('; '), 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: 'forged', username, password: PASSWORD }),
        redirect: 'manual',
      });
      expect(forged.status).toBe(403);
    });
  });

  describe('sessions', () => {
    const anonymousRows = async () => {
      const [row] = await server.stack.prisma.$queryRaw<Array<{ n: number }>>`
        SELECT count(*)::int AS n FROM "session" WHERE sess->'user' IS NULL`;
      return row?.n;
    };

    it('are not stored for visitors who have not logged in', async () => {
      const before = await anonymousRows();
      for (const path of [
        '/',
        '/login',
        '/login?next=/board',
        '/board',
        '/tasks',
        '/api/session',
        '/api/board',
      ]) {
        const res = await fetch(`${server.base}${path}`, { redirect: 'manual' });
        expect(
          res.headers.getSetCookie().filter((c) => c.startsWith('duzhan.sid=')),
          path,
        ).toEqual([]);
      }
      expect(await anonymousRows()).toBe(before);
    });

    it('end once older than the absolute lifetime, however busy', async () => {
      const client = await server.client('SUPERVISOR');
      expect((await client.json('GET', '/api/board')).status).toBe(200);
      const signed = decodeURIComponent(/duzhan\.sid=([^;]+)/.exec(client.cookie)?.[1] ?? '');
      const sid = signed.slice(2, signed.lastIndexOf('.')); // `s:<sid>.<signature>`
      const loggedInAgo = (ms: number) => server.stack.prisma.$executeRaw`
        UPDATE "session" SET sess = jsonb_set(sess::jsonb, '{loggedInAt}', to_jsonb(${Date.now() - ms}::bigint))::json
        WHERE sid = ${sid}`;

      expect(await loggedInAgo(6 * DAY_MS)).toBe(1);
      expect((await client.json('GET', '/api/board')).status).toBe(200); // in use, 6 days: still fine
      expect(await loggedInAgo(7 * DAY_MS + 60_000)).toBe(1);
      const expired = await client.json<ApiError>('GET', '/api/board');
      expect(expired.status).toBe(401);
      expect(await server.stack.prisma.session.count({ where: { sid } })).toBe(0);
    });

    it('survive PostgreSQL dropping the session store’s connections, and log why without the client', async () => {
      const client = await server.client('SUPERVISOR');
      const warn = vi.spyOn(logger, 'warn');
      try {
        const dropped = await server.stack.prisma.$queryRaw<Array<{ ok: boolean }>>`
          SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = ${SESSION_POOL_NAME}`;
        expect(dropped.length).toBeGreaterThan(0);
        await new Promise((resolve) => setTimeout(resolve, 300)); // the idle clients' 'error' events
        expect((await client.json('GET', '/api/board')).status).toBe(200);
        const lost = warn.mock.calls.filter(
          ([, message]) => message === 'session store: PostgreSQL connection lost',
        );
        expect(lost.length).toBeGreaterThan(0);
        // The reason and PostgreSQL's code (57P01: admin shutdown), nothing else: the pg client an
        // error carries holds the connection's cancel key.
        for (const [fields] of lost)
          expect(fields).toEqual({ reason: expect.stringMatching(/terminat/), code: '57P01' });
      } finally {
        warn.mockRestore();
      }
    });
  });

  describe('names', () => {
    it('refuse control characters in a new account’s display name', async () => {
      const admin = await server.client('ADMIN');
      const res = await admin.json<ApiError>('POST', '/api/users', {
        username: `named-${randomUUID().slice(0, 6)}`,
        displayName: '王二\n· 点此核实 https://evil.example',
        password: PASSWORD,
        role: 'SUPERVISOR',
      });
      expect(res.status).toBe(400);
      expect(res.body.error.message).toBe('姓名不能包含换行或控制字符');
    });
  });
});
