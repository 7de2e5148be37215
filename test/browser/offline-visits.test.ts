import { createHash } from 'node:crypto';
import { copyFile } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppServer, PASSWORD, startAppServer } from '../helpers/app-server.js';
import { launchChromium, logIn, screenshot } from '../helpers/browser.js';
import { headOnlyProfile } from '../helpers/household-profiles.js';
import { photoVariant, withExifLocation } from '../helpers/jpeg-fixtures.js';
import { eventually } from '../helpers/real-stack.js';

// What the functions run inside the page see (the project's types carry no DOM library).
// biome-ignore lint/suspicious/noExplicitAny: the browser's globals, typed by the browser
declare const document: any;
// biome-ignore lint/suspicious/noExplicitAny: idem
declare const window: any;
// biome-ignore lint/suspicious/noExplicitAny: idem
declare const caches: any;
// biome-ignore lint/suspicious/noExplicitAny: idem
declare const navigator: any;

const DOCS = path.resolve(import.meta.dirname, '../../docs/screenshots');
/** The README's screenshots are refreshed on request only: a test run leaves the clone unchanged. */
const keepForReadme = async (file: string, name: string) => {
  if (process.env.UPDATE_README_SCREENSHOTS === '1') await copyFile(file, path.join(DOCS, name));
};
const HOME = { latitude: 34.2583, longitude: 108.9286, accuracy: 15 };

