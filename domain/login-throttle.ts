// Password guessing gets slow: failed log-ins are counted in PostgreSQL per normalised user name
// and per account, so every server replica and every address shares one count. After a few free
// tries each further failure locks the key for a growing wait; while a key is locked the password
// is not even checked, so a guess during the wait teaches nothing.
import type { PrismaClient } from '../db/client.js';
import { authenticate, type SessionUser } from './users.js';

export interface LoginThrottleSettings {
  /** Failures allowed before the first wait. */
  freeFailures: number;
  /** The wait after the last free failure; it doubles with every further failure… */
  firstWaitMs: number;
  /** …up to this. */
  maxWaitMs: number;
  /** A key without a failure for this long starts again from nothing. */
  forgetAfterMs: number;
}

export const DEFAULT_LOGIN_THROTTLE: LoginThrottleSettings = {
  freeFailures: 5,
  firstWaitMs: 30_000,
  maxWaitMs: 15 * 60_000,
  forgetAfterMs: 24 * 3_600_000,
};

/**
 * The one spelling of a user name that log-in looks up and counts: compatibility forms folded
 * (NFKC: full-width letters, ideographic spaces), surrounding spaces dropped, lower case. So
 * `" admin"`, `"ＡＤＭＩＮ"` and `"admin"` are one account and share one budget of tries.
 */
export function normaliseUsername(raw: string): string {
  return raw.normalize('NFKC').trim().toLowerCase();
}

/** The log-in was refused unchecked: the user name or the account is locked until `until`. */
export class LoginLockedError extends Error {
  constructor(readonly until: Date) {
    super(`登录失败次数过多，请 ${describeWait(until.getTime() - Date.now())}后再试`);
    this.name = 'LoginLockedError';
  }

  /** Whole seconds to wait, for a Retry-After header. */
  get retryAfterSeconds(): number {
    return Math.max(1, Math.ceil((this.until.getTime() - Date.now()) / 1000));
  }
}

/** `30 秒`, `2 分钟`: how long, rounded up, in words a cadre reads at a glance. */
export function describeWait(ms: number): string {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  return seconds < 60 ? `${seconds} 秒` : `${Math.ceil(seconds / 60)} 分钟`;
}

/** The wait after the `failures`-th failure in a row: none while tries are free, then doubling. */
export function waitAfterFailures(failures: number, settings: LoginThrottleSettings): number {
  if (failures < settings.freeFailures) return 0;
  return Math.min(settings.firstWaitMs * 2 ** (failures - settings.freeFailures), settings.maxWaitMs);
}

const nameKey = (username: string) => `user:${username}`;
const accountKey = (userId: string) => `account:${userId}`;

/**
 * Logs in with a user name as typed: normalised, refused with LoginLockedError while its name or
 * its account is locked, otherwise checked. Every try is counted against both keys before the
 * password is checked (and the next wait set), so guesses sent all at once get no more checks
 * than guesses sent one by one; a success clears both. Answers undefined for wrong credentials,
 * the same whether the name or the password is wrong.
 */
export async function logIn(
  prisma: PrismaClient,
  rawUsername: string,
  password: string,
  settings: LoginThrottleSettings = DEFAULT_LOGIN_THROTTLE,
): Promise<SessionUser | undefined> {
  const username = normaliseUsername(rawUsername);
  const account = await prisma.user.findUnique({ where: { username }, select: { id: true } });
  const keys = account ? [nameKey(username), accountKey(account.id)] : [nameKey(username)];

  await prisma.loginThrottle.deleteMany({
    where: { updatedAt: { lt: new Date(Date.now() - settings.forgetAfterMs) } },
  });
  await throwIfLocked(prisma, keys);
  for (const key of keys) if (!(await countTry(prisma, key, settings))) await throwIfLocked(prisma, keys); // locked meanwhile

  const user = await authenticate(prisma, username, password);
  if (user) await prisma.loginThrottle.deleteMany({ where: { key: { in: keys } } });
  return user ?? undefined;
}

async function throwIfLocked(prisma: PrismaClient, keys: string[]): Promise<void> {
  const locks = await prisma.loginThrottle.findMany({
    where: { key: { in: keys }, lockedUntil: { gt: new Date() } },
    select: { lockedUntil: true },
  });
  const until = Math.max(0, ...locks.map((l) => l.lockedUntil?.getTime() ?? 0));
  if (until > Date.now()) throw new LoginLockedError(new Date(until));
}

/**
 * Counts one try of `key` and sets the wait that follows it, unless the key is locked: one
 * statement, so tries racing each other each count and none slips past a lock another just set.
 * False when the key was locked (nothing counted). Times are UTC, as Prisma keeps them.
 */
async function countTry(
  prisma: PrismaClient,
  key: string,
  settings: LoginThrottleSettings,
): Promise<boolean> {
  const { freeFailures, firstWaitMs, maxWaitMs } = settings;
  const firstWait = waitAfterFailures(1, settings);
  const counted = await prisma.$queryRaw<Array<{ failures: number }>>`
    INSERT INTO "LoginThrottle" AS t ("key", "failures", "firstFailureAt", "lockedUntil", "updatedAt")
    VALUES (
      ${key}, 1, now() AT TIME ZONE 'UTC',
      CASE WHEN ${firstWait}::int > 0 THEN now() AT TIME ZONE 'UTC' + ${firstWait}::int * interval '1 millisecond' END,
      now() AT TIME ZONE 'UTC')
    ON CONFLICT ("key") DO UPDATE SET
      "failures" = t."failures" + 1,
      -- waitAfterFailures, in SQL: nothing while tries are free, then doubling up to the cap
      "lockedUntil" = CASE WHEN t."failures" + 1 >= ${freeFailures}::int
        THEN now() AT TIME ZONE 'UTC'
          + LEAST(${firstWaitMs}::float8 * power(2, t."failures" + 1 - ${freeFailures}::int), ${maxWaitMs}::float8)
          * interval '1 millisecond'
        END,
      "updatedAt" = now() AT TIME ZONE 'UTC'
    WHERE t."lockedUntil" IS NULL OR t."lockedUntil" <= now() AT TIME ZONE 'UTC'
    RETURNING "failures"`;
  return counted.length > 0;
}
