import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import type { Capability } from '../../domain/access.js';
import { createUser } from '../../domain/users.js';
import { createApp } from '../../server/app.js';
import { type Listening, listen } from '../../server/listen.js';
import { ApiClient } from './http-client.js';
import { connectRealStack, type RealStack } from './real-stack.js';
import { createTownshipFixture, type TownshipFixture } from './township-fixture.js';

export const PASSWORD = 'correct horse battery';

/**
 * The kinds of account the tests log in as: a cadre-only account (the fixture's 帮扶责任人), a
 * supervisor (the fixture's 乡长, SUPERVISE), an admin (no cadre, ADMINISTER) and a county approver
 * (no cadre, APPROVE_COUNTY).
 */
export const PERSONAS = ['LEADER', 'SUPERVISOR', 'ADMIN', 'COUNTY'] as const;
export type Persona = (typeof PERSONAS)[number];

/**
 * The real app on a free port over the real stack (Temporal dev server, PostgreSQL, a worker),
 * a township fixture, and one account per persona.
 */
export interface AppServer {
  stack: RealStack;
  town: TownshipFixture;
  base: string;
  users: Record<Persona, { username: string; id: string }>;
  client(persona?: Persona): Promise<ApiClient>;
  close(): Promise<void>;
}

export async function startAppServer(
  options: { loginAttemptsPer15Min?: number; databaseUrl?: string } = {},
): Promise<AppServer> {
  const databaseUrl = options.databaseUrl ?? inject('databaseUrl');
  const stack = await connectRealStack({ databaseUrl });
  await stack.startWorker();
  const town = await createTownshipFixture(stack.prisma);
  await town.activate();
  const suffix = randomUUID().slice(0, 6);
  const make = async (persona: Persona, cadreId: string | null, capabilities: Capability[]) => {
    const username = `${persona.toLowerCase()}-${suffix}`;
    const { user } = await createUser(stack.prisma, {
      username,
      displayName: `${persona} ${suffix}`,
      password: PASSWORD,
      capabilities,
      cadreId,
    });
    return { username, id: user.id };
  };
  const users = {
    LEADER: await make('LEADER', town.cadres.assistance, []),
    SUPERVISOR: await make('SUPERVISOR', town.cadres.townshipHead, ['SUPERVISE']),
    ADMIN: await make('ADMIN', null, ['ADMINISTER']),
    COUNTY: await make('COUNTY', null, ['APPROVE_COUNTY']),
  };
  const { app, close } = createApp({
    config: {
      TEMPORAL_TASK_QUEUE: stack.taskQueue,
      publicUrl: 'http://duzhan.test',
      sessionSecret: 'test-secret',
      ...(options.loginAttemptsPer15Min ? { loginAttemptsPer15Min: options.loginAttemptsPer15Min } : {}),
    },
    prisma: stack.prisma,
    temporal: stack.temporal,
    databaseUrl,
  });
  const server: Listening = await listen(app, 0, '127.0.0.1');
  const base = `http://127.0.0.1:${server.port}`;
  return {
    stack,
    town,
    base,
    users,
    client: async (persona) => {
      const client = new ApiClient(base);
      return persona ? client.login(users[persona].username, PASSWORD) : client;
    },
    async close() {
      await server.close();
      await close();
      await stack.close();
    },
  };
}
