import { ApplicationFailure } from '@temporalio/activity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAssignmentActivities } from '../../activities/assignment.js';
import { createSupervisionActivities } from '../../activities/supervision.js';
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

  it('a household cancelled before it was supervised: its pairing ended with it, and refused after it', async () => {
    const { assignCadres } = createAssignmentActivities(stack.prisma);
    const { endSupervision } = createSupervisionActivities(stack.prisma);
    const { prisma } = stack;
    const at = new Date().toISOString();
    // A pairing that an attempt in flight committed while the cancel was asked.
    const householdId = await town.addHousehold();
    const key = `household-${householdId}/run1`;
    await assignCadres({ householdId, key, at });
    const cancel = {
      householdId,
      workflowId: `household-${householdId}`,
      key: `${key}/cancelled`,
      actor: 'admin',
      action: 'SUPERVISION_CANCELLED',
      status: 'CANCELLED' as const,
      at,
      detail: { reason: 'OTHER', note: '' },
    };
    await endSupervision(cancel);
    await endSupervision(cancel); // a retry after the commit writes nothing
    const household = await prisma.household.findUniqueOrThrow({ where: { id: householdId } });
    expect([household.status, household.policyVersion]).toEqual(['CANCELLED', null]);
    expect(await prisma.auditLog.findMany({ where: { householdId }, select: { action: true } })).toEqual([
      { action: 'SUPERVISION_CANCELLED' },
    ]);
    expect(await prisma.assignment.count({ where: { householdId, to: null } })).toBe(0);
    expect(await prisma.assignment.count({ where: { householdId, role: 'LEADER' } })).toBe(1);

    // An attempt of the same run that comes after the cancel: refused for good, nothing written.
    const late = await town.addHousehold();
    const lateKey = `household-${late}/run1`;
    await endSupervision({
      ...cancel,
      householdId: late,
      workflowId: `household-${late}`,
      key: `${lateKey}/cancelled`,
    });
    const refused = await assignCadres({ householdId: late, key: lateKey, at }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ApplicationFailure);
    expect((refused as ApplicationFailure).nonRetryable).toBe(true);
    expect((refused as ApplicationFailure).message).toBe('该户已终止督战，不再分配帮扶干部');
    expect(await prisma.assignment.count({ where: { householdId: late, role: 'LEADER' } })).toBe(0);
    // Another run of the same household (回退) is paired as any.
    await expect(
      assignCadres({ householdId: late, key: `household-${late}/run2`, at }),
    ).resolves.toBeTruthy();
    expect(await prisma.assignment.count({ where: { householdId: late, role: 'LEADER', to: null } })).toBe(1);
  });
});
