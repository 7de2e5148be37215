import { WorkflowNotFoundError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importLedger } from '../../domain/ledger/index.js';
import { householdWorkflowId } from '../../workflows/household/definitions.js';
import { connectRealStack, type RealStack } from '../helpers/real-stack.js';
import { createTownshipFixture, type TownshipFixture } from '../helpers/township-fixture.js';

const IMPORT_HEADER =
  '户编号,户主姓名,所属村,户类别,劳动力类型,致贫原因,帮扶需求,一户一策,帮扶责任人,家庭成员';

// A ledger that passes every check, whose write then fails inside PostgreSQL's transaction (a
// trigger refuses the last insert, the audit rows): the villages, households, members and
// assignments written before it are rolled back, and no workflow is started.
describe('工作台账 import: a write that fails half-way leaves nothing behind', () => {
  let stack: RealStack;
  let town: TownshipFixture;
  const actor = () => `rollback-${town.suffix}`;
  const trigger = () => `refuse_audit_${town.suffix}`;

  beforeAll(async () => {
    stack = await connectRealStack();
    town = await createTownshipFixture(stack.prisma);
    // Only this file's imports (its own actor) are refused, so other files sharing the database
    // are not disturbed.
    await stack.prisma.$executeRawUnsafe(`
      CREATE FUNCTION ${trigger()}() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.actor = '${actor()}' THEN RAISE EXCEPTION 'audit refused for the test'; END IF;
        RETURN NEW;
      END $$`);
    await stack.prisma.$executeRawUnsafe(
      `CREATE TRIGGER ${trigger()} BEFORE INSERT ON "AuditLog" FOR EACH ROW EXECUTE FUNCTION ${trigger()}()`,
    );
  });

  afterAll(async () => {
    await stack?.prisma.$executeRawUnsafe(`DROP TRIGGER IF EXISTS ${trigger()} ON "AuditLog"`);
    await stack?.prisma.$executeRawUnsafe(`DROP FUNCTION IF EXISTS ${trigger()}()`);
    await stack?.close();
  });

  it('rolls back every row of the import and starts no workflow; the same file imports once the fault is gone', async () => {
    const email = `assist-${town.suffix}@duzhan.example`;
    const village = `新村${town.suffix}`;
    const numbers = [`RB${town.suffix}1`, `RB${town.suffix}2`];
    const csv = [
      IMPORT_HEADER,
      `${numbers[0]},张三,${village},边缘户,一类,因病,,,${email},张三/40/有；李四/38/部分`,
      `${numbers[1]},王五,${village},未脱贫户,二类,缺技术,,,${email},王五/35/有`,
    ].join('\r\n');
    const deps = { prisma: stack.prisma, temporal: stack.temporal, taskQueue: stack.taskQueue };
    const written = async () => {
      const p = stack.prisma;
      const mine = { householdId: { in: numbers } };
      const [households, members, assignments, villages, audit] = await Promise.all([
        p.household.count({ where: { id: { in: numbers } } }),
        p.householdMember.count({ where: mine }),
        p.assignment.count({ where: mine }),
        p.village.count({ where: { name: village } }),
        p.auditLog.count({ where: { ...mine, action: 'LEDGER_IMPORTED' } }),
      ]);
      return { households, members, assignments, villages, audit };
    };

    await expect(importLedger(deps, Buffer.from(csv, 'utf8'), 'ledger.csv', actor())).rejects.toThrow(
      /audit refused/,
    );
    expect(await written()).toEqual({ households: 0, members: 0, assignments: 0, villages: 0, audit: 0 });
    for (const id of numbers) {
      await expect(stack.temporal.workflow.getHandle(householdWorkflowId(id)).describe()).rejects.toThrow(
        WorkflowNotFoundError,
      );
    }

    // Nothing half-written blocks the same file afterwards.
    const result = await importLedger(deps, Buffer.from(csv, 'utf8'), 'ledger.csv', `admin-${town.suffix}`);
    expect(result.errors).toEqual([]);
    expect(result.imported).toBe(2);
    expect(await written()).toEqual({ households: 2, members: 3, assignments: 2, villages: 1, audit: 2 });
    for (const id of numbers)
      await stack.temporal.workflow
        .getHandle(householdWorkflowId(id))
        .terminate('test finished')
        .catch(() => {});
  });
});
