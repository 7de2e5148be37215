// An XLSX file is a ZIP archive. Before anything expands it, its central directory (the list of
// entries at the end of the file) is read to learn what the archive claims it will expand to: a
// zip bomb (a few kB that expand to gigabytes) is refused on those declared sizes. An archive
// that lies about its sizes is stopped by the parsing worker's memory and time limits instead.

export interface ZipLimits {
  maxEntries: number;
  /** Declared uncompressed size of one entry, in bytes. */
  maxEntryBytes: number;
  /** Declared uncompressed size of all entries together, in bytes. */
  maxTotalBytes: number;
}

export type ZipCheck = { ok: true; entries: number; totalBytes: number } | { ok: false; reason: string };

const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const CENTRAL_DIRECTORY_ENTRY = 0x02014b50;
const END_RECORD_SIZE = 22;
const MAX_COMMENT = 0xffff;
/** ZIP64 keeps its real sizes elsewhere and writes this in the 32-bit fields; a ledger never needs it. */
const ZIP64_MARK = 0xffffffff;

function findEndRecord(zip: Buffer): number {
  const earliest = Math.max(0, zip.length - END_RECORD_SIZE - MAX_COMMENT);
  for (let at = zip.length - END_RECORD_SIZE; at >= earliest; at -= 1) {
    if (zip.readUInt32LE(at) === END_OF_CENTRAL_DIRECTORY) return at;
  }
  return -1;
}

/** Reads the declared sizes of every entry from the central directory; nothing is inflated. */
export function checkZipDeclaredSizes(zip: Buffer, limits: ZipLimits): ZipCheck {
  if (zip.length < END_RECORD_SIZE) return { ok: false, reason: '文件太短，不是 XLSX 文件' };
  const end = findEndRecord(zip);
  if (end < 0) return { ok: false, reason: '不是有效的 XLSX（ZIP）文件' };
  const entries = zip.readUInt16LE(end + 10);
  const directorySize = zip.readUInt32LE(end + 12);
  const directoryStart = zip.readUInt32LE(end + 16);
  if (entries === 0xffff || directoryStart === ZIP64_MARK || directorySize === ZIP64_MARK)
    return { ok: false, reason: '不支持 ZIP64 格式的 XLSX 文件' };
  if (entries > limits.maxEntries)
    return { ok: false, reason: `XLSX 文件包含 ${entries} 个部件，超过上限 ${limits.maxEntries}` };
  if (directoryStart + directorySize > end) return { ok: false, reason: 'XLSX 文件的目录已损坏' };

  let at = directoryStart;
  let totalBytes = 0;
  for (let i = 0; i < entries; i += 1) {
    if (at + 46 > end || zip.readUInt32LE(at) !== CENTRAL_DIRECTORY_ENTRY)
      return { ok: false, reason: 'XLSX 文件的目录已损坏' };
    const size = zip.readUInt32LE(at + 24);
    if (size === ZIP64_MARK) return { ok: false, reason: '不支持 ZIP64 格式的 XLSX 文件' };
    if (size > limits.maxEntryBytes)
      return {
        ok: false,
        reason: `XLSX 文件中的部件解压后达 ${mb(size)}，超过上限 ${mb(limits.maxEntryBytes)}`,
      };
    totalBytes += size;
    if (totalBytes > limits.maxTotalBytes)
      return { ok: false, reason: `XLSX 文件解压后超过 ${mb(limits.maxTotalBytes)}，请拆分后导入` };
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    at += 46 + nameLength + extraLength + commentLength;
  }
  return { ok: true, entries, totalBytes };
}

const mb = (bytes: number) => `${Math.ceil(bytes / 1024 / 1024)} MB`;
