import type { ApiRoute } from '../define-route.js';
import { actionRoutes, reportExportRoutes } from './actions.js';
import { householdWriteRoutes } from './households.js';
import { policyVersionRoutes } from './policy-versions.js';
import { readRoutes } from './reads.js';
import { sessionRoutes } from './session.js';
import { taskWriteRoutes } from './tasks.js';
import { userRoutes } from './users.js';

/** Every /api endpoint. The OpenAPI document and the role tests are generated from this list. */
export const apiRoutes: readonly ApiRoute[] = [
  ...sessionRoutes,
  ...readRoutes,
  ...taskWriteRoutes,
  ...householdWriteRoutes,
  ...actionRoutes,
  ...reportExportRoutes,
  ...userRoutes,
  ...policyVersionRoutes,
];
