// Where a cadre is reached: the cadre's own page (/account/channels) and the admin's page for any
// cadre (/cadres/:id/channels). Plain forms: the rows in order, each a channel and its userid.
import { type Request, type Response, Router } from 'express';
import { CHANNEL_LABELS, CHANNELS } from '../../config/channels.js';
import { cadreChannels, setCadreChannels } from '../../domain/channels.js';
import { DomainError } from '../../domain/errors.js';
import type { ApiDeps } from '../api/define-route.js';
import { csrf } from '../auth/csrf.js';
import { requirePage } from './guard.js';
import { render } from './render.js';

const ROWS = CHANNELS.length;
const choices = CHANNELS.map((key) => ({ key, label: CHANNEL_LABELS[key] }));

/** The form's rows in order, the empty ones left out. */
function channelsOfForm(body: Record<string, unknown>) {
  const rows: Array<{ channel: unknown; address: unknown }> = [];
  for (let i = 0; i < ROWS; i++) {
    const channel = body[`channel${i}`];
    if (typeof channel === 'string' && channel !== '')
      rows.push({ channel, address: body[`address${i}`] ?? '' });
  }
  return { channels: rows };
}

export function channelPages(deps: ApiDeps): Router {
  const router = Router();

  async function page(
    req: Request,
    res: Response,
    cadreId: string,
    action: string,
    extra: object = {},
    status = 200,
  ) {
    const cadre = await deps.prisma.cadre.findUnique({
      where: { id: cadreId },
      select: { name: true, email: true, phone: true },
    });
    if (!cadre) return render(req, res, 'error.njk', { title: '没有这位干部', message: '没有这位干部' }, 404);
    const current = await cadreChannels(deps.prisma, cadreId);
    const rows = Array.from({ length: ROWS }, (_, i) => current[i] ?? { channel: '', address: '' });
    render(
      req,
      res,
      'channels.njk',
      { title: '通知接收渠道', cadre, action, rows, choices, ...extra },
      status,
    );
  }

  async function save(req: Request, res: Response, cadreId: string, action: string) {
    try {
      await setCadreChannels(deps.prisma, cadreId, channelsOfForm(req.body as Record<string, unknown>));
    } catch (error) {
      if (error instanceof DomainError)
        return page(
          req,
          res,
          cadreId,
          action,
          { error: error.message },
          error.kind === 'NOT_FOUND' ? 404 : 400,
        );
      throw error;
    }
    return page(req, res, cadreId, action, { done: true });
  }

  router.get('/account/channels', requirePage('ownWork'), async (req, res) => {
    const cadreId = req.session.user?.cadreId ?? '';
    await page(req, res, cadreId, '/account/channels');
  });
  router.post(
    '/account/channels',
    requirePage('ownWork'),
    csrf.csrfSynchronisedProtection,
    async (req, res) => {
      const cadreId = req.session.user?.cadreId ?? '';
      await save(req, res, cadreId, '/account/channels');
    },
  );

  router.get('/cadres/:id/channels', requirePage('administer'), async (req, res) => {
    const id = String(req.params.id);
    await page(req, res, id, `/cadres/${encodeURIComponent(id)}/channels`);
  });
  router.post(
    '/cadres/:id/channels',
    requirePage('administer'),
    csrf.csrfSynchronisedProtection,
    async (req, res) => {
      const id = String(req.params.id);
      await save(req, res, id, `/cadres/${encodeURIComponent(id)}/channels`);
    },
  );

  return router;
}
