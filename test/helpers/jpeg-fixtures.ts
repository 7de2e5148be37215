import { readFileSync } from 'node:fs';

/** A small real JPEG (64×48, made by Chromium's canvas), with a JFIF and an ICC segment. */
export const VISIT_PHOTO = readFileSync(new URL('../fixtures/visit-photo.jpg', import.meta.url));

/** The EXIF a phone's camera writes: GPS position among it. */
export const EXIF_GPS_TEXT = 'Exif\0\0GPSLatitude 39.9042N GPSLongitude 116.4074E';

/** The photo with an APP1 EXIF segment (a phone camera's GPS position) right after SOI. */
export function withExifLocation(jpeg: Buffer = VISIT_PHOTO): Buffer {
  const payload = Buffer.from(EXIF_GPS_TEXT, 'latin1');
  const header = Buffer.from([0xff, 0xe1, 0, 0]);
  header.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([jpeg.subarray(0, 2), header, payload, jpeg.subarray(2)]);
}

/** Another picture: one quantisation value changed, so another valid JPEG with another hash. */
export function photoVariant(n: number, jpeg: Buffer = VISIT_PHOTO): Buffer {
  const copy = Buffer.from(jpeg);
  const dqt = copy.indexOf(Buffer.from([0xff, 0xdb]));
  copy[dqt + 10] = 1 + (n % 200);
  return copy;
}

/** The photo padded with comment segments to about `bytes` (comments are metadata: stripped). */
export function paddedTo(bytes: number, jpeg: Buffer = VISIT_PHOTO): Buffer {
  const parts: Buffer[] = [jpeg.subarray(0, 2)];
  let size = jpeg.length;
  while (size < bytes) {
    const segment = Buffer.alloc(60_000, 0x20);
    segment.writeUInt16BE(0xfffe, 0);
    segment.writeUInt16BE(60_000 - 2, 2);
    parts.push(segment);
    size += segment.length;
  }
  parts.push(jpeg.subarray(2));
  return Buffer.concat(parts);
}
