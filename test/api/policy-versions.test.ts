import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PolicyVersionDetail } from '../../domain/policy-versions.js';
import { currentPolicy } from '../../domain/policy-versions.js';
import { startSupervision } from '../../domain/supervision.js';
import type { Policy } from '../../policy/index.js';
import {
  completeTaskUpdate,
  householdWorkflowId,
  stateQuery,
} from '../../workflows/household/definitions.js';
import type { PolicyUpgradeProgress } from '../../workflows/policy-upgrade/definitions.js';
import { type AppServer, startAppServer } from '../helpers/app-server.js';
import type { ApiClient } from '../helpers/http-client.js';
import { eventually } from '../helpers/real-stack.js';
import { compliantRecord } from '../helpers/visit-records.js';

// Far above any built-in version, so it is the highest whatever versions the code ships with.
const VERSION = '2099.1';
type ApiError = {
  error: { code: string; message: string; details?: Array<{ path: string; message: string }> };
};
type UpgradeStatus = { status: string; progress: PolicyUpgradeProgress | null; alreadyRunning?: boolean };

// The real app, Temporal and PostgreSQL. The database is shared with the other files, so the
// version published here is removed again at the end: their households start on the built-in ones.
describe('policy versions as data: draft, diff, publish, upgrade', () => {
  let server: AppServer;
  let admin: ApiClient;
  let before: Policy;
  /** Households under supervision before the new version is published: latest income 4,200 and 6,500. */
  const running: { low: string; high: string } = { low: '', high: '' };
  let startedAfterPublishing = '';

  const householdState = (id: string) =>
    server.stack.temporal.workflow.getHandle(householdWorkflowId(id)).query(stateQuery);
  const supervised = (id: string) =>
    eventually(async () => {
      const h = await server.stack.prisma.household.findUnique({ where: { id } });
      return h?.status === 'SUPERVISED' ? h : undefined;
    }, 60_000);
  const upgradeRows = (householdId: string) =>
    server.stack.prisma.auditLog.count({ where: { householdId, action: 'POLICY_UPGRADED' } });
  const completedUpgrade = () =>
    eventually(async () => {
      const res = await admin.json<UpgradeStatus>('GET', `/api/policy/upgrades/${VERSION}`);
      return res.body.status === 'COMPLETED' ? res.body : undefined;
    }, 60_000);

  beforeAll(async () => {
    server = await startAppServer();
    admin = await server.client('ADMIN');
    before = await currentPolicy(server.stack.prisma);
    const visitWithIncome = async (perCapitaIncomeYuan: number) => {
      const id = await server.town.addHousehold();
      expect(await startSupervision(server.stack, id)).toBe(true);
      const visit = await eventually(
        async () => (await householdState(id)).openTasks.find((t) => t.kind === 'VISIT'),
        60_000,
      );
      await server.stack.temporal.workflow
        .getHandle(householdWorkflowId(id))
        .executeUpdate(completeTaskUpdate, {
          args: [
            {
              taskId: visit.id,
              byCadreId: visit.assigneeId,
              record: compliantRecord(visit.assigneeId, visit.openedAt, { perCapitaIncomeYuan }),
            },
          ],
        });
      return id;
    };
    running.low = await visitWithIncome(4200);
    running.high = await visitWithIncome(6500);
  });
  afterAll(async () => {
    await server?.stack.prisma.policyVersion.deleteMany({ where: { version: VERSION } });
    await server?.close();
  });

  it('refuses a draft that is not a valid policy: 400, every problem in Chinese, nothing stored', async () => {
    const stored = await server.stack.prisma.policyVersion.count();
    const bad = await admin.json<ApiError>('POST', '/api/policy/versions', {
      policy: {
        ...before,
        version: VERSION,
        incomeLineYuanPerPersonYear: -4500,
        visitEveryDays: { ...before.visitEveryDays, UNLIFTED: '两周' },
        unknownRule: 1,
      },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('invalid_policy');
    expect(bad.body.error.message).toMatch(/^督战策略有误：/);
    const paths = bad.body.error.details?.map((d) => d.path);
    expect(paths).toEqual(expect.arrayContaining(['incomeLineYuanPerPersonYear', 'visitEveryDays.UNLIFTED']));
    expect(bad.body.error.details?.find((d) => d.path === 'incomeLineYuanPerPersonYear')?.message).toBe(
      '收入线必须大于 0 元',
    );
    expect(bad.body.error.message).toContain('无法识别的字段：unknownRule');

    const notAbove = await admin.json<ApiError>('POST', '/api/policy/versions', {
      policy: { ...before, version: '2000.1' },
    });
    expect(notAbove.status).toBe(400);
    expect(notAbove.body.error.message).toContain(`新版本号必须高于现行版本 ${before.version}`);

    const notAPolicy = await admin.json<ApiError>('POST', '/api/policy/versions', { policy: '收入线 4500' });
    expect(notAPolicy.status).toBe(400);
    expect(notAPolicy.body.error.message).toBe('请提交完整的督战策略（JSON 对象）');

    expect(await server.stack.prisma.policyVersion.count()).toBe(stored);
  });

  it('stores a draft and answers, field by field, what it changes against the current policy', async () => {
    const drafted = await admin.json<PolicyVersionDetail>('POST', '/api/policy/versions', {
      policy: {
        ...before,
        version: VERSION,
        incomeLineYuanPerPersonYear: 4500,
        measureCaps: { ...before.measureCaps, INDUSTRY_SUBSIDY: { perHouseholdYuan: 35000 } },
      },
      note: '2099 年收入线上调',
    });
    expect(drafted.status).toBe(201);
    expect(drafted.body).toMatchObject({ version: VERSION, status: 'DRAFT', comparedWith: before.version });
    expect(drafted.body.changes).toEqual([
      { path: 'version', label: '版本号', from: before.version, to: VERSION },
      { path: 'incomeLineYuanPerPersonYear', label: '收入线（元/人/年）', from: '4,000', to: '4,500' },
      {
        path: 'measureCaps.INDUSTRY_SUBSIDY.perHouseholdYuan',
        label: expect.stringMatching(/^资金上限 · .+ · 每户上限（元）$/),
        from: '30,000',
        to: '35,000',
      },
    ]);
    // A draft changes nothing yet.
    expect((await currentPolicy(server.stack.prisma)).version).toBe(before.version);

    for (const version of [VERSION, before.version]) {
      const again = await admin.json<ApiError>('POST', '/api/policy/versions', {
        policy: { ...before, version },
      });
      expect(again.status).toBe(409);
      expect(again.body.error.message).toBe(`版本号 ${version} 已经存在，请换一个新的版本号`);
    }

    const page = await (await admin.raw('GET', '/admin/policy')).text();
    expect(page).toContain(`草稿 ${VERSION} 与现行版本 ${before.version} 的不同`);
    expect(page).toContain('<td><strong>4,500</strong></td>');
  });

  it('publishes the draft: new supervisions start on it, running ones keep theirs', async () => {
    const published = await admin.json<PolicyVersionDetail>(
      'POST',
      `/api/policy/versions/${VERSION}/publish`,
    );
    expect(published.status).toBe(200);
    expect(published.body).toMatchObject({
      status: 'PUBLISHED',
      current: VERSION,
      comparedWith: before.version,
    });
    expect(published.body.publishedBy).toBe(server.users.ADMIN.id);
    const twice = await admin.json<ApiError>('POST', `/api/policy/versions/${VERSION}/publish`);
    expect(twice.status).toBe(409);

    startedAfterPublishing = await server.town.addHousehold();
    expect(await startSupervision(server.stack, startedAfterPublishing)).toBe(true);
    await supervised(startedAfterPublishing);
    expect((await householdState(startedAfterPublishing)).policy.version).toBe(VERSION);
    expect((await householdState(running.low)).policy.version).toBe(before.version);
  });

  it('upgrades the running households of a village through one workflow, each once, resumable', async () => {
    const refused = await admin.json<ApiError>('POST', '/api/policy/upgrades', {});
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toBe('请选择要升级到的策略版本');
    const older = await admin.json<ApiError>('POST', '/api/policy/upgrades', { version: before.version });
    expect(older.status).toBe(409);
    expect(older.body.error.message).toBe(`只能把在督农户升级到现行版本 ${VERSION}`);
    const noVillage = await admin.json<ApiError>('POST', '/api/policy/upgrades', {
      version: VERSION,
      villageIds: ['no-such-village'],
    });
    expect(noVillage.status).toBe(404);

    const started = await admin.json<UpgradeStatus>('POST', '/api/policy/upgrades', {
      version: VERSION,
      villageIds: [server.town.villageId],
    });
    expect(started.status).toBe(202);
    const done = await completedUpgrade();
    expect(done.progress).toMatchObject({ total: 3, done: 3, upgraded: 2, failed: 0, failures: [] });
    for (const id of [running.low, running.high]) {
      expect((await householdState(id)).policy.version).toBe(VERSION);
      expect(await upgradeRows(id)).toBe(1);
    }
    expect(await upgradeRows(startedAfterPublishing)).toBe(0);

    // Started again (as after a stop), it finds nothing left to do and upgrades nobody twice.
    const again = await admin.json<UpgradeStatus>('POST', '/api/policy/upgrades', {
      version: VERSION,
      villageIds: [server.town.villageId],
    });
    expect(again.status).toBe(202);
    const redone = await eventually(async () => {
      const status = await completedUpgrade();
      return status.progress?.upgraded === 0 ? status : undefined;
    });
    expect(redone.progress).toMatchObject({ total: 3, done: 3, failed: 0 });
    expect(await upgradeRows(running.low)).toBe(1);

    const page = await (await admin.raw('GET', '/admin/policy')).text();
    expect(page).toMatch(
      new RegExp(`<td>${VERSION.replace('.', '\\.')}</td><td>已完成</td>\\s*<td>3 / 3</td>`),
    );
  });

  // The household's upgradePolicy handler re-judges the latest income against the new line.
  it('a published income line of 4,500 opens a follow-up where the latest income is under it', async () => {
    const low = await householdState(running.low);
    expect(
      low.openTasks.filter((t) => t.kind === 'FOLLOW_UP' && t.findingKind === 'INCOME_BELOW_LINE'),
    ).toHaveLength(1);
    const high = await householdState(running.high);
    expect(high.openTasks.filter((t) => t.kind === 'FOLLOW_UP')).toEqual([]);
  });
});
