// The evidence of a visit, stored with its record (in the same transaction): the photos it names
// (uploaded beforehand, by hash), where it was made or why not, and whether that is far from the
// household's location, which the household's first located visit sets.
import { distanceMeters, type VisitRecord } from '../policy/index.js';
import type { Prisma } from '../prisma/generated/client.js';

type Evidence = NonNullable<VisitRecord['evidence']>;

export async function saveVisitEvidence(
  tx: Prisma.TransactionClient,
  input: { visitId: string; householdId: string; at: Date; evidence: Evidence; farFromHomeMeters: number },
): Promise<void> {
  const { visitId, householdId, evidence } = input;
  // Only photos uploaded for this household (the server checked before the update was sent).
  const uploaded = new Set(
    (
      await tx.evidencePhoto.findMany({
        where: { sha256: { in: evidence.photos }, householdId },
        select: { sha256: true },
      })
    ).map((p) => p.sha256),
  );
  await tx.visitPhoto.createMany({
    data: evidence.photos
      .map((sha256, position) => ({ visitId, sha256, position }))
      .filter((p) => uploaded.has(p.sha256)),
    skipDuplicates: true,
  });

  const { location } = evidence;
  let distance: number | null = null;
  if (location) {
    const home = await tx.householdLocation.findUnique({ where: { householdId } });
    if (home) distance = distanceMeters(home, location);
    else
      await tx.householdLocation.createMany({
        data: [{ householdId, ...location, visitId, setAt: input.at }],
        skipDuplicates: true,
      });
  }
  await tx.visitLocation.createMany({
    data: [
      {
        visitId,
        householdId,
        latitude: location?.latitude ?? null,
        longitude: location?.longitude ?? null,
        accuracyMeters: location?.accuracyMeters ?? null,
        missingReason: location ? null : (evidence.locationMissingReason ?? null),
        distanceFromHomeMeters: distance,
        farFromHome: distance !== null && distance > input.farFromHomeMeters,
      },
    ],
    skipDuplicates: true,
  });
}
