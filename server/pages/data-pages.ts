import { type Request, Router } from 'express';
import { CHANNEL_LABELS } from '../../config/channels.js';
import { ACCESS_MESSAGES, mayCompleteTask, mayDecideClosingStep } from '../../domain/access.js';
import { activityHealth } from '../../domain/activity-health.js';
import { DomainError } from '../../domain/errors.js';
import { householdEvidence } from '../../domain/evidence/household-evidence.js';
import { listFailedChannelDeliveries, listFailedNotifications } from '../../domain/notifications.js';
import { listPolicyUpgrades } from '../../domain/policy-upgrades.js';
import {
  currentPolicy,
  listPolicyVersions,
  policyLookup,
  policyVersionDetail,
} from '../../domain/policy-versions.js';
import { identificationBoard } from '../../domain/queries/identification-board.js';
import { householdIdentificationHistory } from '../../domain/queries/identification-cases.js';
import { identificationReport } from '../../domain/queries/identification-report.js';
import {
  cadreList,
  dispatchReport,
  householdDetail,
  listHouseholds,
  myTasks,
  supervisionBoard,
} from '../../domain/queries/index.js';
import { taskForForm } from '../../domain/tasks.js';
import {
  CLOSING_STEP_LABELS,
  CLOSING_STEPS,
  GUARANTEE_ITEM_LABELS,
  GUARANTEE_ITEMS,
  HOUSEHOLD_CATEGORIES,
  HOUSEHOLD_CATEGORY_LABELS,
  MEASURE_KIND_LABELS,
  MEASURE_KINDS,
} from '../../policy/index.js';
import { DAY_MS } from '../../policy/township-calendar.js';
import type { ApiDeps } from '../api/define-route.js';
import { mayEditFacts } from '../api/routes/households.js';
import { assertMayRead } from '../api/routes/reads.js';
import { requirePage } from './guard.js';
import { householdActions } from './household-actions.js';
import { render } from './render.js';

