import { type ChannelSettings, loadChannelSettings } from '../config/channels.js';
import type { PrismaClient } from '../db/client.js';
import { createAdmissionActivities } from './admission.js';
import { createAssignmentActivities } from './assignment.js';
import { createAuditActivities } from './audit.js';
import { createChannelActivities } from './channels/delivery.js';
import { createClosingActivities } from './closing.js';
import { createDigestActivities } from './digest.js';
import { withFailureTriage } from './failure-triage.js';
import { createHouseholdFactsActivities } from './household-facts.js';
import { createIdentificationActivities } from './identification.js';
import { createMailActivities } from './mail.js';
import { createMailTransport, type MailTransport } from './mail-transport.js';
import { DEFAULT_TIME_ZONE } from './messages.js';
import { createNotifyActivities } from './notify.js';
import { createPolicyUpgradeActivities } from './policy-upgrade.js';
import { createSupervisionActivities } from './supervision.js';
import { createTaskActivities } from './tasks.js';
import { createTransitionActivities } from './transitions.js';

export interface ActivityDeps {
  prisma: PrismaClient;
  /** Base of the links in notifications. */
  publicUrl: string;
  /** The SMTP server e-mail goes to: smtp://… or smtps://…, user and password in the URL. */
  smtpUrl: string;
  /** From: of every e-mail. */
  mailFrom: string;
  /** Time zone of the dates in messages and of the digest's day (default Asia/Shanghai). */
  timeZone?: string;
  /**
   * false: `notify` and the digest write their outbox rows but start no `mail-<id>` delivery
   * workflow. For the time-skipping tests (test/helpers/time-skipping.ts): a delivery retrying
   * against an SMTP server that is not there keeps an activity or a retry timer pending, and the
   * test server would fast-forward through its backoff (or wait on it) instead of the household's
   * own timers. Default true.
   */
  deliverMail?: boolean;
  /** The worker's pooled SMTP transport (startWorker makes one and closes it); else made from smtpUrl. */
  mailTransport?: MailTransport;
  /** 企业微信, 钉钉 and SMS (config/channels.ts); default: from the environment (unset = off). */
  channels?: ChannelSettings;
}

/** Every activity the worker registers, bound to its dependencies. */
export function createActivities(deps: ActivityDeps) {
  const deliverMail = deps.deliverMail ?? true;
  const timeZone = deps.timeZone ?? DEFAULT_TIME_ZONE;
  const mail = createMailActivities(deps.prisma, {
    mailFrom: deps.mailFrom,
    // Connects only when the first message is sent.
    transport: deps.mailTransport ?? createMailTransport(deps.smtpUrl),
  });
  return {
    // The household's activities: what cannot heal fails at once, long retries are recorded.
    ...withFailureTriage(deps.prisma, {
      ...createAuditActivities(deps.prisma),
      ...createHouseholdFactsActivities(deps.prisma),
      ...createAssignmentActivities(deps.prisma),
      ...createTaskActivities(deps.prisma),
      ...createClosingActivities(deps.prisma),
      ...createSupervisionActivities(deps.prisma),
      ...createIdentificationActivities(deps.prisma),
      ...createNotifyActivities(deps.prisma, { publicUrl: deps.publicUrl, timeZone, deliverMail }),
      ...createTransitionActivities(deps.prisma, { publicUrl: deps.publicUrl, timeZone, deliverMail }),
      ...createAdmissionActivities(deps.prisma, { publicUrl: deps.publicUrl, timeZone, deliverMail }),
    }),
    ...mail,
    ...createChannelActivities({
      prisma: deps.prisma,
      settings: deps.channels ?? loadChannelSettings(),
      sendEmail: mail.sendEmail,
    }),
    ...createDigestActivities(deps.prisma, { publicUrl: deps.publicUrl, deliverMail }),
    ...createPolicyUpgradeActivities(deps.prisma),
  };
}

export type Activities = ReturnType<typeof createActivities>;
