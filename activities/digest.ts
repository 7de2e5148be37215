// The morning digests (the `duzhan-daily-digest` schedule runs workflows/mail/digest.ts): one
// Notification per cadre with work due or overdue, one per member of the 督战 leadership listing the
// open escalations; each then delivered by its own `mail-<id>` workflow, like every notification.
import { Context } from '@temporalio/activity';
import type { PrismaClient } from '../db/client.js';
import { endOfLocalDay, localDate } from '../policy/township-calendar.js';
import { escalationRankLabel, labelOf, TASK_KIND_LABELS } from '../policy/vocabulary.js';
import {
  type DigestEscalation,
  type DigestTask,
  householdName,
  renderLeaderDigest,
  renderSupervisorDigest,
  taskLink,
} from './messages.js';
import { startDelivery } from './start-mail-delivery.js';

/** The 督战 leadership: who gets the supervisors' digest of open escalations. */
export const SUPERVISOR_RANKS = ['PARTY_SECRETARY', 'TOWNSHIP_HEAD', 'LEADER_IN_CHARGE'] as const;

/** Households whose work is followed day by day (a paused household's clocks stand still). */
const FOLLOWED_STATUSES = ['SUPERVISED', 'CLOSING'];

export interface DigestInput {
  /** The moment of the digest (the workflow's time) and the time zone its day is counted in. */
  at: string;
  timeZone: string;
}

export interface DigestResult {
  day: string;
  leaderDigests: number;
  supervisorDigests: number;
  notificationIds: string[];
}

export interface DigestSettings {
  publicUrl: string;
  /** false: write the notifications and start no delivery workflow (see ActivityDeps.deliverMail). */
  deliverMail: boolean;
}

export function createDigestActivities(prisma: PrismaClient, settings: DigestSettings) {
  return {
    /**
     * Writes the day's digests to the outbox, once per cadre and day (`digest/<day>/<cadre>` and
     * `digest/<day>/<cadre>/escalations`): a retried activity or a second run on the same day
     * writes nothing new. Then starts their deliveries. A cadre with nothing due or overdue, and
     * the leadership on a day without open escalations, get no digest.
     */
    async prepareDailyDigests(input: DigestInput): Promise<DigestResult> {
      const at = new Date(input.at);
      const { timeZone } = input;
      const { publicUrl } = settings;
      const day = localDate(at, timeZone);
      const endOfDay = endOfLocalDay(day, timeZone);
      const household = { include: { village: true } } as const;
      const who = (h: { number: string; headName: string; village: { name: string } }) =>
        householdName({ number: h.number, headName: h.headName, village: h.village.name });
      const kindLabel = (kind: string) => labelOf(TASK_KIND_LABELS, kind);

      const tasks = await prisma.task.findMany({
        where: {
          status: 'OPEN',
          dueAt: { lt: endOfDay },
          assignee: { active: true },
          household: { status: { in: FOLLOWED_STATUSES } },
        },
        include: { household, assignee: true },
        orderBy: [{ dueAt: 'asc' }, { id: 'asc' }],
      });
      const byCadre = new Map<string, { name: string; overdue: DigestTask[]; dueToday: DigestTask[] }>();
      for (const t of tasks) {
        const entry = byCadre.get(t.assigneeId) ?? { name: t.assignee.name, overdue: [], dueToday: [] };
        byCadre.set(t.assigneeId, entry);
        const line: DigestTask = {
          who: who(t.household),
          kindLabel: kindLabel(t.kind),
          reason: t.reason,
          dueAt: t.dueAt.toISOString(),
          rung: t.rung,
          link: taskLink(publicUrl, t.id),
        };
        (t.dueAt < at ? entry.overdue : entry.dueToday).push(line);
      }

      const escalations = await prisma.escalation.findMany({
        where: { closedAt: null, task: { status: 'OPEN', household: { status: { in: FOLLOWED_STATUSES } } } },
        include: { leader: true, task: { include: { household, assignee: true } } },
        orderBy: [{ task: { dueAt: 'asc' } }, { taskId: 'asc' }, { rung: 'desc' }],
      });
      const open: DigestEscalation[] = [];
      const seen = new Set<string>();
      for (const e of escalations) {
        if (seen.has(e.taskId)) continue; // the highest rung of each task comes first
        seen.add(e.taskId);
        open.push({
          who: who(e.task.household),
          kindLabel: kindLabel(e.task.kind),
          reason: e.task.reason,
          overdueSince: e.task.dueAt.toISOString(),
          responsibleName: e.task.assignee.name,
          rung: e.rung,
          rankLabel: escalationRankLabel(e.rank),
          leaderName: e.leader.name,
          link: taskLink(publicUrl, e.taskId),
        });
      }
      const supervisors = open.length
        ? await prisma.cadre.findMany({
            where: { active: true, rank: { in: [...SUPERVISOR_RANKS] } },
            orderBy: { id: 'asc' },
          })
        : [];

      const rows = [
        ...[...byCadre].map(([cadreId, entry]) => ({
          id: `digest/${day}/${cadreId}`,
          cadreId,
          kind: 'DIGEST_LEADER',
          ...renderLeaderDigest({
            recipientName: entry.name,
            day,
            at: at.toISOString(),
            overdue: entry.overdue,
            dueToday: entry.dueToday,
            publicUrl,
            timeZone,
          }),
        })),
        ...supervisors.map((cadre) => ({
          id: `digest/${day}/${cadre.id}/escalations`,
          cadreId: cadre.id,
          kind: 'DIGEST_SUPERVISOR',
          ...renderSupervisorDigest({
            recipientName: cadre.name,
            day,
            at: at.toISOString(),
            escalations: open,
            publicUrl,
            timeZone,
          }),
        })),
      ];
      // The first run of the day wins: a later one finds its rows and writes nothing.
      await prisma.notification.createMany({ data: rows, skipDuplicates: true });
      const ids = rows.map((r) => r.id);
      if (settings.deliverMail) {
        const { client, info } = Context.current();
        for (const id of ids) await startDelivery(client, info.taskQueue, id);
      }
      return {
        day,
        leaderDigests: byCadre.size,
        supervisorDigests: supervisors.length,
        notificationIds: ids,
      };
    },
  };
}
