import { Router } from 'express';
import type { ApiDeps } from '../api/define-route.js';

/** The pages that show and change supervision data (tasks, households, board, report, admin). */
export function dataPages(_deps: ApiDeps): Router {
  return Router();
}
