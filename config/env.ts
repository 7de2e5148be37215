import path from 'node:path';
import { z } from 'zod';

/**
 * Every setting duzhan reads from the environment, with its embedded default.
 * A set TEMPORAL_ADDRESS / DATABASE_URL / SMTP_URL means "use that one, start none".
 */
const port = z.coerce.number().int().min(1).max(65535);

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
  SMTP_URL: z.string().min(1).optional(),
  SESSION_SECRET: z.string().min(16, 'SESSION_SECRET must be at least 16 characters').optional(),
  ADMIN_PASSWORD: z.string().min(10, 'ADMIN_PASSWORD must be at least 10 characters').optional(),
  TZ: z.string().min(1).default('Asia/Shanghai'),
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