/** A page's list cursor from the query string (the list checks it: a bad one is a 422 page). */
const cursorOf = (req: Request, name: string): string | undefined => {
  const value = req.query[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
};

/** The pages that show and change supervision data. They read as the API does; writes go through it. */
export function dataPages(deps: ApiDeps): Router {
  const router = Router();

  router.get('/tasks', requirePage('ownWork'), async (req, res) => {
    const cadreId = req.session.user?.cadreId ?? '';
    render(req, res, 'tasks.njk', {
      title: '我的任务',
      tasks: await myTasks(deps.prisma, { cadreId, now: new Date() }),
    });
  });

  router.get('/tasks/:id', requirePage('ownWork'), async (req, res) => {
    const form = await taskForForm(deps.prisma, String(req.params.id), new Date());
    await assertMayRead(deps, req.session.user, form.task.householdId);
    // The form is for those who may complete the task: the household's cadres, not the board.
    const may = { assigneeId: form.task.assignee.id, householdCadreIds: form.cadreIds };
    if (!mayCompleteTask(req.session.user?.cadreId ?? null, may))
      throw new DomainError('FORBIDDEN', ACCESS_MESSAGES.notYourTask);
    render(req, res, 'visit-form.njk', {
      title: form.task.kindLabel,
      form,
      guaranteeItems: GUARANTEE_ITEMS.map((key) => ({ key, label: GUARANTEE_ITEM_LABELS[key] })),
      measureKinds: MEASURE_KINDS.map((key) => ({ key, label: MEASURE_KIND_LABELS[key] })),
      formData: {
        taskId: form.task.id,
        cadreId: req.session.user?.cadreId,
        household: form.household,
        policy: form.policy,
        guaranteeKeys: GUARANTEE_ITEMS,
        measureLabels: MEASURE_KIND_LABELS,
      },
    });
  });

  router.get('/households/:id', requirePage('readHouseholds'), async (req, res) => {
    const household = await householdDetail(deps.prisma, String(req.params.id));
    await assertMayRead(deps, req.session.user, household.id);
    const user = req.session.user;
    render(req, res, 'household.njk', {
      title: `${household.headName} 户`,
      h: household,
      // The closing steps this account may decide: the form offers only those.
      closingSteps: CLOSING_STEPS.filter((step) => user && mayDecideClosingStep(user, step)).map((key) => ({
        key,
        label: key === 'PUBLIC_NOTICE' ? '公示期异议' : CLOSING_STEP_LABELS[key],
      })),
      mayEditFacts: await mayEditFacts(deps, req.session.user, household.id),
      // The 公示 the household's own policy version asks for, not a number written in the page.
      publicNoticeDays: (await policyLookup(deps.prisma))(household.policyVersion).closingProcedureDays
        .PUBLIC_NOTICE,
      actions: await householdActions(deps.prisma, user, household),
      evidence: await householdEvidence(deps.prisma, household.id),
      identificationHistory: await householdIdentificationHistory(deps.prisma, household.id, new Date()),
    });
  });

  router.get('/closing', requirePage('decideClosing'), async (req, res) => {
    render(req, res, 'closing.njk', {
      title: '退出程序中的农户',
      households: await listHouseholds(
        deps.prisma,
        { status: 'CLOSING' },
        { cursor: cursorOf(req, 'cursor') },
      ),
    });
  });

  router.get('/board', requirePage('oversee'), async (req, res) => {
    render(req, res, 'board.njk', {
      title: '督战看板',
      board: await supervisionBoard(deps.prisma, {
        now: new Date(),
        pages: {
          openEscalations: { cursor: cursorOf(req, 'escalationCursor') },
          leaders: { cursor: cursorOf(req, 'leaderCursor') },
          householdsAtRisk: { cursor: cursorOf(req, 'atRiskCursor') },
        },
      }),
      identification: await identificationBoard(deps.prisma, new Date()),
    });
  });

  router.get('/report', requirePage('oversee'), async (req, res) => {
    const days = Math.min(366, Math.max(1, Number(req.query.days) || 14));
    const now = new Date();
    const report = await dispatchReport(deps.prisma, {
      now,
      since: new Date(now.getTime() - days * DAY_MS),
      pages: {
        overdueTasks: { cursor: cursorOf(req, 'overdueCursor') },
        householdsAtRisk: { cursor: cursorOf(req, 'atRiskCursor') },
      },
    });
    const identification = await identificationReport(deps.prisma, {
      now,
      since: new Date(now.getTime() - days * DAY_MS),
    });
    render(req, res, 'report.njk', { title: '调度会报告', report, days, identification });
  });

  router.get('/admin', requirePage('administer'), async (req, res) => {
    render(req, res, 'admin.njk', {
      title: '管理',
      cadres: await cadreList(deps.prisma),
      categories: HOUSEHOLD_CATEGORIES.map((key) => ({ key, label: HOUSEHOLD_CATEGORY_LABELS[key] })),
      villages: await deps.prisma.village.findMany({ orderBy: { name: 'asc' } }),
      failedMail: await listFailedNotifications(deps.prisma, 50),
      failedChannels: await listFailedChannelDeliveries(deps.prisma, 50),
      channelLabels: CHANNEL_LABELS,
      activityHealth: await activityHealth(deps.prisma),
    });
  });

  router.get('/admin/policy', requirePage('administer'), async (req, res) => {
    const versions = await listPolicyVersions(deps.prisma);
    const current = await currentPolicy(deps.prisma);
    render(req, res, 'policy.njk', {
      title: '督战策略',
      current,
      currentJson: JSON.stringify(current, null, 2),
      versions,
      drafts: await Promise.all(
        versions.filter((v) => v.status === 'DRAFT').map((v) => policyVersionDetail(deps.prisma, v.version)),
      ),
      upgrades: await listPolicyUpgrades(deps),
      villages: await deps.prisma.village.findMany({ orderBy: { name: 'asc' } }),
      categories: HOUSEHOLD_CATEGORIES.map((key) => ({ key, label: HOUSEHOLD_CATEGORY_LABELS[key] })),
    });
  });

  return router;
}
