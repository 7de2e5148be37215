// Accounts and the village map: one's own password, the admin's account list and the village map.
// The admin pages write through the JSON API (server/static/accounts.js); the password page is a
// plain form, so it works before anything else does.
import { Router } from 'express';
import { accountLabel, CAPABILITIES, CAPABILITY_LABELS } from '../../domain/access.js';
import { DomainError } from '../../domain/errors.js';
import { cadreList } from '../../domain/queries/index.js';
import { changeOwnPassword, listUsers, passwordChangeSchema } from '../../domain/users.js';
import { villageMap, villageMapCandidates } from '../../domain/villages.js';
import type { ApiDeps } from '../api/define-route.js';
import { csrf } from '../auth/csrf.js';
import { requirePage } from './guard.js';
import { render } from './render.js';

export function accountPages(deps: ApiDeps): Router {
  const router = Router();

  router.get('/account/password', requirePage('ownAccount'), (req, res) => {
    render(req, res, 'account-password.njk', {
      title: '修改密码',
      mustChange: req.session.user?.mustChangePassword ?? false,
    });
  });

  router.post(
    '/account/password',
    requirePage('ownAccount'),
    csrf.csrfSynchronisedProtection,
    async (req, res) => {
      const user = req.session.user;
      const fields = req.body as {
        currentPassword?: unknown;
        newPassword?: unknown;
        confirmPassword?: unknown;
      };
      const again = (error: string, status: number) =>
        render(
          req,
          res,
          'account-password.njk',
          { title: '修改密码', mustChange: user?.mustChangePassword, error },
          status,
        );
      if (!user) return res.redirect('/login');
      if (fields.newPassword !== fields.confirmPassword) return again('两次输入的新密码不一致', 400);
      const parsed = passwordChangeSchema.safeParse(fields);
      if (!parsed.success) return again(parsed.error.issues[0]?.message ?? '输入有误', 400);
      try {
        req.session.user = await changeOwnPassword(deps.prisma, user.id, parsed.data, req.sessionID);
      } catch (error) {
        if (error instanceof DomainError) return again(error.message, 400);
        throw error;
      }
      render(req, res, 'account-password.njk', { title: '修改密码', done: true });
    },
  );

  router.get('/accounts', requirePage('administer'), async (req, res) => {
    const users = await listUsers(deps.prisma);
    render(req, res, 'accounts.njk', {
      title: '账号',
      users: users.map((u) => ({ ...u, label: accountLabel(u) })),
      cadres: await cadreList(deps.prisma),
      capabilities: CAPABILITIES.map((key) => ({ key, label: CAPABILITY_LABELS[key] })),
    });
  });

  router.get('/villages', requirePage('administer'), async (req, res) => {
    render(req, res, 'villages.njk', {
      title: '村与包村领导',
      villages: await villageMap(deps.prisma),
      candidates: await villageMapCandidates(deps.prisma),
    });
  });

  return router;
}
