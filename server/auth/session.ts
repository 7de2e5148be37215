import connectPgSimple from 'connect-pg-simple';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import session from 'express-session';
import pg from 'pg';
import { logger } from '../../config/logger.js';
import { connectionLost, SESSION_OPTIONS } from '../../db/client.js';
import type { SessionUser } from '../../domain/users.js';

declare module 'express-session' {
  interface SessionData {
    user?: SessionUser;
    /** When the user logged in (ms since the epoch): the session ends this long after, used or not. */
    loggedInAt?: number;
  }
}

export const SESSION_COOKIE = 'duzhan.sid';
/** How the session store's connections show in pg_stat_activity. */
export const SESSION_POOL_NAME = 'duzhan-sessions';

export interface SessionOptions {
  databaseUrl: string;
  secret: string;
  /** Cookies only over HTTPS: on when the public URL is https. */
  secure: boolean;
  /** Absolute lifetime of a logged-in session, however busy. */
  maxAgeMs: number;
}

const EIGHT_HOURS_MS = 8 * 3_600_000;

/**
 * Sessions in PostgreSQL (table `session`, created by the migrations), an HTTP-only SameSite cookie
 * that lives for a working day and is renewed while in use, and ends anyway `maxAgeMs` after the
 * log-in. Only a log-in stores a session: a visitor who has not logged in leaves no row.
 */
export function sessionMiddleware(options: SessionOptions) {
  const PgStore = connectPgSimple(session);
  const pool = new pg.Pool({
    connectionString: options.databaseUrl,
    max: 4,
    application_name: SESSION_POOL_NAME,
    options: SESSION_OPTIONS,
  });
  // An idle client losing its connection (PostgreSQL restarted) is an 'error' event on the pool;
  // unheard it would end the process. The pool replaces the client; requests meanwhile fail alone.
  pool.on('error', (error) =>
    logger.warn(connectionLost(error), 'session store: PostgreSQL connection lost'),
  );
  const middleware = session({
    name: SESSION_COOKIE,
    secret: options.secret,
    store: new PgStore({
      pool,
      tableName: 'session',
      createTableIfMissing: false,
      pruneSessionInterval: 15 * 60,
      errorLog: (...args: unknown[]) => logger.warn({ detail: args.map(String).join(' ') }, 'session store'),
    }),
    resave: false,
    saveUninitialized: false,
    rolling: true,
    cookie: { httpOnly: true, sameSite: 'lax', secure: options.secure, maxAge: EIGHT_HOURS_MS },
  });
  return {
    middleware: [middleware, absoluteLifetime(options.maxAgeMs)] as RequestHandler[],
    close: () => pool.end(),
  };
}

/** Ends a logged-in session older than `maxAgeMs` (or from before log-in times were kept). */
function absoluteLifetime(maxAgeMs: number): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const current = req.session;
    if (!current?.user) return next();
    const loggedInAt = current.loggedInAt;
    if (typeof loggedInAt === 'number' && Date.now() - loggedInAt <= maxAgeMs) return next();
    // A fresh, empty session takes its place: the request goes on as a visitor's, nothing stored.
    current.regenerate((error) => {
      if (error) return next(error);
      res.clearCookie(SESSION_COOKIE);
      next();
    });
  };
}

/**
 * Starts the session of a user who has just logged in: a new id, so a planted one is worth nothing.
 * Stored at once: express-session would store it only while the answer's headers are already on
 * their way, and a browser follows a redirect on the headers alone, into a page that finds no
 * session yet (seen under load: the log-in form sent back to /login).
 */
export async function startUserSession(req: Request, user: SessionUser): Promise<void> {
  await new Promise<void>((resolve, reject) => req.session.regenerate((e) => (e ? reject(e) : resolve())));
  req.session.user = user;
  req.session.loggedInAt = Date.now();
  await new Promise<void>((resolve, reject) => req.session.save((e) => (e ? reject(e) : resolve())));
}

/** Ends the session (its row is deleted) and tells the browser to drop the cookie. */
export async function endSession(req: Request, res: Response): Promise<void> {
  await new Promise<void>((resolve) => (req.session ? req.session.destroy(() => resolve()) : resolve()));
  res.clearCookie(SESSION_COOKIE);
}