// The leader's pages offline, in real Chromium on a 375 px phone: the task list keeps each task's
// form; a visit recorded without signal (a photo from the "camera", the location) waits in IndexedDB
// as 待上传 and lands once when the connection returns; a leader cannot open another household's photo.
describe('offline visits in a real browser', () => {
  let server: AppServer;
  let browser: Browser;
  const households: string[] = [];

  beforeAll(async () => {
    server = await startAppServer();
    browser = await launchChromium();
    const admin = await server.client('ADMIN');
    for (const n of [1, 2]) {
      const number = `OFF${n}${Date.now().toString().slice(-7)}`;
      const res = await admin.json('POST', '/api/households', {
        number,
        headName: `离线户${n}`,
        villageName: `测试村${server.town.suffix}`,
        category: 'MARGINAL',
        ...headOnlyProfile(`离线户${n}`),
      });
      expect(res.status).toBe(201);
      households.push(number);
    }
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  /** The admin gives the household's 帮扶责任人 role to another cadre, through the API (the workflow). */
  async function reassign(householdId: string, cadreId: string, reason: string) {
    const admin = await server.client('ADMIN');
    const res = await admin.json('POST', `/api/households/${encodeURIComponent(householdId)}/reassign`, {
      role: 'ASSISTANCE',
      cadreId,
      reason,
    });
    expect(res.status).toBe(200);
  }

  /**
   * The household's visit task, in the logged-in cadre's list: a new household goes to whichever
   * cadre the township's assignment picks, so it is given to them (as the admin would) when it went
   * to another.
   */
  async function leadersVisitTask(householdId: string): Promise<string> {
    const { cadres } = server.town;
    const task = await eventually(() =>
      server.stack.prisma.task.findFirst({ where: { householdId, kind: 'VISIT' } }),
    );
    if (task.assigneeId !== cadres.assistance) {
      await reassign(householdId, cadres.assistance, '调整帮扶分工');
      await eventually(() =>
        server.stack.prisma.task.findFirst({ where: { id: task.id, assigneeId: cadres.assistance } }),
      );
    }
    return task.id;
  }

  /** A phone with location allowed, logged in as the household's 帮扶责任人, its task list kept offline. */
  async function phoneWithKeptTasks(
    kept: Array<{ taskId: string; householdId: string }>,
  ): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({
      viewport: { width: 375, height: 812 },
      locale: 'zh-CN',
      timezoneId: 'Asia/Shanghai',
    });
    await context.grantPermissions(['geolocation']);
    await context.setGeolocation(HOME);
    const page = await context.newPage();
    await logIn(page, server.base, server.users.LEADER.username, PASSWORD);
    await page.goto(`${server.base}/tasks`);
    // The page says it is ready only when the worker has every page in its cache: no polling of it.
    await page.waitForSelector('#offline-status[data-state="ready"]', { timeout: 20_000 });
    expect(await page.textContent('#offline-status')).toContain('已可离线使用');
    const pages = kept.flatMap(({ taskId, householdId }) => [
      `${server.base}/tasks/${encodeURIComponent(taskId)}`,
      `${server.base}/households/${encodeURIComponent(householdId)}`,
    ]);
    const inCache = await page.evaluate(
      async (urls) => Promise.all(urls.map(async (url) => !!(await caches.match(url)))),
      pages,
    );
    expect(inCache).toEqual(pages.map(() => true));
    return { context, page };
  }

  /** Without signal, the kept form opens: the copy the task list kept, served by the worker. */
  async function openFormOffline(page: Page, taskId: string) {
    const response = await page.goto(`${server.base}/tasks/${encodeURIComponent(taskId)}`);
    expect(response?.fromServiceWorker()).toBe(true);
    await page.waitForSelector('#visit-form');
    await page.waitForFunction('!!window.duzhanOutbox');
  }

  /** A big picture as a phone camera makes it (2400×1800 PNG), drawn by the browser itself. */
  async function cameraPicture(): Promise<Buffer> {
    const page = await browser.newPage();
    const base64 = await page.evaluate(() => {
      const canvas = document.createElement('canvas');
      canvas.width = 2400;
      canvas.height = 1800;
      const g = canvas.getContext('2d');
      const gradient = g.createLinearGradient(0, 0, 2400, 1800);
      gradient.addColorStop(0, '#3a7d44');
      gradient.addColorStop(1, '#f2c14e');
      g.fillStyle = gradient;
      g.fillRect(0, 0, 2400, 1800);
      g.fillStyle = '#fff';
      g.font = '200px sans-serif';
      g.fillText('入户照片', 600, 950);
      return canvas.toDataURL('image/png').split(',')[1] ?? '';
    });
    await page.close();
    return Buffer.from(base64, 'base64');
  }

  const outboxState = (page: Page, taskId: string) =>
    page.locator(`#outbox-list li[data-task="${taskId}"] .outbox-state`).textContent();

  it('a visit recorded offline with photos and a location waits as 待上传, then lands once when back online', {
    timeout: 180_000,
  }, async () => {
    const householdId = households[0] as string;
    const taskId = await leadersVisitTask(householdId);
    const picture = await cameraPicture();
    const { context, page } = await phoneWithKeptTasks([{ taskId, householdId }]);

    await context.setOffline(true);
    await openFormOffline(page, taskId);
    await page.waitForFunction(() =>
      document.getElementById('location-status')?.textContent?.includes('已获取'),
    );
    await page.fill('input[name=perCapitaIncomeYuan]', '6800');
    await page.setInputFiles('input[name=photos]', [
      { name: 'camera.png', mimeType: 'image/png', buffer: picture },
      { name: 'with-gps.jpg', mimeType: 'image/jpeg', buffer: withExifLocation() },
    ]);
    await page.waitForSelector('#photo-previews figure:nth-child(2)');
    await keepForReadme(await screenshot(page, 'leader-offline-form'), 'leader-offline-form.png');
    await page.click('#visit-form button[type=submit]');
    await page.waitForFunction(() =>
      document.getElementById('form-message')?.textContent?.includes('待上传'),
    );
    await page.waitForURL(/\/tasks$/);
    expect(await outboxState(page, taskId)).toBe('待上传');
    expect(await page.locator(`ul.tasks li.saved-offline[data-task="${taskId}"]`).count()).toBe(1);
    await keepForReadme(await screenshot(page, 'leader-offline-outbox'), 'leader-offline-outbox.png');
    expect(await server.stack.prisma.visitRecord.count({ where: { householdId } })).toBe(0);

    await context.setOffline(false);
    await page.waitForFunction(
      (id) =>
        document.querySelector(`#outbox-list li[data-task="${id}"] .outbox-state`)?.textContent === '已上传',
      taskId,
      { timeout: 60_000 },
    );
    const landed = async () =>
      server.stack.prisma.visitRecord.findMany({
        where: { householdId },
        include: { photos: { include: { photo: true }, orderBy: { position: 'asc' } }, location: true },
      });
    const visits = await landed();
    expect(visits).toHaveLength(1);
    const [visit] = visits;
    expect(visit?.perCapitaIncomeYuan.toNumber()).toBe(6800);
    expect(visit?.location).toMatchObject({
      latitude: HOME.latitude,
      longitude: HOME.longitude,
      accuracyMeters: HOME.accuracy,
    });
    expect(visit?.photos).toHaveLength(2);
    for (const { photo } of visit?.photos ?? []) {
      const bytes = Buffer.from(photo.data);
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(photo.sha256);
      expect(bytes.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8])); // a JPEG, resized on the phone
      expect(Math.max(photo.width, photo.height)).toBeLessThanOrEqual(1600);
      expect(bytes.includes(Buffer.from('Exif'))).toBe(false);
      expect(bytes.includes(Buffer.from('GPSLatitude'))).toBe(false);
    }
    expect(visit?.photos[0]?.photo).toMatchObject({ width: 1600, height: 1200 });

    // The same record sent again (a flaky connection, another open page): still one visit.
    const resent = await page.evaluate(async (id) => {
      const outbox = window.duzhanOutbox as DuzhanOutbox;
      const [entry] = (await outbox.all()).filter((e) => e.taskId === id);
      if (!entry) return undefined;
      return (await outbox.save({ ...entry })).state;
    }, taskId);
    expect(resent).toBe('sent');
    expect(await landed()).toHaveLength(1);

    // The household page shows the photos, which the browser fetches from the server.
    await page.goto(`${server.base}/households/${encodeURIComponent(householdId)}`);
    await page.waitForFunction(() =>
      [...document.querySelectorAll('#visit-evidence img')].every((img) => img.naturalWidth > 0),
    );
    expect(await page.locator('#visit-evidence img').count()).toBe(2);
    await context.close();
  });

  it('a visit saved offline for a task reassigned meanwhile comes back 被退回 with the reason, kept on the phone, nothing written', {
    timeout: 180_000,
  }, async () => {
    const householdId = households[1] as string;
    const taskId = await leadersVisitTask(householdId);
    const { cadres } = server.town;
    const { context, page } = await phoneWithKeptTasks([{ taskId, householdId }]);

    await context.setOffline(true);
    await openFormOffline(page, taskId);
    await page.fill('input[name=perCapitaIncomeYuan]', '7100');
    await page.click('#visit-form button[type=submit]');
    await page.waitForURL(/\/tasks$/);
    expect(await outboxState(page, taskId)).toBe('待上传');

    // Meanwhile, in the township: the household's 帮扶责任人 is replaced, the open task follows them.
    await reassign(householdId, cadres.assistance2, '原帮扶责任人调离');
    await eventually(() =>
      server.stack.prisma.task.findFirst({ where: { id: taskId, assigneeId: cadres.assistance2 } }),
    );

    await context.setOffline(false);
    await page.waitForFunction(
      (id) =>
        document.querySelector(`#outbox-list li[data-task="${id}"] .outbox-state`)?.textContent === '被退回',
      taskId,
      { timeout: 60_000 },
    );
    expect(await page.textContent(`#outbox-list li[data-task="${taskId}"] .outbox-reason`)).toBe(
      '只有该户的帮扶干部才能办理此任务',
    );
    const kept = await page.evaluate(async (id) => {
      const outbox = window.duzhanOutbox as DuzhanOutbox;
      return (await outbox.all()).filter((e) => e.taskId === id);
    }, taskId);
    expect(kept).toHaveLength(1);
    expect(kept[0]).toMatchObject({ state: 'refused', record: { perCapitaIncomeYuan: 7100 } });
    expect(await server.stack.prisma.visitRecord.count({ where: { householdId } })).toBe(0);
    expect(await server.stack.prisma.task.findUniqueOrThrow({ where: { id: taskId } })).toMatchObject({
      status: 'OPEN',
    });
    await context.close();
  });

  it('a leader cannot open another household’s photo by its URL', { timeout: 60_000 }, async () => {
    const other = await server.town.addHousehold();
    await server.stack.prisma.assignment.updateMany({
      where: { householdId: other },
      data: { cadreId: server.town.cadres.assistance2 },
    });
    const bytes = photoVariant(99);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    await server.stack.prisma.evidencePhoto.create({
      data: {
        sha256,
        householdId: other,
        uploadedBy: server.town.cadres.assistance2,
        contentType: 'image/jpeg',
        byteSize: bytes.length,
        width: 64,
        height: 48,
        data: new Uint8Array(bytes),
      },
    });
    const context = await browser.newContext({ viewport: { width: 375, height: 812 } });
    const page = await context.newPage();
    await logIn(page, server.base, server.users.LEADER.username, PASSWORD);
    const response = await page.goto(`${server.base}/api/photos/${sha256}`);
    expect(response?.status()).toBe(403);
    expect(await page.textContent('body')).not.toContain('JFIF');
    await context.close();
  });
});

interface DuzhanOutbox {
  all(): Promise<
    Array<{ id: string; taskId: string; state: string; record: { perCapitaIncomeYuan: number } }>
  >;
  save(entry: unknown): Promise<{ state: string }>;
}
