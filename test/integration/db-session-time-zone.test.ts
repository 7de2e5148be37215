import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createPrisma } from '../../db/client.js';

// The read model's instants are UTC `timestamp(3)` columns, and the pages' raw queries compare them
// with instants sent as text: a session in the server's own time zone would shift each comparison
// by its offset. A database whose default is Asia/Shanghai must still be read in UTC.
describe('every PostgreSQL session duzhan opens', () => {
  const admin = createPrisma(inject('databaseUrl'));
  const database = `tz_${randomUUID().replaceAll('-', '')}`;
  afterAll(async () => {
    await admin.$executeRawUnsafe(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    await admin.$disconnect();
  });

  it('runs in UTC, whatever time zone the server or the database defaults to', async () => {
    await admin.$executeRawUnsafe(`CREATE DATABASE "${database}"`);
    await admin.$executeRawUnsafe(`ALTER DATABASE "${database}" SET TimeZone = 'Asia/Shanghai'`);
    const url = new URL(inject('databaseUrl'));
    url.pathname = `/${database}`;
    const prisma = createPrisma(url.toString());
    try {
      const [row] = await prisma.$queryRaw<Array<{ zone: string; local: string }>>`
        SELECT current_setting('TimeZone') AS zone,
               to_char(${new Date('2026-11-30T20:30:00.000Z')}::timestamptz, 'YYYY-MM-DD HH24:MI') AS local`;
      expect(row).toEqual({ zone: 'UTC', local: '2026-11-30 20:30' });
    } finally {
      await prisma.$disconnect();
    }
  });
});
