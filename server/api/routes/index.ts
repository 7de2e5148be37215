import type { ApiRoute } from '../define-route.js';
import { actionRoutes, reportExportRoutes } from './actions.js';
import { channelRoutes } from './channels.js';
import { evidenceRoutes } from './evidence.js';
import { householdWriteRoutes } from './households.js';
import { identificationRoutes } from './identification.js';
import { policyVersionRoutes } from './policy-versions.js';
import { readRoutes } from './reads.js';
import { rosterRoutes } from './roster.js';
import { sessionRoutes } from './session.js';
import { taskWriteRoutes } from './tasks.js';
import { userRoutes } from './users.js';
import { villageRoutes } from './villages.js';

/** Every /api endpoint. The OpenAPI document is generated from this list. */
export const apiRoutes: readonly ApiRoute[] = [
  ...sessionRoutes,
  ...readRoutes,
  ...rosterRoutes,
  ...taskWriteRoutes,
  ...evidenceRoutes,
  ...householdWriteRoutes,
  ...actionRoutes,
  ...reportExportRoutes,
  ...userRoutes,
  ...channelRoutes,
  ...villageRoutes,
  ...policyVersionRoutes,
  ...identificationRoutes,
];
