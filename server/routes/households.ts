import { Router } from 'express';
import { type HouseholdDeps, registerHousehold, registerHouseholdSchema } from '../../domain/households.js';

export function householdsRouter(deps: HouseholdDeps): Router {
  return Router().post('/households', async (req, res) => {
    const input = registerHouseholdSchema.parse(req.body ?? {});
    const household = await registerHousehold(deps, input);
    res.status(201).json({ household });
  });
}
