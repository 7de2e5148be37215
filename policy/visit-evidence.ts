// The evidence a visit record may carry (入户照片, location), and the policy's rules for it. Photos
// travel as their sha256 only: the bytes live in PostgreSQL, never in a workflow's history.
import { z } from 'zod';
import { lazySchema } from './lazy-schema.js';
import { singleLine } from './plain-text.js';
import type { Policy } from './policy-schema.js';

export type VisitEvidenceRules = NonNullable<Policy['visitEvidence']>;

/**
 * The rules 2026.2 introduced: up to three 入户照片 (resized on the phone, at most 600 kB and 1,600 px
 * each) and the visit's location; a visit more than 500 m from the household's first located visit
 * is marked for the supervisor. Written out here rather than read from the built-in 2026.2, so that
 * the workflows need not load the built-in versions.
 */
export const FIRST_VISIT_EVIDENCE_RULES: VisitEvidenceRules = Object.freeze({
  maxPhotos: 3,
  maxPhotoBytes: 600_000,
  maxPhotoEdgePx: 1600,
  farFromHomeMeters: 500,
});

/**
 * The evidence rules under a policy. A version older than the first that has them said nothing about
 * photos; the rules that version (2026.2) introduced apply to it, so a household on an old policy may
 * still bring evidence.
 */
export function visitEvidenceRules(policy: Policy): VisitEvidenceRules {
  return policy.visitEvidence ?? FIRST_VISIT_EVIDENCE_RULES;
}

export const SHA256_HEX = /^[0-9a-f]{64}$/;
/** Beyond any number of photos a policy may allow: a typo or an attack, refused by shape. */
const MAX_PHOTO_REFERENCES = 20;

export const visitLocationSchema = lazySchema(() =>
  z.object(
    {
      latitude: z.number({ error: '纬度必须是数字' }).min(-90, '纬度不正确').max(90, '纬度不正确'),
      longitude: z.number({ error: '经度必须是数字' }).min(-180, '经度不正确').max(180, '经度不正确'),
      accuracyMeters: z
        .number({ error: '定位精度必须是数字（单位：米）' })
        .min(0, '定位精度不能是负数')
        .max(100_000, '定位精度不正确'),
    },
    { error: '走访位置格式不正确' },
  ),
);
export type VisitLocation = z.infer<typeof visitLocationSchema>;

export const visitEvidenceSchema = lazySchema(() =>
  z
    .object(
      {
        photos: z
          .array(z.string({ error: '照片编号不正确' }).regex(SHA256_HEX, '照片编号不正确'), {
            error: '照片必须是一个列表',
          })
          .max(MAX_PHOTO_REFERENCES, `一次走访最多 ${MAX_PHOTO_REFERENCES} 张照片`)
          .refine((list) => new Set(list).size === list.length, '同一张照片不能重复提交')
          .default([]),
        location: visitLocationSchema.optional(),
        // Why there is no location (the cadre refused it, no signal for the GPS, an old phone).
        locationMissingReason: singleLine('未定位原因', 200).optional(),
      },
      { error: '走访佐证格式不正确' },
    )
    .refine((e) => e.location !== undefined || e.locationMissingReason !== undefined, {
      message: '没有走访位置时，请说明原因',
      path: ['locationMissingReason'],
    }),
);
export type VisitEvidence = z.output<typeof visitEvidenceSchema>;

/** The photo count against the policy; '' when within it. */
export function photoCountProblem(rules: VisitEvidenceRules, photoCount: number): string {
  return photoCount > rules.maxPhotos ? `每次走访最多上传 ${rules.maxPhotos} 张照片` : '';
}

const EARTH_RADIUS_M = 6_371_000;
const radians = (deg: number) => (deg * Math.PI) / 180;

/** Great-circle distance in whole metres (haversine). */
export function distanceMeters(
  a: Pick<VisitLocation, 'latitude' | 'longitude'>,
  b: Pick<VisitLocation, 'latitude' | 'longitude'>,
): number {
  const dLat = radians(b.latitude - a.latitude);
  const dLon = radians(b.longitude - a.longitude);
  const h =
    Math.sin(dLat / 2) ** 2 +
    Math.cos(radians(a.latitude)) * Math.cos(radians(b.latitude)) * Math.sin(dLon / 2) ** 2;
  return Math.round(2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h))));
}
