import { randomBytes, randomUUID } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import { z } from 'zod';
import type { PrismaClient } from '../db/client.js';
import { singleLine } from '../policy/plain-text.js';
import { type Actor, CAPABILITIES, type Capability } from './access.js';
import { DomainError } from './errors.js';

/** What a session carries about its user: enough for every access check, nothing secret. */
export interface SessionUser extends Actor {
  id: string;
  username: string;
  displayName: string;
  cadreId: string | null;
  capabilities: Capability[];
  mustChangePassword: boolean;
}

const password = (what: string) =>
  z
    .string({ error: `请填写${what}` })
    .min(10, `${what}至少 10 位`)
    .max(200, `${what}过长`);

const capabilitiesSchema = z
  .array(z.enum(CAPABILITIES, { error: '权限必须是 督战领导、县级审批 或 管理员' }), {
    error: '权限必须是列表',
  })
  .max(CAPABILITIES.length)
  .default([])
  .transform((list) => [...new Set(list)]);

export const newUserSchema = z.object({
  username: z
    .string({ error: '请填写用户名' })
    .regex(/^[a-z0-9_.-]{3,32}$/, '用户名为 3–32 位小写字母、数字、点、横线或下划线'),
  displayName: singleLine('姓名', 40),
  /** Left out: a password is generated, shown once, and must be changed at the first log-in. */
  password: password('密码').optional(),
  capabilities: capabilitiesSchema,
  cadreId: z.string().min(1).max(64).nullable().optional(),
});
export type NewUser = z.input<typeof newUserSchema>;

export const passwordChangeSchema = z.object({
  currentPassword: z.string({ error: '请填写原密码' }).min(1, '请填写原密码').max(200, '原密码过长'),
  newPassword: password('新密码'),
});

type UserRow = {
  id: string;
  username: string;
  displayName: string;
  capabilities: string[];
  cadreId: string | null;
  mustChangePassword: boolean;
};

const toSessionUser = (u: UserRow): SessionUser => ({
  id: u.id,
  username: u.username,
  displayName: u.displayName,
  cadreId: u.cadreId,
  capabilities: u.capabilities.filter((c): c is Capability =>
    (CAPABILITIES as readonly string[]).includes(c),
  ),
  mustChangePassword: u.mustChangePassword,
});

/** A password for an admin to hand over once; the account must replace it at its first log-in. */
export const generatePassword = () => randomBytes(12).toString('base64url');

export interface CreatedUser {
  user: SessionUser;
  /** Set only when the password was generated: shown once, never stored in clear. */
  generatedPassword?: string;
}

/**
 * A new account. Without a password one is generated and must be changed at the first log-in
 * (`mustChangePassword`), as it must when `options.mustChangePassword` says so.
 */
