// Moving running households to the current policy: one `policy-upgrade-<version>` workflow per
// version walks them (see workflows/policy-upgrade/). Started again, it goes on where it stopped.
import { WorkflowNotFoundError } from '@temporalio/client';
import type { HouseholdCategory } from '../policy/index.js';
import {
  type PolicyUpgradeProgress,
  type PolicyUpgradeSelection,
  policyUpgradeProgressQuery,
  policyUpgradeWorkflowId,
} from '../workflows/policy-upgrade/definitions.js';
import { policyUpgradeWorkflow } from '../workflows/policy-upgrade/workflow.js';
import { DomainError } from './errors.js';
import { currentPolicy, listPolicyVersions, publishedPolicy } from './policy-versions.js';
import type { SupervisionDeps } from './supervision.js';

export interface StartUpgradeInput {
  version: string;
  villageIds?: string[] | undefined;
  categories?: HouseholdCategory[] | undefined;
  by: string;
  /** Tuning of the walk (see PolicyUpgradeInput); the defaults suit a township. */
  pageSize?: number;
  continueAsNewEvery?: number;
}

export interface PolicyUpgradeStatus {
  version: string;
  workflowId: string;
  /** Temporal's status of the latest run: RUNNING, COMPLETED, TERMINATED, … */
  status: string;
  statusLabel: string;
  /** The progress; null when it cannot be read (a stopped run, no worker to answer). */
  progress: PolicyUpgradeProgress | null;
}

const STATUS_LABELS: Record<string, string> = {
  RUNNING: '进行中',
  COMPLETED: '已完成',
  TERMINATED: '已中止（可重新启动以继续）',
  CANCELLED: '已取消（可重新启动以继续）',
  FAILED: '出错（可重新启动以继续）',
  TIMED_OUT: '超时（可重新启动以继续）',
};

/**
 * Starts (or resumes) the upgrade of the running households, all or those of the chosen villages
 * and categories, to the current policy. When that upgrade is running already, it is left to go on
 * and `alreadyRunning` is true.
 */
export async function startPolicyUpgrade(
  deps: SupervisionDeps,
  input: StartUpgradeInput,
): Promise<PolicyUpgradeStatus & { alreadyRunning: boolean }> {
  const policy = await publishedPolicy(deps.prisma, input.version);
  const current = await currentPolicy(deps.prisma);
  if (current.version !== policy.version)
    throw new DomainError('CONFLICT', `只能把在督农户升级到现行版本 ${current.version}`);
  const villageIds = [...new Set(input.villageIds ?? [])];
  if (villageIds.length) {
    const known = await deps.prisma.village.count({ where: { id: { in: villageIds } } });
    if (known !== villageIds.length) throw new DomainError('NOT_FOUND', '所选的村有不存在的');
  }
  const selection: PolicyUpgradeSelection = {
    ...(villageIds.length ? { villageIds } : {}),
    ...(input.categories?.length ? { categories: [...new Set(input.categories)] } : {}),
  };
  const workflowId = policyUpgradeWorkflowId(policy.version);
  const before = await upgradeStatus(deps, policy.version);
  const alreadyRunning = before?.status === 'RUNNING';
  if (!alreadyRunning) {
    await deps.temporal.workflow.start(policyUpgradeWorkflow, {
      workflowId,
      taskQueue: deps.taskQueue,
      args: [
        {
          policy,
          selection,
          by: input.by,
          ...(input.pageSize ? { pageSize: input.pageSize } : {}),
          ...(input.continueAsNewEvery ? { continueAsNewEvery: input.continueAsNewEvery } : {}),
        },
      ],
      // A finished or stopped upgrade may run again (it skips households already upgraded); a
      // running one is never doubled.
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
  }
  const status = await upgradeStatus(deps, policy.version);
  if (!status) throw new Error(`${workflowId} was started but cannot be found`);
  return { ...status, alreadyRunning };
}

/** A stopped run answers a query only once a worker replays it: the page does not wait long for that. */
const QUERY_WAIT_MS = 5_000;

async function answerWithin<T>(ms: number, answer: Promise<T>): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), ms);
  });
  try {
    return await Promise.race([answer.catch(() => null), late]);
  } finally {
    clearTimeout(timer);
  }
}

async function upgradeStatus(
  deps: SupervisionDeps,
  version: string,
): Promise<PolicyUpgradeStatus | undefined> {
  const workflowId = policyUpgradeWorkflowId(version);
  const handle = deps.temporal.workflow.getHandle(workflowId);
  let status: string;
  try {
    status = (await handle.describe()).status.name;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return undefined;
    throw error;
  }
  let progress: PolicyUpgradeProgress | null = null;
  if (status === 'COMPLETED') progress = await handle.result();
  else progress = await answerWithin(QUERY_WAIT_MS, handle.query(policyUpgradeProgressQuery));
  return { version, workflowId, status, statusLabel: STATUS_LABELS[status] ?? status, progress };
}

/** The upgrade to a version: its status and progress; NOT_FOUND when it was never started. */
export async function policyUpgradeStatus(
  deps: SupervisionDeps,
  version: string,
): Promise<PolicyUpgradeStatus> {
  const status = await upgradeStatus(deps, version);
  if (!status) throw new DomainError('NOT_FOUND', `督战策略 ${version} 还没有启动过升级`);
  return status;
}

/** Every upgrade ever started, newest version first. */
export async function listPolicyUpgrades(deps: SupervisionDeps): Promise<PolicyUpgradeStatus[]> {
  const published = (await listPolicyVersions(deps.prisma)).filter((v) => v.status === 'PUBLISHED');
  const statuses = await Promise.all(published.map((v) => upgradeStatus(deps, v.version)));
  return statuses.filter((s): s is PolicyUpgradeStatus => s !== undefined);
}
