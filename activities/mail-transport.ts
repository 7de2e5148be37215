// The SMTP side of e-mail delivery: one pooled nodemailer transport per worker, the deterministic
// Message-ID, and which SMTP errors are worth retrying.
import { createHash } from 'node:crypto';
import nodemailer from 'nodemailer';

/**
 * How long one sendMail may take, queueing in the pool included, before it is abandoned. Shorter
 * than sendEmail's start-to-close timeout (workflows/mail/delivery.ts), so an attempt always ends
 * before Temporal starts the next one: two attempts of one notification never send at once.
 */
export const SEND_DEADLINE_MS = 45_000;

/**
 * A pooled SMTP transport from SMTP_URL: `smtp://host:port` (STARTTLS when the server offers it),
 * `smtps://host:465` (TLS from the start); `user:password@` in the URL for AUTH; nodemailer's URL
 * options in the query (e.g. `?requireTLS=true`, `?tls.rejectUnauthorized=false`).
 */
export function createMailTransport(smtpUrl: string) {
  return nodemailer.createTransport({
    url: smtpUrl,
    pool: true,
    maxConnections: 5,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
    dnsTimeout: 10_000,
  });
}

export type MailTransport = ReturnType<typeof createMailTransport>;

/**
 * `<32 hex digits@duzhan>`, from the notification id alone: every attempt to send one notification
 * carries the same Message-ID, so a copy that slipped through (see sendEmail) collapses in mail
 * clients that de-duplicate by it.
 */
export function messageIdFor(notificationId: string): string {
  return `<${createHash('sha256').update(notificationId).digest('hex').slice(0, 32)}@duzhan>`;
}

interface SmtpError {
  code?: string;
  responseCode?: number;
  message?: string;
}

/**
 * A rejection that sending the same message again would get again: the server refused the
 * recipient, the sender or the message with a permanent (5xx) reply, or nodemailer refused the
 * envelope before sending (no valid recipient address). Everything else — connection refused or
 * dropped, timeouts, DNS, TLS, a 4xx reply, and also a failed AUTH, which is the deployment's
 * configuration and not the message's fault — is worth retrying until it is fixed.
 */
export function isPermanentSmtpFailure(error: unknown): boolean {
  const e = (error ?? {}) as SmtpError;
  if (e.code !== 'EENVELOPE' && e.code !== 'EMESSAGE') return false;
  if (typeof e.responseCode !== 'number') return true;
  // 503 "bad sequence of commands" is about the session, not the message (as nodemailer has it).
  return e.responseCode >= 500 && e.responseCode < 600 && e.responseCode !== 503;
}

/** One line for the outbox row and the admins' list: nodemailer's message carries the server's reply. */
export function describeSmtpError(error: unknown): string {
  const e = (error ?? {}) as SmtpError;
  const message = (e.message ?? String(error)).split('\n')[0] ?? '';
  return e.code && !message.includes(e.code) ? `${e.code}: ${message}` : message;
}
