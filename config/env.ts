import path from 'node:path';
import { z } from 'zod';
import { isTimeZone } from './township-clock.js';
import { DEFAULT_WORKER_MEMORY_MIB, MIN_WORKER_MEMORY_MIB } from './worker-capacity.js';

/**
 * Every setting duzhan reads from the environment, with its embedded default.
 * A set TEMPORAL_ADDRESS / DATABASE_URL / SMTP_URL means "use that one, start none".
 */
const port = z.coerce.number().int().min(1).max(65535);

/**
 * Values that only stand in for a real secret (examples, old compose defaults): a deployment that
 * kept one would run with a password anyone can read in this repository.
 */
const PLACEHOLDER = /change[-_ ]?me|changeme|placeholder|^(secret|password|admin|duzhan)\d*$/i;
const notPlaceholder = (value: string) => !PLACEHOLDER.test(value.trim());
const placeholderMessage = (name: string) =>
  `${name} is a placeholder value; set a real one (e.g. openssl rand -hex 32)`;

export const envSchema = z.object({
  DATA_DIR: z.string().min(1).default('.data'),
  TOOLS_DIR: z.string().min(1).default('.tools'),
  PORT: port.default(3000),
  PUBLIC_URL: z.url().optional(),
  TEMPORAL_ADDRESS: z.string().min(1).optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('duzhan'),
  TEMPORAL_PORT: port.default(7233),
  TEMPORAL_UI_PORT: port.default(8233),
  DATABASE_URL: z.string().min(1).optional(),
  PG_PORT: port.default(5433),
  SMTP_URL: z
    .url()
    .refine(
      (url) => /^smtps?:\/\//.test(url),
      'SMTP_URL must be smtp://… or smtps://… (user and password in the URL)',
    )
    .optional(),
  MAIL_FROM: z.string().trim().min(1).default('督战系统 <duzhan@localhost>'),
  MAIL_SMTP_PORT: port.default(1025),
  MAIL_WEB_PORT: port.default(1080),
  DIGEST_TIME: z
    .string()
    .trim()
    .refine(
      (value) => /^([01]?\d|2[0-3]):[0-5]\d$/.test(value) || /^\S+(\s+\S+){4}$/.test(value),
      'DIGEST_TIME must be a time of day like 07:30 or a cron expression of five fields',
    )
    .default('07:30'),
  SESSION_SECRET: z
    .string()
    .min(16, 'SESSION_SECRET must be at least 16 characters')
    .refine(notPlaceholder, placeholderMessage('SESSION_SECRET'))
    .optional(),
  SESSION_MAX_AGE_DAYS: z.coerce
    .number()
    .positive('SESSION_MAX_AGE_DAYS must be a positive number of days')
    .max(90, 'SESSION_MAX_AGE_DAYS must be at most 90')
    .default(7),
  ADMIN_PASSWORD: z
    .string()
    .min(10, 'ADMIN_PASSWORD must be at least 10 characters')
    .refine(notPlaceholder, placeholderMessage('ADMIN_PASSWORD'))
    .optional(),
  TZ: z
    .string()
    .min(1)
    .refine(isTimeZone, 'TZ must be an IANA time zone such as Asia/Shanghai')
    .default('Asia/Shanghai'),
  // The worker's share of memory: its workflow cache and task slots are sized from it (worker-capacity.ts).
  WORKER_MEMORY_MIB: z.coerce
    .number()
    .int()
    .min(MIN_WORKER_MEMORY_MIB, `WORKER_MEMORY_MIB must be at least ${MIN_WORKER_MEMORY_MIB} (MiB)`)
    .default(DEFAULT_WORKER_MEMORY_MIB),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Env = z.infer<typeof envSchema>;

export interface Config extends Env {
  dataDir: string;
  toolsDir: string;
  publicUrl: string;
}

/** Thrown for configuration a person must fix; start-up prints its message as one line. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function loadConfig(source: NodeJS.ProcessEnv = process.env, root = process.cwd()): Config {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(`bad setting ${issue?.path.join('.')}: ${issue?.message}`);
  }
  const env = parsed.data;
  return {
    ...env,
    dataDir: path.resolve(root, env.DATA_DIR),
    toolsDir: path.resolve(root, env.TOOLS_DIR),
    publicUrl: env.PUBLIC_URL ?? `http://localhost:${env.PORT}`,
  };
}
