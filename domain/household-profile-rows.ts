// How a household's profile is stored in the read model: a few columns of `Household` and one
// `HouseholdMember` row per member. Used where the server itself writes the facts — registration,
// the ledger import, and the facts of a household not yet under a workflow; a running workflow's
// facts are written by its own activity.
import type { HouseholdProfile } from '../policy/household-profile.js';
import type { Prisma } from '../prisma/generated/client.js';

type Tx = Prisma.TransactionClient;

/** The profile's columns of `Household` (the members are rows of their own). */
export function profileColumns(profile: HouseholdProfile) {
  return {
    labourClass: profile.labourClass,
    causes: profile.causes,
    needs: profile.needs,
    plan: profile.plan,
    phone: profile.phone,
  };
}

/** Member ids follow the household and the member's place in the list: `<户编号>-01`, `-02`… */
export const memberId = (householdId: string, index: number) =>
  `${householdId}-${String(index + 1).padStart(2, '0')}`;

/** The member rows of these households' profiles, ready for `createMany`. */
export function memberRows(households: ReadonlyArray<{ id: string; members: HouseholdProfile['members'] }>) {
  return households.flatMap((h) =>
    h.members.map((m, i) => ({
      id: memberId(h.id, i),
      householdId: h.id,
      name: m.name,
      relation: m.relation,
      age: m.age,
      labourAbility: m.labourAbility,
      inSchool: m.inSchool,
      chronicIllness: m.chronicIllness,
    })),
  );
}

/** Replaces the household's member rows with the profile's members. */
export async function replaceMembers(tx: Tx, householdId: string, members: HouseholdProfile['members']) {
  await tx.householdMember.deleteMany({ where: { householdId } });
  await tx.householdMember.createMany({ data: memberRows([{ id: householdId, members }]) });
}

/** Writes a whole profile (columns and members) of a household not under a running workflow. */
export async function writeProfile(tx: Tx, householdId: string, profile: HouseholdProfile) {
  await tx.household.update({ where: { id: householdId }, data: profileColumns(profile) });
  await replaceMembers(tx, householdId, profile.members);
}