export async function createUser(
  prisma: PrismaClient,
  input: NewUser,
  options: { mustChangePassword?: boolean } = {},
): Promise<CreatedUser> {
  const parsed = newUserSchema.safeParse(input);
  if (!parsed.success) throw new DomainError('INVALID', parsed.error.issues[0]?.message ?? '账号信息有误');
  const account = parsed.data;
  if (!account.cadreId && account.capabilities.length === 0)
    throw new DomainError('INVALID', '账号必须关联一名干部，或至少有一项权限');
  if (await prisma.user.findUnique({ where: { username: account.username } })) {
    throw new DomainError('CONFLICT', `用户名 ${account.username} 已被使用`);
  }
  if (account.cadreId) {
    const cadre = await prisma.cadre.findUnique({ where: { id: account.cadreId } });
    if (!cadre) throw new DomainError('NOT_FOUND', `没有编号为 ${account.cadreId} 的干部`);
    if (await prisma.user.findUnique({ where: { cadreId: account.cadreId } }))
      throw new DomainError('CONFLICT', `干部 ${cadre.name} 已有账号`);
  }
  const generatedPassword = account.password ? undefined : generatePassword();
  const user = await prisma.user.create({
    data: {
      id: randomUUID(),
      username: account.username,
      displayName: account.displayName,
      capabilities: account.capabilities,
      cadreId: account.cadreId ?? null,
      mustChangePassword: generatedPassword !== undefined || options.mustChangePassword === true,
      // argon2id with the library's recommended parameters
      passwordHash: await hash(account.password ?? (generatedPassword as string)),
    },
  });
  return { user: toSessionUser(user), ...(generatedPassword ? { generatedPassword } : {}) };
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
 * Ends every session of an account at once (deactivated, password reset or changed): deletes its rows
 * of the `session` table (layout: server/auth/session.ts), except `keepSid` (the caller's own).
 */
export async function endSessionsOf(prisma: PrismaClient, userId: string, keepSid?: string): Promise<number> {
  return prisma.$executeRaw`DELETE FROM "session" WHERE sess->'user'->>'id' = ${userId} AND sid <> ${keepSid ?? ''}`;
}

/** The user's own change: the current password proves it is them; other sessions end. */
export async function changeOwnPassword(
  prisma: PrismaClient,
  userId: string,
  input: z.infer<typeof passwordChangeSchema>,
  currentSid?: string,
): Promise<SessionUser> {
  const user = await prisma.user.findUnique({ where: { id: userId } });
  if (!user?.active) throw new DomainError('NOT_FOUND', '账号不存在或已停用');
  if (!(await verify(user.passwordHash, input.currentPassword)))
    throw new DomainError('INVALID', '原密码不正确');
  if (input.currentPassword === input.newPassword) throw new DomainError('INVALID', '新密码不能与原密码相同');
  const updated = await prisma.user.update({
    where: { id: userId },
    data: { passwordHash: await hash(input.newPassword), mustChangePassword: false },
  });
  await endSessionsOf(prisma, userId, currentSid);
  return toSessionUser(updated);
}

async function existingUser(prisma: PrismaClient, userId: string) {
  const user = await prisma.user.findUnique({ where: { id: userId } });
  if (!user) throw new DomainError('NOT_FOUND', '没有这个账号');
  return user;
}

/** An admin's reset: a generated password, shown once, to be changed at the next log-in; sessions end. */
export async function resetPassword(
  prisma: PrismaClient,
  userId: string,
): Promise<{ user: SessionUser; password: string }> {
  await existingUser(prisma, userId);
  const password = generatePassword();
  const user = await prisma.user.update({
    where: { id: userId },
    data: { passwordHash: await hash(password), mustChangePassword: true },
  });
  await endSessionsOf(prisma, userId);
  return { user: toSessionUser(user), password };
}

/** Deactivated: the account can no longer log in and its sessions end at once. */
export async function setAccountActive(
  prisma: PrismaClient,
  userId: string,
  active: boolean,
  byUserId: string,
): Promise<{ id: string; active: boolean; sessionsEnded: number }> {
  await existingUser(prisma, userId);
  if (!active && userId === byUserId) throw new DomainError('CONFLICT', '不能停用自己的账号');
  await prisma.user.update({ where: { id: userId }, data: { active } });
  const sessionsEnded = active ? 0 : await endSessionsOf(prisma, userId);
  return { id: userId, active, sessionsEnded };
}

export const accountChangeSchema = z.object({
  capabilities: capabilitiesSchema,
  cadreId: z.string().min(1).max(64).nullable(),
});

/**
 * An admin changes what an account is: its capabilities and its cadre. Its sessions end, so the
 * next log-in carries the new rights (a session holds the rights it logged in with).
 */
export async function changeAccount(
  prisma: PrismaClient,
  userId: string,
  change: z.input<typeof accountChangeSchema>,
): Promise<SessionUser> {
  const parsed = accountChangeSchema.safeParse(change);
  if (!parsed.success) throw new DomainError('INVALID', parsed.error.issues[0]?.message ?? '账号信息有误');
  const { capabilities, cadreId } = parsed.data;
  await existingUser(prisma, userId);
  if (!cadreId && capabilities.length === 0)
    throw new DomainError('INVALID', '账号必须关联一名干部，或至少有一项权限');
  if (cadreId) {
    const cadre = await prisma.cadre.findUnique({ where: { id: cadreId } });
    if (!cadre) throw new DomainError('NOT_FOUND', `没有编号为 ${cadreId} 的干部`);
    const holder = await prisma.user.findUnique({ where: { cadreId } });
    if (holder && holder.id !== userId) throw new DomainError('CONFLICT', `干部 ${cadre.name} 已有账号`);
  }
  const user = await prisma.user.update({ where: { id: userId }, data: { capabilities, cadreId } });
  await endSessionsOf(prisma, userId);
  return toSessionUser(user);
}

/** Every account for the admin's list, never the hash. */
export async function listUsers(prisma: PrismaClient) {
  const users = await prisma.user.findMany({ orderBy: { username: 'asc' } });
  const cadreIds = users.flatMap((u) => (u.cadreId ? [u.cadreId] : []));
  const cadres = await prisma.cadre.findMany({
    where: { id: { in: cadreIds } },
    select: { id: true, name: true, rank: true },
  });
  const cadreOf = new Map(cadres.map((c) => [c.id, c]));
  return users.map((u) => ({
    ...toSessionUser(u),
    cadreName: (u.cadreId && cadreOf.get(u.cadreId)?.name) || null,
    cadreRank: (u.cadreId && cadreOf.get(u.cadreId)?.rank) || null,
    active: u.active,
    lastLoginAt: u.lastLoginAt?.toISOString() ?? null,
  }));
}

/**
 * The first admin: from ADMIN_PASSWORD if set, else a generated password returned once so start-up
 * can print it. Does nothing when an admin exists.
 */
export async function ensureFirstAdmin(
  prisma: PrismaClient,
  password?: string,
): Promise<{ username: string; password?: string } | undefined> {
  if (await prisma.user.findFirst({ where: { capabilities: { has: 'ADMINISTER' } } })) return undefined;
  const generated = password ? undefined : generatePassword();
  await createUser(prisma, {
    username: 'admin',
    displayName: '系统管理员',
    password: password ?? (generated as string),
    capabilities: ['ADMINISTER'],
  });
  return { username: 'admin', ...(generated ? { password: generated } : {}) };
}
