// The server's own check of an uploaded photo: a baseline or progressive JPEG, and nothing but the
// picture. The phone re-encodes through a canvas (which writes no EXIF), but the server trusts no
// client: every APPn segment but APP0 (JFIF) and every comment is dropped, so no EXIF (GPS position,
// camera, time), XMP or ICC payload is ever stored. The picture's bytes are kept as they are.
import { DomainError } from '../errors.js';

export interface CleanJpeg {
  data: Buffer;
  width: number;
  height: number;
}

const NOT_A_JPEG = '照片必须是 JPEG 格式的图片';
const SOI = 0xd8;
const EOI = 0xd9;
const SOS = 0xda;
const APP0 = 0xe0;
const COM = 0xfe;

/** Markers with no length field: TEM and the restart markers. */
const standalone = (marker: number) => marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7);
/** Start-of-frame markers (SOF0–SOF15 but DHT, JPG and DAC), which carry the picture's size. */
const startOfFrame = (marker: number) =>
  marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
/** APP1–APP15 (EXIF, XMP, ICC, maker notes…) and comments: metadata, never the picture. */
const metadata = (marker: number) => (marker > APP0 && marker <= 0xef) || marker === COM;

/** The JPEG without its metadata segments, with its size; refuses anything that is not a whole JPEG. */
export function stripJpegMetadata(input: Buffer): CleanJpeg {
  if (input.length < 4 || input[0] !== 0xff || input[1] !== SOI) throw invalid();
  const kept: Buffer[] = [input.subarray(0, 2)];
  let at = 2;
  let size: { width: number; height: number } | undefined;
  for (;;) {
    if (at >= input.length || input[at] !== 0xff) throw invalid();
    while (input[at + 1] === 0xff) at++; // fill bytes before a marker
    const marker = input[at + 1];
    if (marker === undefined) throw invalid();
    if (marker === EOI) {
      kept.push(input.subarray(at, at + 2));
      break;
    }
    if (standalone(marker)) {
      kept.push(input.subarray(at, at + 2));
      at += 2;
      continue;
    }
    if (at + 4 > input.length) throw invalid();
    const length = input.readUInt16BE(at + 2);
    const end = at + 2 + length;
    if (length < 2 || end > input.length) throw invalid();
    if (startOfFrame(marker)) {
      if (length < 7) throw invalid();
      size = { height: input.readUInt16BE(at + 5), width: input.readUInt16BE(at + 7) };
    }
    if (!metadata(marker)) kept.push(input.subarray(at, end));
    at = end;
    if (marker === SOS) {
      // Entropy-coded data up to the next marker that is neither a stuffed 0xFF00 nor a restart.
      const scanStart = at;
      while (at + 1 < input.length) {
        const next = input[at + 1] ?? 0;
        if (input[at] === 0xff && next !== 0 && !(next >= 0xd0 && next <= 0xd7)) break;
        at++;
      }
      if (at + 1 >= input.length) throw invalid();
      kept.push(input.subarray(scanStart, at));
    }
  }
  if (!size || size.width === 0 || size.height === 0) throw invalid();
  return { data: Buffer.concat(kept), ...size };
}

function invalid(): DomainError {
  return new DomainError('INVALID', NOT_A_JPEG);
}
