import type { Client } from '@temporalio/client';
import type { Request, Response } from 'express';
import type { z } from 'zod';
import type { PrismaClient } from '../../db/client.js';
import type { AccessRule } from '../../domain/access.js';
import type { SessionUser } from '../../domain/users.js';

/** What handlers call domain code with. */
export interface ApiDeps {
  prisma: PrismaClient;
  temporal: Client;
  taskQueue: string;
  publicUrl: string;
}

/** Who may call a route: a rule of domain/access.ts, or anyone (log-in, the OpenAPI document). */
export type Access = AccessRule | 'public';

export interface RouteContext<B, Q, P> {
  user: SessionUser | undefined;
  /** Who acts, for the audit trail: the signed-in user's id (every non-public route has one). */
  actor: string;
  deps: ApiDeps;
  body: B;
  query: Q;
  params: P;
  req: Request;
  res: Response;
}

/** What a handler answers: JSON with a status, or nothing when it wrote the response itself. */
export type RouteResult = { status?: number; json: unknown } | undefined;

/**
 * One API endpoint: its path, who may call it, and the zod schemas of its input and output. The
 * same definition builds the Express route (check access, then parse at the edge) and the OpenAPI
 * document.
 */
export interface ApiRoute<B = unknown, Q = unknown, P = unknown> {
  method: 'get' | 'post' | 'put' | 'delete';
  /** Express style, relative to /api: '/tasks/:id'. */
  path: string;
  summary: string;
  tag: string;
  access: Access;
  body?: z.ZodType<B>;
  query?: z.ZodType<Q>;
  params?: z.ZodType<P>;
  response?: z.ZodType;
  /** Content type of a non-JSON answer (downloads). */
  produces?: string;
  /** Multipart upload: one file part under `field`, no other part. */
  upload?: { field: string; maxBytes: number };
  handle(ctx: RouteContext<B, Q, P>): Promise<RouteResult>;
}

/** Keeps the schema types of each route while the table holds them all. */
export function defineRoute<B = undefined, Q = undefined, P = undefined>(route: ApiRoute<B, Q, P>): ApiRoute {
  return route as unknown as ApiRoute;
}
