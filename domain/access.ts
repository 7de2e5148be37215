// Who may do what, in one place. Pages (server/pages), the API's route table (server/api), the
// per-household read scoping and the completion of a task all ask this module; nothing else decides.
//
// An account acts in two ways at once:
// - as its cadre (`cadreId`): the 帮扶责任人 and the paired leader of a household may always see it and
//   complete its tasks, whatever their rank or capabilities (a 党委书记 paired with a household visits
//   it like anyone else);
// - through its capabilities: SUPERVISE (the township leadership: board, report, the closing steps
//   民主评议 / 公示异议 / 乡镇审核), APPROVE_COUNTY (县级审批 only) and ADMINISTER (admin pages and API).
//
// The rules are pure functions of the account; the read scoping asks the read model through the
// Prisma client it is given. Nothing here is imported at run time but DomainError, so a workflow's
// validator may use the pure rules (mayCompleteTask) too.
import type { PrismaClient } from '../db/client.js';
import type { ClosingStep, IdentificationStep } from '../policy/index.js';
import { DomainError } from './errors.js';

export const CAPABILITIES = ['SUPERVISE', 'APPROVE_COUNTY', 'ADMINISTER'] as const;
export type Capability = (typeof CAPABILITIES)[number];
export const CAPABILITY_LABELS: Record<Capability, string> = {
  SUPERVISE: '督战领导',
  APPROVE_COUNTY: '县级审批',
  ADMINISTER: '管理员',
};

/** The rank of a county approver's Cadre row: outside the township's ladder (CADRE_RANKS), never paired. */
export const COUNTY_APPROVER_RANK = 'COUNTY_APPROVER';

/** What every access decision looks at: the account's cadre, capabilities and password state. */
export interface Actor {
  cadreId: string | null;
  capabilities: readonly Capability[];
  mustChangePassword?: boolean;
}

const can = (actor: Actor, capability: Capability) => actor.capabilities.includes(capability);

/**
 * The named rules routes and pages are guarded by. Each says who may reach the endpoint or page at
 * all; which households an actor may see inside it is `householdScope`'s job.
 */
export const ACCESS_RULES = {
  /** Any signed-in account, even one that must still change its generated password. */
  ownAccount: () => true,
  /** Any account that may see some households: its cadre's, or more by its capabilities. */
  readHouseholds: (a: Actor) =>
    a.cadreId !== null || can(a, 'SUPERVISE') || can(a, 'APPROVE_COUNTY') || can(a, 'ADMINISTER'),
  /** Completing tasks: an account acting as a cadre (the domain then checks it is that household's). */
  ownWork: (a: Actor) => a.cadreId !== null,
  /** The whole township's picture: board, report, charts, cadres, ledger exports. */
  oversee: (a: Actor) => can(a, 'SUPERVISE') || can(a, 'ADMINISTER'),
  /** Deciding a closing step (which step: `mayDecideClosingStep`). */
  decideClosing: (a: Actor) => can(a, 'SUPERVISE') || can(a, 'APPROVE_COUNTY'),
  /** Editing a household's facts (members, labour, causes, needs, 一户一策): which one, `assertMayEditHousehold`. */
  editHousehold: (a: Actor) => can(a, 'ADMINISTER') || a.cadreId !== null,
  /** Registering, importing, reassigning, pausing, accounts, the village map. */
  administer: (a: Actor) => can(a, 'ADMINISTER'),
  /** Raising a 识别纳入 case: an admin, or a cadre for a village they cover (`assertMayRaiseIdentification`). */
  raiseIdentification: (a: Actor) => can(a, 'ADMINISTER') || a.cadreId !== null,
  /** Acting on a step of a 识别纳入 case (which step: `mayActOnIdentificationStep`). */
  actOnIdentification: (a: Actor) =>
    a.cadreId !== null || can(a, 'SUPERVISE') || can(a, 'APPROVE_COUNTY') || can(a, 'ADMINISTER'),
} as const satisfies Record<string, (actor: Actor) => boolean>;
export type AccessRule = keyof typeof ACCESS_RULES;

/** Who a rule admits, in words, for the OpenAPI document. */
export const ACCESS_RULE_LABELS: Record<AccessRule, string> = {
  ownAccount: '任何已登录账号（含尚未修改初始密码的）',
  readHouseholds: '帮扶干部（只看本人帮扶的农户）、督战领导、管理员、县级审批（退出程序中的农户）',
  ownWork: '关联干部的账号（只能办理本人帮扶农户的任务）',
  oversee: '督战领导、管理员',
  decideClosing: '督战领导（民主评议、公示异议、乡镇审核）、县级审批（只办县级审批）',
  editHousehold: '管理员、该户的帮扶干部',
  administer: '管理员',
  raiseIdentification: '管理员、帮扶干部（本人包联村的农户）',
  actOnIdentification:
    '入户核实：承办的帮扶责任人或管理员；信息比对、民主评议、乡镇审核、公示异议：督战领导或承办干部；县级审批：县级审批人',
};

