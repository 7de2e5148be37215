// 识别纳入 pages: the case list (with the forms to raise a case and import a warning list), a case
// with its steps, deadlines and the form of the step this account may act on, and the printable 公示
// per village. They read as the API does; writes go through the API (server/static/identification.js).
import { Router } from 'express';
import { ACCESS_RULES, identificationCaseScope, mayActOnIdentificationStep } from '../../domain/access.js';
import { identificationCases } from '../../domain/queries/identification-cases.js';
import { identificationNotices } from '../../domain/queries/identification-notice.js';
import { householdDetail } from '../../domain/queries/index.js';
import {
  HOUSEHOLD_CATEGORIES,
  HOUSEHOLD_CATEGORY_LABELS,
  IDENTIFICATION_SOURCE_LABELS,
  IDENTIFICATION_SOURCES,
  type IdentificationStep,
} from '../../policy/index.js';
import type { ApiDeps } from '../api/define-route.js';
import { readableCase } from '../api/routes/identification.js';
import { requirePage } from './guard.js';
import { render } from './render.js';

async function registerOf(deps: ApiDeps, householdId: string) {
  const detail = await householdDetail(deps.prisma, householdId);
  return detail.members.length > 0 ? detail : undefined;
}

export function identificationPages(deps: ApiDeps): Router {
  const router = Router();

  // A step's task (in 我的任务 and its e-mails) is acted on from its case's page, not the visit form.
  router.get('/tasks/:id', requirePage('ownWork'), async (req, res, next) => {
    const step = await deps.prisma.identificationCaseStep.findFirst({
      where: { taskId: String(req.params.id) },
      select: { caseId: true },
    });
    if (!step) return next();
    res.redirect(`/identification/${encodeURIComponent(step.caseId)}`);
  });

  router.get('/identification', requirePage('readHouseholds'), async (req, res) => {
    const user = req.session.user;
    if (!user) return;
    const villages = await deps.prisma.village.findMany({
      orderBy: { name: 'asc' },
      select: { id: true, name: true },
    });
    const source = typeof req.query.source === 'string' ? req.query.source : '';
    render(req, res, 'identification.njk', {
      title: '识别纳入',
      cases: await identificationCases(deps.prisma, {
        now: new Date(),
        scope: await identificationCaseScope(deps.prisma, user),
      }),
      villages,
      sources: IDENTIFICATION_SOURCES.filter((s) => s !== 'ADMIN' || ACCESS_RULES.administer(user)).map(
        (key) => ({
          key,
          label: IDENTIFICATION_SOURCE_LABELS[key],
        }),
      ),
      prefill: {
        source,
        villageName: typeof req.query.village === 'string' ? req.query.village : '',
        householdId: typeof req.query.household === 'string' ? req.query.household : '',
      },
    });
  });

  router.get('/identification/notice', requirePage('readHouseholds'), async (req, res) => {
    const villageId =
      typeof req.query.village === 'string' && req.query.village ? req.query.village : undefined;
    const user = req.session.user;
    render(req, res, 'identification-notice.njk', {
      title: '识别纳入公示',
      notices: await identificationNotices(deps.prisma, villageId ? { villageId } : {}),
      villages: await deps.prisma.village.findMany({
        orderBy: { name: 'asc' },
        select: { id: true, name: true },
      }),
      villageId,
      mayObject: !!user && mayActOnIdentificationStep(user, 'PUBLIC_NOTICE', null),
    });
  });

  router.get('/identification/:id', requirePage('readHouseholds'), async (req, res) => {
    const user = req.session.user;
    const found = await readableCase(deps, user, String(req.params.id));
    const current = found.steps.find((s) => s.step === found.step && !s.completedAt);
    const step = found.step as IdentificationStep;
    const mayAct =
      !!user &&
      found.status === 'OPEN' &&
      !!current &&
      mayActOnIdentificationStep(user, step, current.assignee?.id ?? null);
    const homeCheck = mayAct && step === 'HOME_CHECK';
    render(req, res, 'identification-case.njk', {
      title: `识别纳入 · ${found.household.headName} 户`,
      c: found,
      mayAct,
      homeCheck,
      // The register as it stands (a household found on a visit has no members yet: the blank row).
      profile: homeCheck ? await registerOf(deps, found.household.id) : undefined,
      categories: HOUSEHOLD_CATEGORIES.map((key) => ({ key, label: HOUSEHOLD_CATEGORY_LABELS[key] })),
      assistanceCadres: homeCheck
        ? await deps.prisma.cadre.findMany({
            where: {
              active: true,
              rank: 'ASSISTANCE_CADRE',
              villages: { some: { id: found.household.village.id } },
            },
            orderBy: { name: 'asc' },
            select: { id: true, name: true },
          })
        : [],
    });
  });

  return router;
}
