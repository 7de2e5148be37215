import { Router } from 'express';
import { checkHealth, healthSummary } from '../../domain/health.js';
import type { HouseholdDeps } from '../../domain/households.js';

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/**
 * 200 when Temporal, PostgreSQL and a worker are up, 503 otherwise, with each part's up/down.
 * The reasons (raw error messages) go only to callers on this machine: `req.ip` is the client's
 * address as the loopback proxy in front reports it (X-Forwarded-For), so a visitor coming
 * through the proxy never sees them.
 */
export function healthRouter(deps: HouseholdDeps): Router {
  return Router().get('/healthz', async (req, res) => {
    const health = await checkHealth(deps);
    res.setHeader('cache-control', 'no-store');
    res.status(health.ok ? 200 : 503).json(LOOPBACK.has(req.ip ?? '') ? health : healthSummary(health));
  });
}