export type AccessDecision = 'allowed' | 'unauthenticated' | 'mustChangePassword' | 'forbidden';

/** May this caller (undefined: nobody logged in) pass a route or page guarded by `rule`? */
export function decideAccess(rule: AccessRule, actor: Actor | undefined): AccessDecision {
  if (!actor) return 'unauthenticated';
  if (actor.mustChangePassword && rule !== 'ownAccount') return 'mustChangePassword';
  return ACCESS_RULES[rule](actor) ? 'allowed' : 'forbidden';
}

/** The messages a refused caller reads. */
export const ACCESS_MESSAGES = {
  unauthenticated: '请先登录',
  mustChangePassword: '请先修改初始密码',
  forbidden: '您的账号无权进行此操作',
  notYourHousehold: '这户不是您帮扶的农户',
  noCadre: '账号未关联干部，没有本人的任务',
  mayNotEditHousehold: '只有管理员和该户的帮扶干部才能修改农户信息',
  notYourTask: '只有该户的帮扶干部才能办理此任务',
  countyStepOnly: '县级审批人只能办理县级审批',
  countyStepNeedsApprover: '县级审批须由县级审批人办理',
  notYourVillage: '只能为本人包联村的农户提出识别纳入',
  identificationStepNotYours: '您不能办理这个识别纳入环节',
  objectionNeedsTownship: '公示异议由乡镇督战领导或管理员登记',
} as const;

/**
 * Who acts on a step of 识别纳入: the home check its 帮扶责任人 (an admin may enter a paper 排查表);
 * 信息比对, 民主评议 and 乡镇审核 the township leadership or the step's own cadre; 县级审批 only a
 * county approver. The 公示 has no decision: objections are recorded by the leadership or an admin.
 */
export function mayActOnIdentificationStep(
  actor: Actor,
  step: IdentificationStep,
  assigneeId: string | null,
): boolean {
  const own = actor.cadreId !== null && actor.cadreId === assigneeId;
  switch (step) {
    case 'COUNTY_APPROVAL':
      return can(actor, 'APPROVE_COUNTY');
    case 'HOME_CHECK':
      return own || can(actor, 'ADMINISTER');
    case 'PUBLIC_NOTICE':
      return can(actor, 'SUPERVISE') || can(actor, 'ADMINISTER');
    default:
      return own || can(actor, 'SUPERVISE');
  }
}

export function assertMayActOnIdentificationStep(
  actor: Actor,
  step: IdentificationStep,
  assigneeId: string | null,
) {
  if (mayActOnIdentificationStep(actor, step, assigneeId)) return;
  throw new DomainError(
    'FORBIDDEN',
    step === 'COUNTY_APPROVAL'
      ? ACCESS_MESSAGES.countyStepNeedsApprover
      : step === 'PUBLIC_NOTICE'
        ? ACCESS_MESSAGES.objectionNeedsTownship
        : ACCESS_MESSAGES.identificationStepNotYours,
  );
}

/** FORBIDDEN unless an admin, or a cadre who covers the village (a 帮扶责任人 or 包村领导 of it). */
export async function assertMayRaiseIdentification(prisma: PrismaClient, actor: Actor, villageId: string) {
  if (can(actor, 'ADMINISTER')) return;
  const covers = actor.cadreId
    ? await prisma.cadre.count({ where: { id: actor.cadreId, villages: { some: { id: villageId } } } })
    : 0;
  if (covers === 0) throw new DomainError('FORBIDDEN', ACCESS_MESSAGES.notYourVillage);
}

/**
 * Which 识别纳入 cases an actor may read: all (leadership, admins, county approvers), or a cadre's:
 * those of the villages they cover, those they raised and those with a step of theirs.
 */
export async function identificationCaseScope(
  prisma: PrismaClient,
  actor: Actor,
): Promise<'all' | { villageIds: string[]; cadreId: string }> {
  if (can(actor, 'SUPERVISE') || can(actor, 'ADMINISTER') || can(actor, 'APPROVE_COUNTY')) return 'all';
  if (!actor.cadreId) return { villageIds: [], cadreId: '' };
  const cadre = await prisma.cadre.findUnique({
    where: { id: actor.cadreId },
    select: { villages: { select: { id: true } } },
  });
  return { villageIds: (cadre?.villages ?? []).map((v) => v.id), cadreId: actor.cadreId };
}

/** 县级审批 belongs to the county approver; the township's steps and 公示 objections to the leadership. */
export function mayDecideClosingStep(actor: Actor, step: ClosingStep): boolean {
  return step === 'COUNTY_APPROVAL' ? can(actor, 'APPROVE_COUNTY') : can(actor, 'SUPERVISE');
}

