// The 调度会 report's 识别纳入 section: over the report's period, cases found (raised), recognised and
// refused, and for each case that ended the days it took against the procedure's limit, counted as
// its policy counts them (calendar or working days, on the township's calendar).
import { townshipTimeZone } from '../../config/township-clock.js';
import type { PrismaClient } from '../../db/client.js';
import {
  FIRST_IDENTIFICATION_RULES,
  IDENTIFICATION_STATUS_LABELS,
  type IdentificationRules,
  type IdentificationStatus,
  identificationRules,
  policyRegistry,
  townshipDaysBetween,
} from '../../policy/index.js';
import { iso } from './shared.js';

export interface IdentificationReport {
  found: number;
  recognised: number;
  refused: number;
  /** Still open past the limit, whenever raised. */
  overLimitOpen: number;
  ended: Array<{
    caseId: string;
    number: string;
    headName: string;
    village: string;
    status: string;
    statusLabel: string;
    raisedAt: string;
    closedAt: string;
    daysTaken: number;
    limitDays: number;
    dayCountLabel: string;
    overLimit: boolean;
  }>;
}

/** The rules a case ran under: its built-in version's, else the first version's that had them. */
function rulesOf(version: string): IdentificationRules {
  const policy = policyRegistry.get(version);
  return policy ? identificationRules(policy) : FIRST_IDENTIFICATION_RULES;
}

export async function identificationReport(
  prisma: PrismaClient,
  args: { now: Date; since: Date },
): Promise<IdentificationReport> {
  const period = { gte: args.since, lte: args.now };
  const [found, ended, overLimitOpen] = await Promise.all([
    prisma.identificationCase.count({ where: { raisedAt: period } }),
    prisma.identificationCase.findMany({
      where: { status: { not: 'OPEN' }, closedAt: period },
      include: {
        household: { select: { number: true, headName: true, village: { select: { name: true } } } },
      },
      orderBy: [{ closedAt: 'asc' }, { id: 'asc' }],
      take: 500,
    }),
    prisma.identificationCase.count({ where: { status: 'OPEN', limitAt: { lt: args.now } } }),
  ]);
  const timeZone = townshipTimeZone();
  const rows = ended.map((c) => {
    const rules = rulesOf(c.policyVersion);
    const closedAt = c.closedAt ?? args.now;
    const daysTaken = townshipDaysBetween(iso(c.raisedAt), iso(closedAt), rules.dayCount, timeZone);
    return {
      caseId: c.id,
      number: c.household.number,
      headName: c.household.headName,
      village: c.household.village.name,
      status: c.status,
      statusLabel: IDENTIFICATION_STATUS_LABELS[c.status as IdentificationStatus] ?? c.status,
      raisedAt: iso(c.raisedAt),
      closedAt: iso(closedAt),
      daysTaken,
      limitDays: rules.totalLimitDays,
      dayCountLabel: rules.dayCount === 'WORKING' ? '工作日' : '自然日',
      overLimit: closedAt.getTime() > c.limitAt.getTime(),
    };
  });
  return {
    found,
    recognised: rows.filter((r) => r.status === 'RECOGNISED').length,
    refused: rows.filter((r) => r.status === 'REFUSED').length,
    overLimitOpen,
    ended: rows,
  };
}
