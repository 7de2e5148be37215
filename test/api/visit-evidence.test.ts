import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTaskActivities } from '../../activities/tasks.js';
import { type AppServer, startAppServer } from '../helpers/app-server.js';
import { headOnlyProfile } from '../helpers/household-profiles.js';
import type { ApiClient } from '../helpers/http-client.js';
import {
  EXIF_GPS_TEXT,
  paddedTo,
  photoVariant,
  VISIT_PHOTO,
  withExifLocation,
} from '../helpers/jpeg-fixtures.js';
import { eventually } from '../helpers/real-stack.js';
import { compliantRecord } from '../helpers/visit-records.js';

type ApiError = { error: { code: string; message: string } };
type Stored = { sha256: string; byteSize: number; width: number; height: number };
const chinese = /[\u4e00-\u9fa5]/;
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const HOME = { latitude: 39.9042, longitude: 116.4074, accuracyMeters: 12 };

// 入户照片 and location through the API on the real stack: the upload is checked and stripped of its
// metadata, stored once by hash, readable only by those who may read the household, and linked to
// the visit the workflow records (which carries the hashes, never the photo).
describe('visit evidence', () => {
  let server: AppServer;
  let leader: ApiClient;
  let supervisor: ApiClient;
  let householdId: string;
  let visitTaskId: string;
  const upload = (client: ApiClient, taskId: string, bytes: Buffer, type = 'image/jpeg') => {
    const form = new FormData();
    form.append('photo', new Blob([new Uint8Array(bytes)], { type }), 'photo.jpg');
    return client.raw('POST', `/api/tasks/${encodeURIComponent(taskId)}/photos`, { form });
  };
  const complete = (record: unknown, key: string) =>
    leader.json<{ taskId: string } & ApiError>(
      'POST',
      `/api/tasks/${encodeURIComponent(visitTaskId)}/complete`,
      { record },
      { 'Idempotency-Key': key },
    );

  beforeAll(async () => {
    server = await startAppServer();
    const admin = await server.client('ADMIN');
    [leader, supervisor] = await Promise.all([server.client('LEADER'), server.client('SUPERVISOR')]);
    householdId = `EVD${Date.now().toString().slice(-8)}`;
    const res = await admin.json('POST', '/api/households', {
      number: householdId,
      headName: '赵六',
      villageName: `测试村${server.town.suffix}`,
      category: 'MARGINAL',
      ...headOnlyProfile('赵六'),
    });
    expect(res.status).toBe(201);
    visitTaskId = (
      await eventually(() => server.stack.prisma.task.findFirst({ where: { householdId, kind: 'VISIT' } }))
    ).id;
  });
  afterAll(async () => server?.close());

  it('stores an upload without its EXIF location, once by its hash, and serves it with no-store', async () => {
    const withGps = withExifLocation();
    expect(withGps.includes(Buffer.from('GPSLatitude'))).toBe(true);
    const res = await upload(leader, visitTaskId, withGps);
    expect(res.status).toBe(201);
    const stored = (await res.json()) as Stored;
    expect([stored.width, stored.height]).toEqual([64, 48]);
    const row = await server.stack.prisma.evidencePhoto.findUniqueOrThrow({
      where: { sha256: stored.sha256 },
    });
    const bytes = Buffer.from(row.data);
    expect(sha256(bytes)).toBe(stored.sha256);
    expect(bytes.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    for (const trace of ['Exif', 'GPSLatitude', EXIF_GPS_TEXT.slice(6, 20), 'ICC_PROFILE'])
      expect(bytes.includes(Buffer.from(trace, 'latin1'))).toBe(false);
    expect(row.householdId).toBe(householdId);

    // The same picture again (with or without its EXIF) is the same photo: one row.
    const again = await upload(leader, visitTaskId, VISIT_PHOTO);
    expect(((await again.json()) as Stored).sha256).toBe(stored.sha256);
    expect(await server.stack.prisma.evidencePhoto.count({ where: { householdId } })).toBe(1);

    const served = await supervisor.raw('GET', `/api/photos/${stored.sha256}`);
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('image/jpeg');
    expect(served.headers.get('cache-control')).toContain('no-store');
    expect(Buffer.from(await served.arrayBuffer())).toEqual(bytes);
  });

  it('refuses what is not a JPEG, a photo over the policy’s size, and an empty upload (4xx, Chinese)', async () => {
    const before = await server.stack.prisma.evidencePhoto.count();
    const text = await upload(leader, visitTaskId, Buffer.from('not a picture at all'), 'image/jpeg');
    expect(text.status).toBe(422);
    expect(((await text.json()) as ApiError).error.message).toBe('照片必须是 JPEG 格式的图片');
    const cut = await upload(leader, visitTaskId, VISIT_PHOTO.subarray(0, 400));
    expect(cut.status).toBe(422);
    const big = await upload(leader, visitTaskId, paddedTo(700_000)); // 2026.2: at most 600 kB
    expect(big.status).toBe(422);
    expect(((await big.json()) as ApiError).error.message).toMatch(/照片不能超过 600 KB/);
    const none = await leader.raw('POST', `/api/tasks/${encodeURIComponent(visitTaskId)}/photos`, {
      form: new FormData(),
    });
    expect(none.status).toBe(400);
    expect(((await none.json()) as ApiError).error.message).toMatch(chinese);
    expect(await server.stack.prisma.evidencePhoto.count()).toBe(before);
  });

  it('a leader cannot open another household’s photo by its URL; an unknown hash is 404', async () => {
    const other = await server.town.addHousehold();
    await server.stack.prisma.assignment.updateMany({
      where: { householdId: other },
      data: { cadreId: server.town.cadres.assistance2 },
    });
    const bytes = photoVariant(7);
    const hash = sha256(bytes);
    await server.stack.prisma.evidencePhoto.create({
      data: {
        sha256: hash,
        householdId: other,
        uploadedBy: server.town.cadres.assistance2,
        contentType: 'image/jpeg',
        byteSize: bytes.length,
        width: 64,
        height: 48,
        data: new Uint8Array(bytes),
      },
    });
    const refused = await leader.raw('GET', `/api/photos/${hash}`);
    expect(refused.status).toBe(403);
    expect(refused.headers.get('content-type')).toContain('json');
    expect((await supervisor.raw('GET', `/api/photos/${hash}`)).status).toBe(200);
    expect((await leader.raw('GET', `/api/photos/${'0'.repeat(64)}`)).status).toBe(404);
    expect((await leader.raw('GET', '/api/photos/..%2F..%2Fetc')).status).toBe(404);
    expect((await (await server.client()).raw('GET', `/api/photos/${hash}`)).status).toBe(401);
    // Nor can it claim that photo for its own visit.
    const cadre = server.town.cadres.assistance;
    const claimed = await complete(
      compliantRecord(cadre, new Date().toISOString(), { evidence: { photos: [hash], location: HOME } }),
      'evidence-claim-1',
    );
    expect(claimed.status).toBe(422);
    expect(claimed.body.error.message).toMatch(/照片尚未上传或不属于该户/);
  });

  it('refuses a record over the photo count, or without a location and a reason, writing nothing', async () => {
    const cadre = server.town.cadres.assistance;
    const hashes: string[] = [];
    for (let i = 0; i < 4; i++)
      hashes.push(((await (await upload(leader, visitTaskId, photoVariant(i))).json()) as Stored).sha256);
    const tooMany = await complete(
      compliantRecord(cadre, new Date().toISOString(), { evidence: { photos: hashes, location: HOME } }),
      'evidence-too-many',
    );
    expect(tooMany.status).toBe(422);
    expect(tooMany.body.error.message).toContain('每次走访最多上传 3 张照片');
    const noReason = await complete(
      compliantRecord(cadre, new Date().toISOString(), { evidence: { photos: [] } }),
      'evidence-no-reason',
    );
    expect(noReason.status).toBe(400);
    expect(noReason.body.error.message).toContain('没有走访位置时，请说明原因');
    expect(await server.stack.prisma.visitRecord.count({ where: { householdId } })).toBe(0);
  });

  it('a visit with photos and a location lands once, however often it is sent, and sets the household’s location', async () => {
    const cadre = server.town.cadres.assistance;
    const first = ((await (await upload(leader, visitTaskId, withExifLocation())).json()) as Stored).sha256;
    const second = ((await (await upload(leader, visitTaskId, photoVariant(1))).json()) as Stored).sha256;
    const record = compliantRecord(cadre, new Date().toISOString(), {
      evidence: { photos: [first, second], location: HOME },
    });
    const sent = await complete(record, 'evidence-visit-1');
    expect(sent.status).toBe(200);
    const resent = await complete(record, 'evidence-visit-1');
    expect(resent.status).toBe(200);
    expect(resent.body).toEqual(sent.body);
    const visits = await server.stack.prisma.visitRecord.findMany({
      where: { householdId },
      include: { photos: { orderBy: { position: 'asc' } }, location: true },
    });
    expect(visits).toHaveLength(1);
    expect(visits[0]?.photos.map((p) => p.sha256)).toEqual([first, second]);
    expect(visits[0]?.location).toMatchObject({ ...HOME, farFromHome: false, distanceFromHomeMeters: null });
    expect(await server.stack.prisma.householdLocation.findUnique({ where: { householdId } })).toMatchObject({
      ...HOME,
      visitId: visits[0]?.id,
    });
  });

  it('a later visit far from the household is marked for the supervisor, not refused', async () => {
    const { prisma } = server.stack;
    const taskId = `${householdId}/far-task`;
    await prisma.task.create({
      data: {
        id: taskId,
        householdId,
        workflowId: `household-${householdId}`,
        kind: 'FOLLOW_UP',
        assigneeId: server.town.cadres.assistance,
        openedAt: new Date(),
        dueAt: new Date(Date.now() + 86_400_000),
        reason: '复查',
      },
    });
    // About 2.2 km north: farther than 2026.2's 500 m.
    const far = { latitude: HOME.latitude + 0.02, longitude: HOME.longitude, accuracyMeters: 20 };
    const record = compliantRecord(server.town.cadres.assistance, new Date().toISOString(), {
      evidence: { photos: [], location: far },
    });
    await createTaskActivities(prisma).completeTask({
      taskId,
      byCadreId: server.town.cadres.assistance,
      at: new Date().toISOString(),
      visit: {
        record: {
          ...record,
          measures: record.measures ?? [],
          largeCosts: [],
          notes: '',
          evidence: { photos: [], location: far },
        },
        compliant: true,
        policyVersion: '2026.2',
        farFromHomeMeters: 500,
      },
    });
    const located = await prisma.visitLocation.findUniqueOrThrow({ where: { visitId: `${taskId}/visit` } });
    expect(located.farFromHome).toBe(true);
    expect(located.distanceFromHomeMeters).toBeGreaterThan(2000);
    expect(located.distanceFromHomeMeters).toBeLessThan(2400);
    // The household's location stays the first visit's.
    expect((await prisma.householdLocation.findUniqueOrThrow({ where: { householdId } })).latitude).toBe(
      HOME.latitude,
    );
    const page = await supervisor.raw('GET', `/households/${encodeURIComponent(householdId)}`);
    const html = await page.text();
    expect(html).toContain('有 1 次走访的位置离农户较远，请督战领导核实');
    expect(html).toMatch(/离农户 2\d{3} 米，待核实/);
  });
});
