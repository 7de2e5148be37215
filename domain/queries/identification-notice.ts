// The 公示 of 识别纳入, per village: the cases under public notice with what a notice may show —
// the head's name, the village and the reason — and nothing more. The query selects only those
// columns (never the phone, members' health, bank or ID numbers), and the reason, typed by people,
// has anything shaped like an ID card, phone or bank account number masked before it is shown.
import type { PrismaClient } from '../../db/client.js';
import { iso } from './shared.js';

export interface NoticeRow {
  caseId: string;
  headName: string;
  village: string;
  reason: string;
  /** When the notice came up and when it comes down (objections are recorded until then). */
  startedAt: string;
  endsAt: string;
}

export interface VillageNotice {
  village: { id: string; name: string };
  rows: NoticeRow[];
}

// 15–19 digits (ID card, bank card), an 11-digit mobile, a landline with its area code: any run of
// 7 or more digits (with spaces or dashes between) is masked but its last two digits.
const NUMBER_RUN = /\d(?:[\d\s-]{5,}\d)[Xx]?/g;

/** The reason as a notice may print it: digit runs that could identify or reach a person masked. */
export function noticeReason(reason: string): string {
  return reason.replace(NUMBER_RUN, (run) => {
    const digits = run.replace(/[\s-]/g, '');
    if (digits.replace(/[Xx]$/, '').length < 7) return run;
    return `${'*'.repeat(Math.max(0, digits.length - 2))}${digits.slice(-2)}`;
  });
}

/** The villages with a case under notice now, or the one asked for (even with none). */
export async function identificationNotices(
  prisma: PrismaClient,
  args: { villageId?: string },
): Promise<VillageNotice[]> {
  const steps = await prisma.identificationCaseStep.findMany({
    where: {
      step: 'PUBLIC_NOTICE',
      completedAt: null,
      case: { status: 'OPEN', ...(args.villageId ? { household: { villageId: args.villageId } } : {}) },
    },
    select: {
      startedAt: true,
      dueAt: true,
      case: {
        select: {
          id: true,
          reason: true,
          household: { select: { headName: true, village: { select: { id: true, name: true } } } },
        },
      },
    },
    orderBy: [{ startedAt: 'asc' }, { caseId: 'asc' }],
  });
  const byVillage = new Map<string, VillageNotice>();
  if (args.villageId) {
    const village = await prisma.village.findUnique({
      where: { id: args.villageId },
      select: { id: true, name: true },
    });
    if (village) byVillage.set(village.id, { village, rows: [] });
  }
  for (const s of steps) {
    const village = s.case.household.village;
    const notice = byVillage.get(village.id) ?? { village, rows: [] };
    byVillage.set(village.id, notice);
    notice.rows.push({
      caseId: s.case.id,
      headName: s.case.household.headName,
      village: village.name,
      reason: noticeReason(s.case.reason),
      startedAt: iso(s.startedAt),
      endsAt: iso(s.dueAt),
    });
  }
  return [...byVillage.values()].sort((a, b) => a.village.name.localeCompare(b.village.name, 'zh-CN'));
}
