import { SMTPServer } from 'smtp-server';

/** One message as the SMTP server received it, with the little of it a test asserts on decoded. */
export interface CaughtMessage {
  envelopeTo: string[];
  headers: Map<string, string>;
  /** Decoded (RFC 2047). */
  subject: string;
  to: string;
  messageId: string;
  text: string;
  html: string;
  raw: string;
}

/**
 * A real SMTP server (npm smtp-server) on loopback that keeps what it receives. Addresses in
 * `rejects` are refused at RCPT TO with a permanent 550, as a mail server refuses an unknown user.
 */
export class TestSmtpServer {
  readonly messages: CaughtMessage[] = [];
  readonly rejects = new Set<string>();
  private server: SMTPServer | undefined;

  constructor(readonly port: number) {}

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      closeTimeout: 200, // the worker's pooled connections stay open; do not wait for them on close
      onRcptTo: (address, _session, callback) => {
        if (!this.rejects.has(address.address)) return callback();
        const error = Object.assign(
          new Error(`5.1.1 <${address.address}>: Recipient address rejected: User unknown`),
          {
            responseCode: 550,
          },
        );
        callback(error);
      },
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          this.messages.push(
            parseMessage(
              Buffer.concat(chunks).toString('utf8'),
              session.envelope.rcptTo.map((r) => r.address),
            ),
          );
          callback();
        });
      },
    });
    const server = this.server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The messages carrying this Message-ID. */
  withMessageId(messageId: string): CaughtMessage[] {
    return this.messages.filter((m) => m.messageId === messageId);
  }
}

// ---- a minimal MIME reader: enough for nodemailer's multipart/alternative messages ----

function splitHeaders(block: string): Map<string, string> {
  const headers = new Map<string, string>();
  const unfolded = block.replace(/\r?\n[ \t]+/g, ' ');
  for (const line of unfolded.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return headers;
}

/** RFC 2047 encoded-words (`=?UTF-8?B?…?=`, `=?UTF-8?Q?…?=`); whitespace between two of them goes. */
export function decodeWords(value: string): string {
  return value
    .replace(/(\?=)\s+(=\?)/g, '$1$2')
    .replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (_all, _charset: string, encoding: string, data: string) =>
      encoding.toUpperCase() === 'B'
        ? Buffer.from(data, 'base64').toString('utf8')
        : decodeQuotedPrintable(data.replace(/_/g, ' ')),
    );
}

function decodeQuotedPrintable(data: string): string {
  const bytes: number[] = [];
  const text = data.replace(/=\r?\n/g, '');
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
      bytes.push(Number.parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(text[i] ?? '', 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

function decodeBody(body: string, encoding: string | undefined): string {
  switch ((encoding ?? '').toLowerCase()) {
    case 'base64':
      return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
    case 'quoted-printable':
      return decodeQuotedPrintable(body);
    default:
      return body;
  }
}

function parseMessage(raw: string, envelopeTo: string[]): CaughtMessage {
  const split = raw.search(/\r?\n\r?\n/);
  const headers = splitHeaders(raw.slice(0, split));
  const body = raw.slice(split).replace(/^\r?\n\r?\n/, '');
  let text = '';
  let html = '';
  const boundary = /boundary="?([^";]+)"?/i.exec(headers.get('content-type') ?? '')?.[1];
  const parts = boundary ? body.split(`--${boundary}`).slice(1, -1) : [body];
  for (const part of parts) {
    const partSplit = boundary ? part.replace(/^\r?\n/, '').search(/\r?\n\r?\n/) : -1;
    const partHeaders = boundary ? splitHeaders(part.replace(/^\r?\n/, '').slice(0, partSplit)) : headers;
    const content = boundary
      ? part
          .replace(/^\r?\n/, '')
          .slice(partSplit)
          .replace(/^\r?\n\r?\n/, '')
      : part;
    const decoded = decodeBody(content, partHeaders.get('content-transfer-encoding'));
    if ((partHeaders.get('content-type') ?? '').startsWith('text/html')) html = decoded;
    else text = decoded;
  }
  return {
    envelopeTo,
    headers,
    subject: decodeWords(headers.get('subject') ?? ''),
    to: decodeWords(headers.get('to') ?? ''),
    messageId: headers.get('message-id') ?? '',
    text: text.replace(/\r\n/g, '\n').trim(),
    html,
    raw,
  };
}
