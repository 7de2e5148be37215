// The `?cursor=&limit=` of every paginated list: checked here, so a bad one is a 400 with a
// message in Chinese before any query runs.
import { z } from 'zod';
import {
  BAD_CURSOR_MESSAGE,
  BAD_LIMIT_MESSAGE,
  DEFAULT_PAGE_SIZE,
  isCursor,
  MAX_PAGE_SIZE,
} from '../../domain/queries/pagination.js';

/** A cursor of a list whose sort key has `arity` values. */
export const cursorParam = (arity: number) =>
  z
    .string({ error: BAD_CURSOR_MESSAGE })
    .refine((text) => isCursor(text, arity), BAD_CURSOR_MESSAGE)
    .optional();

export const limitParam = z.coerce
  .number({ error: BAD_LIMIT_MESSAGE })
  .int(BAD_LIMIT_MESSAGE)
  .min(1, BAD_LIMIT_MESSAGE)
  .max(MAX_PAGE_SIZE, BAD_LIMIT_MESSAGE)
  .default(DEFAULT_PAGE_SIZE);

/** `cursor` and `limit` for a list whose sort key has `arity` values. */
export const pageQuery = (arity: number) => z.object({ cursor: cursorParam(arity), limit: limitParam });
