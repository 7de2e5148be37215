import { randomBytes, randomUUID } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import { z } from 'zod';
import type { PrismaClient } from '../db/client.js';
import { singleLine } from '../policy/plain-text.js';
import { DomainError } from './errors.js';

export const ROLES = ['LEADER', 'SUPERVISOR', 'ADMIN'] as const;
export type Role = (typeof ROLES)[number];
export const ROLE_LABELS: Record<Role, string> = {
  LEADER: '帮扶干部',
  SUPERVISOR: '督战领导',
  ADMIN: '管理员',
};

/** What a session carries about its user: enough for every access check, nothing secret. */
export interface SessionUser {
  id: string;
  username: string;
  displayName: string;
  role: Role;
  cadreId: string | null;
}

export const newUserSchema = z.object({
  username: z
    .string({ error: '请填写用户名' })
    .regex(/^[a-z0-9_.-]{3,32}$/, '用户名为 3–32 位小写字母、数字、点、横线或下划线'),
  displayName: singleLine('姓名', 40),
  password: z.string({ error: '请填写密码' }).min(10, '密码至少 10 位').max(200, '密码过长'),
  role: z.enum(ROLES, { error: '角色必须是 帮扶干部、督战领导 或 管理员' }),
  cadreId: z.string().min(1).nullable().optional(),
});
export type NewUser = z.infer<typeof newUserSchema>;

const toSessionUser = (u: {
  id: string;
  username: string;
  displayName: string;
  role: string;
  cadreId: string | null;
}) => ({
  id: u.id,
  username: u.username,
  displayName: u.displayName,
  role: u.role as Role,
  cadreId: u.cadreId,
});

export async function createUser(prisma: PrismaClient, input: NewUser): Promise<SessionUser> {
  if (input.role === 'LEADER' && !input.cadreId)
    throw new DomainError('INVALID', '帮扶干部账号必须关联一名干部');
  if (await prisma.user.findUnique({ where: { username: input.username } })) {
    throw new DomainError('CONFLICT', `用户名 ${input.username} 已被使用`);
  }
  if (input.cadreId && !(await prisma.cadre.findUnique({ where: { id: input.cadreId } }))) {
    throw new DomainError('NOT_FOUND', `没有编号为 ${input.cadreId} 的干部`);
  }
  const user = await prisma.user.create({
    data: {
      id: randomUUID(),
      username: input.username,
      displayName: input.displayName,
      role: input.role,
      cadreId: input.cadreId ?? null,
      passwordHash: await hash(input.password), // argon2id with the library's recommended parameters
    },
  });
  return toSessionUser(user);
}

let decoy: Promise<string> | undefined;
const decoyHash = () => {
  decoy ??= hash(randomBytes(16).toString('hex'));
  return decoy;
};

/** The user for these credentials, or undefined; the same answer whether the name or the password is wrong. */
export async function authenticate(
  prisma: PrismaClient,
  username: string,
  password: string,
): Promise<SessionUser | undefined> {
  const user = await prisma.user.findUnique({ where: { username } });
  // An unknown name costs a hash check too, so the answer's timing does not tell which names exist.
  const valid = await verify(user?.passwordHash ?? (await decoyHash()), password);
  if (!user?.active || !valid) return undefined;
  await prisma.user.update({ where: { id: user.id }, data: { lastLoginAt: new Date() } });
  return toSessionUser(user);
}

/**
 * The first admin: from ADMIN_PASSWORD if set, else a generated password returned once so start-up
 * can print it. Does nothing when an admin exists.
 */
export async function ensureFirstAdmin(
  prisma: PrismaClient,
  password?: string,
): Promise<{ username: string; password?: string } | undefined> {
  if (await prisma.user.findFirst({ where: { role: 'ADMIN' } })) return undefined;
  const generated = password ? undefined : randomBytes(12).toString('base64url');
  await createUser(prisma, {
    username: 'admin',
    displayName: '系统管理员',
    password: password ?? (generated as string),
    role: 'ADMIN',
  });
  return { username: 'admin', ...(generated ? { password: generated } : {}) };
}
