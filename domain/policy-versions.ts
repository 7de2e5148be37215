// Policy versions as data: drafted, checked by the same schema as the built-in ones, published. The
// highest published version is the current policy, which new supervisions start on. Workflows never
// read this table: they are handed the whole Policy value (at start, or by the upgradePolicy update).
import type { PrismaClient } from '../db/client.js';
import {
  comparePolicyVersions,
  latestPolicy,
  type Policy,
  PolicyValidationError,
  parsePolicy,
  policyRegistry,
  validatePolicy,
} from '../policy/index.js';
import { DomainError } from './errors.js';
import { diffPolicies, type PolicyChange } from './policy-diff.js';

export const POLICY_VERSION_STATUSES = ['DRAFT', 'PUBLISHED', 'RETIRED'] as const;
export type PolicyVersionStatus = (typeof POLICY_VERSION_STATUSES)[number];
export const POLICY_VERSION_STATUS_LABELS: Record<PolicyVersionStatus, string> = {
  DRAFT: '草稿',
  PUBLISHED: '已发布',
  RETIRED: '已停用',
};

export interface PolicyVersionRow {
  version: string;
  status: PolicyVersionStatus;
  statusLabel: string;
  note: string;
  createdAt: string;
  createdBy: string;
  publishedAt: string | null;
  publishedBy: string | null;
}

/** A version with its whole policy and what it changes against the one it follows. */
export interface PolicyVersionDetail extends PolicyVersionRow {
  policy: Policy;
  /** The current policy's version. */
  current: string;
  /** What `changes` compares against: the current version, or for the current one the published one before it. */
  comparedWith: string | null;
  changes: PolicyChange[];
}

const BUILT_IN_BY = 'system';

type StoredRow = Awaited<ReturnType<PrismaClient['policyVersion']['findFirstOrThrow']>>;

function toRow(row: StoredRow): PolicyVersionRow {
  const status = row.status as PolicyVersionStatus;
  return {
    version: row.version,
    status,
    statusLabel: POLICY_VERSION_STATUS_LABELS[status] ?? row.status,
    note: row.note,
    createdAt: row.createdAt.toISOString(),
    createdBy: row.createdBy,
    publishedAt: row.publishedAt?.toISOString() ?? null,
    publishedBy: row.publishedBy,
  };
}

/**
 * The built-in versions (policy/policy-registry.ts) as published rows; those already stored are left
 * as they are. Run at start-up after the migrations, so a new built-in version arrives with a deploy.
 */
export async function ensureBuiltInPolicies(prisma: PrismaClient): Promise<void> {
  const now = new Date();
  await prisma.policyVersion.createMany({
    data: [...policyRegistry.values()].map((policy) => ({
      version: policy.version,
      body: policy as object,
      status: 'PUBLISHED',
      note: '内置版本',
      createdAt: now,
      createdBy: BUILT_IN_BY,
      publishedAt: now,
      publishedBy: BUILT_IN_BY,
    })),
    skipDuplicates: true,
  });
}

const highest = <T extends { version: string }>(rows: readonly T[]): T | undefined =>
  rows.reduce<T | undefined>(
    (best, row) => (!best || comparePolicyVersions(row.version, best.version) > 0 ? row : best),
    undefined,
  );

/** The highest published version; the newest built-in one while nothing is stored yet. */
export async function currentPolicy(prisma: PrismaClient): Promise<Policy> {
  const published = await prisma.policyVersion.findMany({
    where: { status: 'PUBLISHED' },
    select: { version: true, body: true },
  });
  const top = highest(published);
  return top ? parsePolicy(top.body) : latestPolicy();
}

/** How a household's policy is found: by the version it runs on, among the stored and built-in ones. */
export type PolicyLookup = (version: string | null) => Policy;

/**
 * Reads the published (and retired) versions once, for queries that judge many households each on
 * its own version; an unknown or missing version is judged on the current policy.
 */
export async function policyLookup(prisma: PrismaClient): Promise<PolicyLookup> {
  const rows = await prisma.policyVersion.findMany({
    where: { status: { in: ['PUBLISHED', 'RETIRED'] } },
    select: { version: true, body: true, status: true },
  });
  const stored = new Map(rows.map((row) => [row.version, parsePolicy(row.body)]));
  const top = highest(rows.filter((row) => row.status === 'PUBLISHED'));
  const current = (top && stored.get(top.version)) ?? latestPolicy();
  return (version) => (version ? (stored.get(version) ?? policyRegistry.get(version)) : undefined) ?? current;
}

