import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { POLICY_2026_2 } from '../../policy/index.js';
import { completeTaskUpdate } from '../../workflows/household/definitions.js';
import { PATCHES } from '../../workflows/household/patches.js';
import { recordHistory } from '../helpers/history-recorder.js';
import { photoVariant } from '../helpers/jpeg-fixtures.js';
import { DAY, openVisit, type TimeSkippingStack, useTimeSkippingTownship } from '../helpers/time-skipping.js';
import type { TownshipFixture } from '../helpers/township-fixture.js';
import { compliantRecord } from '../helpers/visit-records.js';

// A visit record with evidence through the real workflow: the record keeps the photo hashes and the
// location (behind patched('visit-evidence')), the activity links the photos and locates the household.
// Its history is test/histories/visit-evidence.history.pb, replayed by replay.test.ts.
describe('a visit record with evidence (time-skipping server)', () => {
  const ctx = useTimeSkippingTownship();
  let stack: TimeSkippingStack;
  let town: TownshipFixture;
  beforeAll(() => {
    ({ stack, town } = ctx);
  });

  it('keeps hashes and location in the record, never the photo; the household gets its location', {
    timeout: 120_000,
  }, async () => {
    const householdId = await town.addHousehold();
    const photo = photoVariant(42);
    const sha256 = createHash('sha256').update(photo).digest('hex');
    await stack.prisma.evidencePhoto.create({
      data: {
        sha256,
        householdId,
        uploadedBy: town.cadres.assistance,
        contentType: 'image/jpeg',
        byteSize: photo.length,
        width: 64,
        height: 48,
        data: new Uint8Array(photo),
      },
    });
    const location = { latitude: 36.0611, longitude: 103.8343, accuracyMeters: 8 };
    await stack.run(async () => {
      const handle = await stack.startHousehold(householdId, { policy: POLICY_2026_2 });
      const visit = openVisit(await stack.until(handle, (s) => !!openVisit(s)));
      if (!visit) throw new Error('no visit');
      await handle.executeUpdate(completeTaskUpdate, {
        args: [
          {
            taskId: visit.id,
            byCadreId: visit.assigneeId,
            record: compliantRecord(visit.assigneeId, visit.openedAt, {
              evidence: { photos: [sha256], location },
            }),
          },
        ],
      });
      await stack.env.sleep(DAY);
      const history = await handle.fetchHistory();
      const patchIds = history.events?.flatMap((e) => {
        const data = e.markerRecordedEventAttributes?.details?.['patch-data']?.payloads?.[0]?.data;
        return data ? [(JSON.parse(Buffer.from(data).toString('utf8')) as { id: string }).id] : [];
      });
      expect(patchIds).toContain(PATCHES.visitEvidence);
      const updateInput = history.events?.flatMap((e) => {
        const data =
          e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.args?.payloads?.[0]?.data;
        return data ? [Buffer.from(data).toString('utf8')] : [];
      });
      expect(updateInput?.join('')).toContain(sha256);
      // The photo itself is in no event: a history holds hashes only.
      const everything = Buffer.from(JSON.stringify(history));
      expect(everything.length).toBeLessThan(200_000);
      await recordHistory(handle, 'visit-evidence');
    });
    const record = await stack.prisma.visitRecord.findFirstOrThrow({
      where: { householdId },
      include: { photos: true, location: true },
    });
    expect(record.photos.map((p) => p.sha256)).toEqual([sha256]);
    expect(record.location).toMatchObject({ ...location, farFromHome: false });
    expect(await stack.prisma.householdLocation.findUnique({ where: { householdId } })).toMatchObject(
      location,
    );
  });
});
