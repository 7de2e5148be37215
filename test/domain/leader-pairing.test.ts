import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAssignmentActivities } from '../../activities/assignment.js';
import { connectRealStack, type RealStack } from '../helpers/real-stack.js';
import { createTownshipFixture, type TownshipFixture } from '../helpers/township-fixture.js';

// 双帮扶制: each household is paired one-to-one with a township leader, balanced over the leaders'
// current load (DESIGN "Data flow" 2). The assignment activity against the real PostgreSQL.
describe('pairing a household with the least-loaded township leader', () => {
  let stack: RealStack;
  let town: TownshipFixture;

  beforeAll(async () => {
    stack = await connectRealStack();
    town = await createTownshipFixture(stack.prisma);
    await town.activate(); // this fixture's leaders are the only active ones
  });
  afterAll(async () => stack?.close());

  it('goes to the leader with the fewest households, the village’s own leaders first on a tie', async () => {
    const { assignCadres } = createAssignmentActivities(stack.prisma);
    const at = new Date().toISOString();
    const paired: string[] = [];
    for (let i = 0; i < 5; i++) {
      const householdId = await town.addHousehold();
      const { leader, assistance } = await assignCadres({ householdId, key: `pairing/${householdId}`, at });
      expect(assistance.id).toBe(town.cadres.assistance); // the household keeps its 帮扶责任人
      paired.push(leader.id);
    }
    const { villageLeader, leaderInCharge, townshipHead, partySecretary } = town.cadres;
    // All start at none: the 包村领导, then the 分管负责人 (the village's own), then the 乡长 and
    // 党委书记 (they cover every village); with one each, the 包村领导 again.
    expect(paired).toEqual([villageLeader, leaderInCharge, townshipHead, partySecretary, villageLeader]);
  });

  it('skips a leader who already carries more, and a retry of the same pairing adds no load', async () => {
    const { assignCadres } = createAssignmentActivities(stack.prisma);
    const at = new Date().toISOString();
    // After the test above the 包村领导 carries two, everyone else one.
    const householdId = await town.addHousehold();
    const first = await assignCadres({ householdId, key: `pairing/${householdId}`, at });
    expect(first.leader.id).toBe(town.cadres.leaderInCharge);
    const retried = await assignCadres({ householdId, key: `pairing/${householdId}`, at });
    expect(retried.leader.id).toBe(first.leader.id);
    expect(await stack.prisma.assignment.count({ where: { householdId, role: 'LEADER', to: null } })).toBe(1);
    const next = await town.addHousehold();
    const after = await assignCadres({ householdId: next, key: `pairing/${next}`, at });
    expect(after.leader.id).toBe(town.cadres.townshipHead);
  });
});