export function assertMayDecideClosingStep(actor: Actor, step: ClosingStep): void {
  if (mayDecideClosingStep(actor, step)) return;
  throw new DomainError(
    'FORBIDDEN',
    step === 'COUNTY_APPROVAL' ? ACCESS_MESSAGES.countyStepNeedsApprover : ACCESS_MESSAGES.countyStepOnly,
  );
}

/**
 * A task may be completed by its assignee and by the household's current cadres (帮扶责任人 and
 * paired leader): a task moved by a reassignment is still theirs to finish.
 */
export function mayCompleteTask(
  cadreId: string | null,
  task: { assigneeId: string; householdCadreIds: readonly string[] },
): boolean {
  return cadreId !== null && (cadreId === task.assigneeId || task.householdCadreIds.includes(cadreId));
}

/** Which households an actor may read: all, or those of their cadre and (county approver) those closing. */
export type HouseholdScope = { all: true } | { all: false; cadreId: string | null; closing: boolean };

export function householdScope(actor: Actor): HouseholdScope {
  if (can(actor, 'SUPERVISE') || can(actor, 'ADMINISTER')) return { all: true };
  return { all: false, cadreId: actor.cadreId, closing: can(actor, 'APPROVE_COUNTY') };
}

/**
 * Which task list an actor gets: the township's open tasks (oversight only) or their cadre's own.
 * Without a request, oversight sees the township and a cadre their own.
 */
export function taskListScope(
  actor: Actor,
  requested?: 'mine' | 'all',
): { scope: 'all' } | { scope: 'mine'; cadreId: string } {
  const seesAll = householdScope(actor).all;
  const scope = requested ?? (seesAll ? 'all' : 'mine');
  if (scope === 'all') {
    if (!seesAll) throw new DomainError('FORBIDDEN', ACCESS_MESSAGES.forbidden);
    return { scope };
  }
  if (!actor.cadreId) throw new DomainError('FORBIDDEN', ACCESS_MESSAGES.noCadre);
  return { scope, cadreId: actor.cadreId };
}

/**
 * The households a cadre answers for: those where they hold an open assignment (帮扶责任人 or
 * paired leader) or have an open task.
 */
export async function householdsForCadre(prisma: PrismaClient, cadreId: string): Promise<string[]> {
  const [assigned, tasked] = await Promise.all([
    prisma.assignment.findMany({ where: { cadreId, to: null }, select: { householdId: true } }),
    prisma.task.findMany({
      where: { assigneeId: cadreId, status: 'OPEN' },
      select: { householdId: true },
      distinct: ['householdId'],
    }),
  ]);
  return [...new Set([...assigned, ...tasked].map((r) => r.householdId))].sort();
}

/** The ids an actor may read, or 'all'. Households in the closing procedure for a county approver. */
export async function readableHouseholds(prisma: PrismaClient, actor: Actor): Promise<'all' | Set<string>> {
  const scope = householdScope(actor);
  if (scope.all) return 'all';
  const ids = new Set(scope.cadreId ? await householdsForCadre(prisma, scope.cadreId) : []);
  if (scope.closing) {
    const closing = await prisma.household.findMany({ where: { status: 'CLOSING' }, select: { id: true } });
    for (const h of closing) ids.add(h.id);
  }
  return ids;
}

export async function mayReadHousehold(prisma: PrismaClient, actor: Actor, householdId: string) {
  const readable = await readableHouseholds(prisma, actor);
  return readable === 'all' || readable.has(householdId);
}

/** FORBIDDEN (403) unless the actor may read this household; call it after the household is found. */
export async function assertMayReadHousehold(prisma: PrismaClient, actor: Actor, householdId: string) {
  if (!(await mayReadHousehold(prisma, actor, householdId)))
    throw new DomainError('FORBIDDEN', ACCESS_MESSAGES.notYourHousehold);
}

/** Where an account lands after log-in: the board, the county's list, its own tasks, admin. */
export function homePath(actor: Actor): string {
  if (actor.mustChangePassword) return '/account/password';
  if (can(actor, 'SUPERVISE')) return '/board';
  if (can(actor, 'APPROVE_COUNTY')) return '/closing';
  if (actor.cadreId) return '/tasks';
  if (can(actor, 'ADMINISTER')) return '/admin';
  return '/account/password';
}

/** A short description of what an account is, for the page header and the account list. */
export function accountLabel(actor: Actor): string {
  const parts = actor.capabilities.map((c) => CAPABILITY_LABELS[c]);
  if (actor.cadreId) parts.unshift('帮扶干部');
  return parts.join('、') || '无权限';
}

/** FORBIDDEN unless an admin or one of the cadres who answer for the household (its facts, 一户一策). */
export async function assertMayEditHousehold(prisma: PrismaClient, actor: Actor, householdId: string) {
  if (can(actor, 'ADMINISTER')) return;
  const mine = actor.cadreId ? await householdsForCadre(prisma, actor.cadreId) : [];
  if (!mine.includes(householdId)) throw new DomainError('FORBIDDEN', ACCESS_MESSAGES.mayNotEditHousehold);
}