/** Every stored version, newest first. */
export async function listPolicyVersions(prisma: PrismaClient): Promise<PolicyVersionRow[]> {
  const rows = await prisma.policyVersion.findMany();
  return rows.map(toRow).sort((a, b) => comparePolicyVersions(b.version, a.version));
}

async function storedVersion(prisma: PrismaClient, version: string): Promise<StoredRow> {
  const row = await prisma.policyVersion.findUnique({ where: { version } });
  if (!row) throw new DomainError('NOT_FOUND', `没有版本为 ${version} 的督战策略`);
  return row;
}

/**
 * One stored version, its policy, and its changes against the current policy; the current one is
 * compared with the highest published version below it.
 */
export async function policyVersionDetail(
  prisma: PrismaClient,
  version: string,
): Promise<PolicyVersionDetail> {
  const row = await storedVersion(prisma, version);
  const policy = parsePolicy(row.body);
  const current = await currentPolicy(prisma);
  let base: Policy | undefined = current;
  if (current.version === version) {
    const below = await prisma.policyVersion.findMany({
      where: { status: 'PUBLISHED' },
      select: { version: true, body: true },
    });
    const previous = highest(below.filter((r) => comparePolicyVersions(r.version, version) < 0));
    base = previous ? parsePolicy(previous.body) : undefined;
  }
  return {
    ...toRow(row),
    policy,
    current: current.version,
    comparedWith: base?.version ?? null,
    changes: base ? diffPolicies(base, policy) : [],
  };
}

/** The policy of a published version, to hand to workflows; CONFLICT for a draft or a retired one. */
export async function publishedPolicy(prisma: PrismaClient, version: string): Promise<Policy> {
  const row = await storedVersion(prisma, version);
  if (row.status !== 'PUBLISHED')
    throw new DomainError('CONFLICT', `督战策略 ${version} 尚未发布，不能用于升级`);
  return parsePolicy(row.body);
}

export interface DraftInput {
  /** The whole policy, as an admin typed it (checked here by policySchema). */
  body: unknown;
  note?: string | undefined;
  by: string;
}

/**
 * Stores a new draft. Throws PolicyValidationError (every problem, in Chinese) when the body is not
 * a valid policy or its version is not above the current one, and stores nothing; CONFLICT when a
 * version of that number exists already.
 */
export async function draftPolicyVersion(
  prisma: PrismaClient,
  input: DraftInput,
): Promise<PolicyVersionDetail> {
  const checked = validatePolicy(input.body);
  if (!checked.ok) throw new PolicyValidationError(checked.issues);
  const policy = checked.value;
  const current = await currentPolicy(prisma);
  if (
    await prisma.policyVersion.findUnique({ where: { version: policy.version }, select: { version: true } })
  )
    throw new DomainError('CONFLICT', `版本号 ${policy.version} 已经存在，请换一个新的版本号`);
  if (comparePolicyVersions(policy.version, current.version) <= 0)
    throw new PolicyValidationError([
      { path: 'version', message: `新版本号必须高于现行版本 ${current.version}` },
    ]);
  try {
    await prisma.policyVersion.create({
      data: {
        version: policy.version,
        body: policy as object,
        status: 'DRAFT',
        note: input.note ?? '',
        createdBy: input.by,
      },
    });
  } catch (error) {
    if ((error as { code?: string }).code === 'P2002')
      throw new DomainError('CONFLICT', `版本号 ${policy.version} 已经存在，请换一个新的版本号`);
    throw error;
  }
  return policyVersionDetail(prisma, policy.version);
}

/**
 * Publishes a draft: from now on it is the current policy (new supervisions start on it). Running
 * households move to it only through a policy upgrade. CONFLICT unless it is a draft above every
 * published version.
 */
export async function publishPolicyVersion(
  prisma: PrismaClient,
  version: string,
  by: string,
): Promise<PolicyVersionDetail> {
  const row = await storedVersion(prisma, version);
  if (row.status !== 'DRAFT') throw new DomainError('CONFLICT', `督战策略 ${version} 不是草稿，不能再发布`);
  const current = await currentPolicy(prisma);
  if (comparePolicyVersions(version, current.version) <= 0)
    throw new DomainError(
      'CONFLICT',
      `已发布的现行版本 ${current.version} 高于 ${version}，不能发布较低的版本`,
    );
  const published = await prisma.policyVersion.updateMany({
    where: { version, status: 'DRAFT' },
    data: { status: 'PUBLISHED', publishedAt: new Date(), publishedBy: by },
  });
  if (published.count !== 1) throw new DomainError('CONFLICT', `督战策略 ${version} 不是草稿，不能再发布`);
  return policyVersionDetail(prisma, version);
}
