import type { PrismaClient } from '../../db/client.js';
import { ACCESS_RULES, type Actor } from '../../domain/access.js';
import { HOUSEHOLD_CATEGORIES, HOUSEHOLD_CATEGORY_LABELS } from '../../policy/index.js';
import { rankLabel, supervisionEnded } from '../../policy/vocabulary.js';

/**
 * What the household page offers an admin on this household (reassign, category, pause / resume /
 * end, shock, 回退), instead of /admin forms that ask for the 户编号. The same rule (`administer`)
 * guards the API routes the forms post to; nobody else gets the forms.
 */
export async function householdActions(
  prisma: PrismaClient,
  actor: Actor | undefined,
  household: { status: string },
) {
  if (!actor || !ACCESS_RULES.administer(actor)) return null;
  const cadres = await prisma.cadre.findMany({
    where: { active: true },
    orderBy: [{ name: 'asc' }, { id: 'asc' }],
    select: { id: true, name: true, rank: true },
  });
  return {
    cadres: cadres.map((c) => ({ id: c.id, name: c.name, rankLabel: rankLabel(c.rank) })),
    categories: HOUSEHOLD_CATEGORIES.map((key) => ({ key, label: HOUSEHOLD_CATEGORY_LABELS[key] })),
    ended: supervisionEnded(household.status),
  };
}
