import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pauseSupervision } from '../../domain/actions/supervision-actions.js';
import { startSupervision } from '../../domain/supervision.js';
import { householdWorkflowId } from '../../workflows/household/definitions.js';
import { HOUSEHOLD_SEARCH_ATTRIBUTES as KEYS } from '../../workflows/household/search-attribute-keys.js';
import { connectRealStack, eventually, type RealStack } from '../helpers/real-stack.js';
import { createTownshipFixture, type TownshipFixture } from '../helpers/township-fixture.js';

// The real dev server (registered with the households' search attributes by stack/temporal-dev-server.ts,
// as `npm start` registers them): the time-skipping server cannot register custom attributes.
describe('households are found in Temporal by status, village and category', () => {
  let stack: RealStack;
  let town: TownshipFixture;
  beforeAll(async () => {
    stack = await connectRealStack();
    town = await createTownshipFixture(stack.prisma);
    await town.activate();
    await stack.startWorker();
  });
  afterAll(async () => stack?.close());

  const listed = (query: string) =>
    eventually(async () => {
      const found = [];
      for await (const workflow of stack.temporal.workflow.list({ query })) found.push(workflow);
      return found.length > 0 ? found : undefined;
    }, 30_000);

  it('sets the search attributes at admission and follows a change of status', async () => {
    const householdId = await town.addHousehold({ category: 'UNLIFTED' });
    const deps = { prisma: stack.prisma, temporal: stack.temporal, taskQueue: stack.taskQueue };
    expect(await startSupervision(deps, householdId)).toBe(true);
    await stack.prisma.household.update({
      where: { id: householdId },
      data: { workflowId: householdWorkflowId(householdId) },
    });
    const village = `测试村${town.suffix}`;
    const [supervised] = await listed(
      `WorkflowId = '${householdWorkflowId(householdId)}' AND HouseholdStatus = 'SUPERVISED' AND Village = '${village}' AND Category = 'UNLIFTED'`,
    );
    const attributes = supervised?.typedSearchAttributes;
    expect(attributes?.get(KEYS.policyVersion)).toBeTruthy();
    expect(attributes?.get(KEYS.highestRung)).toBe(0);
    expect(attributes?.get(KEYS.nextDueAt)).toBeInstanceOf(Date);

    await eventually(() =>
      stack.prisma.household.findFirst({ where: { id: householdId, status: 'SUPERVISED' } }),
    );
    await pauseSupervision(deps, householdId, '户主住院', 'admin-test');
    await listed(`WorkflowId = '${householdWorkflowId(householdId)}' AND HouseholdStatus = 'PAUSED'`);
    await stack.temporal.workflow.getHandle(householdWorkflowId(householdId)).terminate('test finished');
  });
});
