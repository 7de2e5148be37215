import { Router } from 'express';
import { cadrePage } from '../../domain/queries/cadres.js';
import {
  householdRoster,
  ROSTER_RISK_LABELS,
  ROSTER_RISKS,
  ROSTER_SORT_LABELS,
  ROSTER_SORTS,
  rosterQuerySchema,
} from '../../domain/queries/household-roster.js';
import {
  HOUSEHOLD_CATEGORIES,
  HOUSEHOLD_CATEGORY_LABELS,
  LABOUR_CLASS_LABELS,
  LABOUR_CLASSES,
} from '../../policy/index.js';
import { HOUSEHOLD_STATUS_LABELS, HOUSEHOLD_STATUSES } from '../../policy/vocabulary.js';
import type { ApiDeps } from '../api/define-route.js';
import { rosterScope } from '../api/routes/roster.js';
import { requirePage } from './guard.js';
import { render } from './render.js';

const choices = <K extends string>(keys: readonly K[], labels: Record<K, string>) =>
  keys.map((key) => ({ key, label: labels[key] }));

/** The query string of the roster with some parameters changed (a page, a sort), blanks left out. */
function linkWith(params: Record<string, unknown>) {
  return (changes: Record<string, unknown> = {}, base = '/households') => {
    const merged = { ...params, ...changes };
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(merged))
      if (value !== undefined && value !== null && value !== '' && value !== false)
        search.set(key, String(value));
    const text = search.toString();
    return text ? `${base}?${text}` : base;
  };
}

/** 农户名册 (every account that reads households, scoped by domain/access.ts) and 干部 (oversight). */
export function rosterPages(deps: ApiDeps): Router {
  const router = Router();

  router.get('/households', requirePage('readHouseholds'), async (req, res) => {
    const scope = rosterScope(req.session.user);
    const raw = Object.fromEntries(
      Object.entries(req.query).flatMap(([k, v]) => (typeof v === 'string' ? [[k, v]] : [])),
    );
    const parsed = rosterQuerySchema.safeParse(raw);
    const filter = parsed.success ? parsed.data : rosterQuerySchema.parse({});
    const roster = await householdRoster(deps.prisma, { filter, scope, now: new Date() });
    const { page: _page, ...kept } = parsed.success ? parsed.data : {};
    render(
      req,
      res,
      'roster.njk',
      {
        title: '农户名册',
        roster,
        filter,
        error: parsed.success ? null : (parsed.error.issues[0]?.message ?? '筛选条件有误'),
        link: linkWith(kept),
        seesAll: scope.all,
        villages: await deps.prisma.village.findMany({
          orderBy: { name: 'asc' },
          select: { id: true, name: true },
        }),
        // Only oversight filters by cadre: a cadre's list is their own already.
        cadres: scope.all
          ? await deps.prisma.cadre.findMany({ orderBy: { name: 'asc' }, select: { id: true, name: true } })
          : [],
        categories: choices(HOUSEHOLD_CATEGORIES, HOUSEHOLD_CATEGORY_LABELS),
        statuses: choices(HOUSEHOLD_STATUSES, HOUSEHOLD_STATUS_LABELS),
        labourClasses: choices(LABOUR_CLASSES, LABOUR_CLASS_LABELS),
        risks: choices(ROSTER_RISKS, ROSTER_RISK_LABELS),
        sorts: choices(ROSTER_SORTS, ROSTER_SORT_LABELS),
      },
      parsed.success ? 200 : 400,
    );
  });

  router.get('/cadres', requirePage('oversee'), async (req, res) => {
    const cursor =
      typeof req.query.cursor === 'string' && req.query.cursor !== '' ? req.query.cursor : undefined;
    render(req, res, 'cadres.njk', {
      title: '干部',
      cadres: await cadrePage(deps.prisma, { now: new Date(), cursor }),
    });
  });

  return router;
}
