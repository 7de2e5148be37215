import connectPgSimple from 'connect-pg-simple';
import session from 'express-session';
import pg from 'pg';
import type { SessionUser } from '../../domain/users.js';

declare module 'express-session' {
  interface SessionData {
    user?: SessionUser;
  }
}

export interface SessionOptions {
  databaseUrl: string;
  secret: string;
  /** Cookies only over HTTPS: on when the public URL is https. */
  secure: boolean;
}

const EIGHT_HOURS_MS = 8 * 3_600_000;

/**
 * Sessions in PostgreSQL (table `session`, created by the migrations), an HTTP-only SameSite cookie
 * that lives for a working day and is renewed while in use.
 */
export function sessionMiddleware(options: SessionOptions) {
  const PgStore = connectPgSimple(session);
  const pool = new pg.Pool({ connectionString: options.databaseUrl, max: 4 });
  const middleware = session({
    name: 'duzhan.sid',
    secret: options.secret,
    store: new PgStore({
      pool,
      tableName: 'session',
      createTableIfMissing: false,
      pruneSessionInterval: 15 * 60,
    }),
    resave: false,
    saveUninitialized: false,
    rolling: true,
    cookie: { httpOnly: true, sameSite: 'lax', secure: options.secure, maxAge: EIGHT_HOURS_MS },
  });
  return { middleware, close: () => pool.end() };
}
