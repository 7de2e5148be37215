// E-mail delivery of the Notification outbox: the activities of the `mail-<notification id>`
// workflows (workflows/mail/delivery.ts); start-mail-delivery.ts starts them.
//
// Once, from the cadre's point of view:
// - one delivery workflow per notification: `mail-<id>`, started with USE_EXISTING and
//   REJECT_DUPLICATE, so a retried `notify` or a replayed household workflow never starts two;
// - the Notification row is the sent-log: sendEmail sends nothing for a row already SENT, and
//   marks the row SENT as soon as the server has accepted the message;
// - every attempt carries the same Message-ID (messageIdFor), derived from the notification id.
import { ApplicationFailure } from '@temporalio/activity';
import type { PrismaClient } from '../db/client.js';
import {
  describeSmtpError,
  isPermanentSmtpFailure,
  type MailTransport,
  messageIdFor,
  SEND_DEADLINE_MS,
} from './mail-transport.js';
import { renderEmailHtml } from './messages.js';

/** Error types sendEmail throws; the delivery workflow records the non-retryable ones as FAILED. */
export const MAIL_ERROR_TYPES = {
  /** The server refused the message for good (5xx, bad address): recorded, never retried. */
  rejected: 'SmtpRejected',
  /** The notification's row is gone (deleted by hand): nothing to send. */
  missing: 'NotificationMissing',
  /** SMTP unreachable, timed out, 4xx: retried with backoff until it works. */
  unavailable: 'SmtpUnavailable',
} as const;

export type SendEmailResult =
  | { status: 'SENT'; messageId: string; alreadySent: boolean }
  | { status: 'FAILED'; error: string };

export interface MailSettings {
  /** From: of every e-mail, e.g. `督战系统 <duzhan@localhost>`. */
  mailFrom: string;
  transport: MailTransport;
}

/**
 * How long the row's SENT is retried in-process: a PostgreSQL restart takes seconds, and giving up
 * sooner would send the message again. One attempt's send (45 s) plus this stays under the
 * activity's start-to-close timeout (90 s), so two attempts never overlap.
 */
const MARK_SENT_FOR_MS = 30_000;

/** Retries a write in-process: the row must say SENT even if PostgreSQL blinks or restarts. */
async function persistently<T>(write: () => Promise<T>): Promise<T> {
  const giveUpAt = Date.now() + MARK_SENT_FOR_MS;
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (error) {
      if (Date.now() >= giveUpAt) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.min(250 * 2 ** attempt, 4_000))); // 0.5 s … 4 s
    }
  }
}

export function createMailActivities(prisma: PrismaClient, settings: MailSettings) {
  return {
    /**
     * Sends one notification by e-mail, unless its row already says SENT. Throws a retryable
     * `SmtpUnavailable` when the server cannot be reached or answers 4xx (the workflow's retry
     * policy backs off up to 10 minutes and never gives up), a non-retryable `SmtpRejected` when it
     * refuses the message for good.
     */
    async sendEmail(notificationId: string): Promise<SendEmailResult> {
      const row = await prisma.notification.findUnique({
        where: { id: notificationId },
        include: { cadre: { select: { name: true, email: true } } },
      });
      if (!row)
        throw ApplicationFailure.nonRetryable(`没有这条通知：${notificationId}`, MAIL_ERROR_TYPES.missing);
      const messageId = messageIdFor(row.id);
      // The sent-log says it went out: a retried activity or a second run never sends a copy.
      if (row.status === 'SENT')
        return { status: 'SENT', messageId: row.messageId ?? messageId, alreadySent: true };
      if (row.status === 'FAILED') return { status: 'FAILED', error: row.error ?? '' };

      const html = renderEmailHtml(row); // before the try: a template error is not an SMTP error
      await prisma.notification.update({
        where: { id: row.id },
        data: { attempts: { increment: 1 }, lastAttemptAt: new Date(), messageId },
      });
      try {
        await settings.transport.sendMail({
          from: settings.mailFrom,
          to: { name: row.cadre.name, address: row.cadre.email },
          subject: row.subject,
          text: row.text,
          html,
          messageId,
          headers: { 'Auto-Submitted': 'auto-generated', 'X-Duzhan-Notification': row.id },
          signal: AbortSignal.timeout(SEND_DEADLINE_MS),
        });
      } catch (error) {
        const message = describeSmtpError(error);
        if (isPermanentSmtpFailure(error))
          throw ApplicationFailure.nonRetryable(message, MAIL_ERROR_TYPES.rejected);
        // Still PENDING; the last error tells an admin why it has not gone out yet.
        await prisma.notification.update({ where: { id: row.id }, data: { error: message } }).catch(() => {});
        throw ApplicationFailure.retryable(message, MAIL_ERROR_TYPES.unavailable);
      }
      // THE CRASH WINDOW. The server has answered 250: the message is on its way. Until the
      // update below commits, nothing records that. A worker killed right here (or PostgreSQL
      // down for longer than the 30 s of retries below) leaves the row PENDING, the activity is retried
      // and the cadre gets a second copy, with the same Message-ID, so mail clients that
      // de-duplicate by it show one. No SMTP client can close this window (SMTP has no
      // idempotent submit); it is kept to one UPDATE, done at once, with no other work between.
      await persistently(() =>
        prisma.notification.update({
          where: { id: row.id },
          data: { status: 'SENT', sentAt: new Date(), messageId, error: null },
        }),
      );
      return { status: 'SENT', messageId, alreadySent: false };
    },

    /** Records a permanent failure (the row shows FAILED with the reason); never undoes a SENT. */
    async recordDeliveryFailure(input: { notificationId: string; error: string }): Promise<void> {
      await prisma.notification.updateMany({
        where: { id: input.notificationId, status: { not: 'SENT' } },
        data: { status: 'FAILED', error: input.error },
      });
    },
  };
}
