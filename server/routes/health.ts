import { Router } from 'express';
import { checkHealth } from '../../domain/health.js';
import type { HouseholdDeps } from '../../domain/households.js';

export function healthRouter(deps: HouseholdDeps): Router {
  return Router().get('/healthz', async (_req, res) => {
    const health = await checkHealth(deps);
    res.status(health.ok ? 200 : 503).json(health);
  });
}
