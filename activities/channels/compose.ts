// The words a channel carries: one notification's subject and text (as rendered for the outbox), or
// several of one cadre's combined into one message when the channel's per-person limit is reached.

export interface OutboxRow {
  subject: string;
  text: string;
  link: string;
}

const PREFIX = /^【挂牌督战】/;

/** Cuts a string to at most `maxBytes` of UTF-8, on a character boundary. */
export function cutToBytes(value: string, maxBytes: number): string {
  if (Buffer.byteLength(value) <= maxBytes) return value;
  let out = '';
  let bytes = 0;
  for (const ch of value) {
    const size = Buffer.byteLength(ch);
    if (bytes + size > maxBytes - 3) break;
    out += ch;
    bytes += size;
  }
  return `${out}…`;
}

/**
 * The text of a chat message (WeCom, DingTalk): subject, text, within `maxBytes` (both take 2,048
 * bytes of text). The link is on the text's last line and kept whole: a long text is cut before it.
 */
export function chatText(rows: readonly OutboxRow[], maxBytes: number): { subject: string; text: string } {
  if (rows.length === 1) {
    const row = rows[0] as OutboxRow;
    const body = row.text.endsWith(row.link) ? row.text.slice(0, -row.link.length).trimEnd() : row.text;
    const tail = `\n${row.link}`;
    return {
      subject: row.subject,
      text: `${cutToBytes(`${row.subject}\n${body}`, maxBytes - Buffer.byteLength(tail))}${tail}`,
    };
  }
  const subject = `【挂牌督战】您有 ${rows.length} 条督战通知`;
  const lines = rows.map((row, i) => `${i + 1}. ${row.subject.replace(PREFIX, '')}\n${row.link}`);
  // Whole items only: a cut link would lead nowhere.
  let text = subject;
  for (const [i, line] of lines.entries()) {
    const more = `\n${line}`;
    const rest = `\n……另有 ${lines.length - i} 条，请登录督战系统查看`;
    if (Buffer.byteLength(text + more) + Buffer.byteLength(rest) > maxBytes)
      return { subject, text: text + rest };
    text += more;
  }
  return { subject, text };
}

/** The one template parameter of an SMS (`title`): what the notification is about, short. */
export function smsTitle(rows: readonly OutboxRow[], maxLength: number): string {
  const title =
    rows.length === 1 ? (rows[0] as OutboxRow).subject.replace(PREFIX, '') : `${rows.length}条督战通知待办理`;
  // Brackets would read as a second signature to the carriers; the limit counts characters.
  const plain = title.replace(/[【】[\]]/g, '');
  const chars = [...plain];
  return chars.length <= maxLength ? plain : `${chars.slice(0, maxLength - 1).join('')}…`;
}
