import path from 'node:path';
import { MailDev } from 'maildev';
import { assertPortFree } from './ports.js';

export interface MailCatcherOptions {
  smtpPort: number;
  webPort: number;
  /** Keeps the caught mail (`.eml` files) across restarts; omitted = a temporary folder. */
  dataDir?: string;
}

export interface MailCatcher {
  smtpUrl: string;
  webUrl: string;
  stop(): Promise<void>;
}

/**
 * npm start's SMTP catcher when SMTP_URL is unset: MailDev (SMTP server and a web page to read
 * what it caught), in this process, on loopback. Nothing it catches leaves the machine. The mail
 * is kept in `<DATA_DIR>/mail`, so the page still shows what came before a restart (a duplicate
 * across a restart would show there too).
 */
export async function startMailCatcher(options: MailCatcherOptions): Promise<MailCatcher> {
  await assertPortFree(options.smtpPort, 'MAIL_SMTP_PORT');
  await assertPortFree(options.webPort, 'MAIL_WEB_PORT');
  const maildev = new MailDev({
    smtp: options.smtpPort,
    ip: '127.0.0.1',
    web: options.webPort,
    webIp: '127.0.0.1',
    silent: true,
    maxEmails: 5000, // the oldest go first
    ...(options.dataDir ? { mailDirectory: path.join(options.dataDir, 'mail') } : {}),
  });
  // MailDev's web server prints its own "running at" line; start-up prints the URL with the others.
  const info = console.info;
  console.info = () => {};
  try {
    await maildev.start();
  } finally {
    console.info = info;
  }
  return {
    smtpUrl: `smtp://127.0.0.1:${options.smtpPort}`,
    webUrl: `http://127.0.0.1:${options.webPort}`,
    stop: () => maildev.stop(),
  };
}
