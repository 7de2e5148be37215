import { randomUUID } from 'node:crypto';
import type { PrismaClient } from '../../db/client.js';
import type { HouseholdCategory, LabourClass } from '../../policy/index.js';

/**
 * A small township of its own for one test file: a village (its 包村领导 and 分管负责人 mapped), one
 * cadre of each leadership rank, a county approver and two 帮扶责任人, with ids suffixed so files sharing the database never see each other's rows.
 * The ladder's leaders are looked up by rank, so each fixture's leaders are made the only active ones
 * of their rank while its test runs (`activate`).
 */
export interface TownshipFixture {
  suffix: string;
  villageId: string;
  cadres: {
    assistance: string;
    assistance2: string;
    villageLeader: string;
    leaderInCharge: string;
    townshipHead: string;
    partySecretary: string;
    /** A 县级审批人 (rank COUNTY_APPROVER, kept off the township's ladder). */
    countyApprover: string;
  };
  addHousehold(options?: {
    category?: HouseholdCategory;
    labourClass?: LabourClass;
    members?: Array<{ age: number; labourAbility: 'FULL' | 'PARTIAL' | 'NONE' }>;
  }): Promise<string>;
  /**
   * A household of one in a village of its own with no 帮扶责任人 and none assigned: its pairing cannot
   * be made until one is added to the village.
   */
  addHouseholdInVillageWithoutCadre(): Promise<{ householdId: string; villageId: string }>;
  /** Makes this fixture's leaders the only active leaders, so pairing and the ladder use them. */
  activate(): Promise<void>;
}

export async function createTownshipFixture(prisma: PrismaClient): Promise<TownshipFixture> {
  const suffix = randomUUID().slice(0, 8);
  const villageId = `v-${suffix}`;
  await prisma.village.create({ data: { id: villageId, name: `测试村${suffix}`, isPoor: true } });
  const cadre = async (key: string, rank: string, name: string) => {
    const id = `${key}-${suffix}`;
    await prisma.cadre.create({
      data: { id, name, email: `${id}@duzhan.example`, rank, villages: { connect: [{ id: villageId }] } },
    });
    return id;
  };
  const cadres = {
    assistance: await cadre('assist', 'ASSISTANCE_CADRE', '张帮扶'),
    assistance2: await cadre('assist2', 'ASSISTANCE_CADRE', '李接替'),
    villageLeader: await cadre('village', 'VILLAGE_LEADER', '王包村'),
    leaderInCharge: await cadre('charge', 'LEADER_IN_CHARGE', '赵分管'),
    townshipHead: await cadre('head', 'TOWNSHIP_HEAD', '钱乡长'),
    partySecretary: await cadre('secretary', 'PARTY_SECRETARY', '孙书记'),
    countyApprover: await cadre('county', 'COUNTY_APPROVER', '周县审'),
  };
  // The village's own 包村领导 and 分管负责人 (the map escalation, pairing and closing follow).
  await prisma.village.update({
    where: { id: villageId },
    data: { villageLeaderId: cadres.villageLeader, leaderInChargeId: cadres.leaderInCharge },
  });
  const ids = Object.values(cadres);
  let serial = 0;
  return {
    suffix,
    villageId,
    cadres,
    async addHousehold(options = {}) {
      serial += 1;
      const id = `H${suffix}${String(serial).padStart(3, '0')}`;
      const members = options.members ?? [
        { age: 45, labourAbility: 'FULL' },
        { age: 43, labourAbility: 'FULL' },
        { age: 12, labourAbility: 'NONE' },
      ];
      await prisma.household.create({
        data: {
          id,
          number: id,
          headName: '户主',
          villageId,
          category: options.category ?? 'MARGINAL',
          labourClass: options.labourClass ?? 'CLASS_1',
          members: {
            create: members.map((m, i) => ({
              id: `${id}-m${i}`,
              name: `成员${i}`,
              age: m.age,
              labourAbility: m.labourAbility,
            })),
          },
          assignments: {
            create: [
              {
                id: `seed/${id}/ASSISTANCE`,
                cadreId: cadres.assistance,
                role: 'ASSISTANCE',
                from: new Date(0),
              },
            ],
          },
        },
      });
      return id;
    },
    async addHouseholdInVillageWithoutCadre() {
      serial += 1;
      const villageId = `v-nocadre-${suffix}-${serial}`;
      const householdId = `Hnocadre${suffix}${String(serial).padStart(3, '0')}`;
      await prisma.village.create({
        data: { id: villageId, name: `无帮扶村${suffix}-${serial}`, isPoor: false },
      });
      await prisma.household.create({
        data: {
          id: householdId,
          number: householdId,
          headName: '户主',
          villageId,
          category: 'MARGINAL',
          labourClass: 'CLASS_1',
          members: { create: [{ id: `${householdId}-m0`, name: '成员0', age: 40, labourAbility: 'FULL' }] },
        },
      });
      return { householdId, villageId };
    },
    async activate() {
      await prisma.cadre.updateMany({
        where: { rank: { not: 'ASSISTANCE_CADRE' }, id: { notIn: ids } },
        data: { active: false },
      });
      await prisma.cadre.updateMany({ where: { id: { in: ids } }, data: { active: true } });
    },
  };
}
