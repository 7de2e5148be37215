import type { ApiRoute } from '../define-route.js';
import { householdWriteRoutes } from './households.js';
import { sessionRoutes } from './session.js';
import { userRoutes } from './users.js';

/** Every /api endpoint. The OpenAPI document and the role tests are generated from this list. */
export const apiRoutes: readonly ApiRoute[] = [...sessionRoutes, ...householdWriteRoutes, ...userRoutes];
