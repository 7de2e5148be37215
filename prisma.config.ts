import { defineConfig } from 'prisma/config';

// The CLI reads this for `prisma generate`; migrations are applied by db/migrate.ts (see README).
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
});
