import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { createUser, type Role } from '../../domain/users.js';
import { createApp } from '../../server/app.js';
import { type Listening, listen } from '../../server/listen.js';
import { ApiClient } from './http-client.js';
import { connectRealStack, type RealStack } from './real-stack.js';
import { createTownshipFixture, type TownshipFixture } from './township-fixture.js';

export const PASSWORD = 'correct horse battery';

/**
 * The real app on a free port over the real stack (Temporal dev server, PostgreSQL, a worker),
 * a township fixture, and one account per role (the leader is the fixture's 帮扶责任人).
 */
export interface AppServer {
  stack: RealStack;
  town: TownshipFixture;
  base: string;
  users: Record<Role, { username: string; id: string }>;
  client(role?: Role): Promise<ApiClient>;
  close(): Promise<void>;
}

export async function startAppServer(options: { loginAttemptsPer15Min?: number } = {}): Promise<AppServer> {
  const stack = await connectRealStack();
  await stack.startWorker();
  const town = await createTownshipFixture(stack.prisma);
  await town.activate();
  const suffix = randomUUID().slice(0, 6);
  const make = async (role: Role, cadreId: string | null) => {
    const username = `${role.toLowerCase()}-${suffix}`;
    const user = await createUser(stack.prisma, {
      username,
      displayName: `${role} ${suffix}`,
      password: PASSWORD,
      role,
      cadreId,
    });
    return { username, id: user.id };
  };
  const users = {
    LEADER: await make('LEADER', town.cadres.assistance),
    SUPERVISOR: await make('SUPERVISOR', town.cadres.townshipHead),
    ADMIN: await make('ADMIN', null),
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
    databaseUrl: inject('databaseUrl'),
  });
  const server: Listening = await listen(app, 0, '127.0.0.1');
  const base = `http://127.0.0.1:${server.port}`;
  return {
    stack,
    town,
    base,
    users,
    client: async (role) => {
      const client = new ApiClient(base);
      return role ? client.login(users[role].username, PASSWORD) : client;
    },
    async close() {
      await server.close();
      await close();
      await stack.close();
    },
  };
}
