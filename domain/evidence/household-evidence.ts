// The household page's evidence: its location (from its first located visit) and, visit by visit,
// the photos and where each visit was made, with the visits far from the household marked.
import type { PrismaClient } from '../../db/client.js';

export interface VisitEvidenceRow {
  visitId: string;
  visitedAt: Date;
  photos: string[];
  location: { latitude: number; longitude: number; accuracyMeters: number } | null;
  missingReason: string | null;
  distanceFromHomeMeters: number | null;
  farFromHome: boolean;
}

export interface HouseholdEvidence {
  home: { latitude: number; longitude: number; accuracyMeters: number; setAt: Date } | null;
  visits: VisitEvidenceRow[];
  farVisitCount: number;
}

/** Call after the caller's read access to the household is checked. Newest visit first. */
export async function householdEvidence(
  prisma: PrismaClient,
  householdId: string,
): Promise<HouseholdEvidence> {
  const [home, visits] = await Promise.all([
    prisma.householdLocation.findUnique({ where: { householdId } }),
    prisma.visitRecord.findMany({
      where: { householdId, OR: [{ location: { isNot: null } }, { photos: { some: {} } }] },
      orderBy: { visitedAt: 'desc' },
      select: {
        id: true,
        visitedAt: true,
        location: true,
        photos: { orderBy: { position: 'asc' }, select: { sha256: true } },
      },
    }),
  ]);
  const rows = visits.map((v): VisitEvidenceRow => {
    const l = v.location;
    return {
      visitId: v.id,
      visitedAt: v.visitedAt,
      photos: v.photos.map((p) => p.sha256),
      location:
        l?.latitude != null && l.longitude != null
          ? { latitude: l.latitude, longitude: l.longitude, accuracyMeters: l.accuracyMeters ?? 0 }
          : null,
      missingReason: l?.missingReason ?? null,
      distanceFromHomeMeters: l?.distanceFromHomeMeters ?? null,
      farFromHome: l?.farFromHome ?? false,
    };
  });
  return {
    home: home
      ? {
          latitude: home.latitude,
          longitude: home.longitude,
          accuracyMeters: home.accuracyMeters,
          setAt: home.setAt,
        }
      : null,
    visits: rows,
    farVisitCount: rows.filter((r) => r.farFromHome).length,
  };
}
