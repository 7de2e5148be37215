import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES } from '../../domain/users.js';
import { apiRoutes } from '../../server/api/routes/index.js';
import { type AppServer, startAppServer } from '../helpers/app-server.js';
import type { ApiClient } from '../helpers/http-client.js';

const concrete = (path: string) => path.replace(/:[A-Za-z]+/g, 'no-such-id');

// Every endpoint of the route table against every role: the table is the API, so an endpoint
// added without the right access fails here.
describe('every /api endpoint checks the role of its caller', () => {
  let server: AppServer;
  const clients = new Map<string, ApiClient>();
  beforeAll(async () => {
    server = await startAppServer();
    for (const role of ROLES) clients.set(role, await server.client(role));
  });
  afterAll(async () => server?.close());

  const guarded = apiRoutes.filter((r) => r.access !== 'public');

  it('has endpoints for every role', () => {
    for (const role of ROLES)
      expect(guarded.some((r) => r.access !== 'public' && r.access.includes(role))).toBe(true);
  });

  it.each(guarded.map((r) => [r.method.toUpperCase(), r.path, r] as const))(
    '%s %s: 401 without a session',
    async (method, path) => {
      const anonymous = await server.client();
      const res = await anonymous.json<{ error: { code: string } }>(
        method,
        `/api${concrete(path)}`,
        method === 'GET' ? undefined : {},
      );
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('unauthenticated');
    },
  );

  it.each(guarded.map((r) => [r.method.toUpperCase(), r.path, r] as const))(
    '%s %s: 403 for the roles it does not admit, never for those it does',
    async (method, path, route) => {
      for (const role of ROLES) {
        const client = clients.get(role) as ApiClient;
        const res = await client.json<{ error?: { code: string; message: string } }>(
          method,
          `/api${concrete(path)}`,
          method === 'GET' ? undefined : {},
        );
        if (route.access !== 'public' && route.access.includes(role)) {
          expect([401, 403], `${role} ${method} ${path}`).not.toContain(res.status);
        } else {
          expect(res.status, `${role} ${method} ${path}`).toBe(403);
          expect(res.body.error?.message).toMatch(/[\u4e00-\u9fa5]/);
        }
      }
    },
  );

  it('refuses a write without the CSRF token', async () => {
    const admin = await server.client('ADMIN');
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
