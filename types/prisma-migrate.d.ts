// @prisma/migrate's package.json points "types" at a path its build does not ship; its declarations
// live in dist/src. It is CommonJS, so it is imported as a default export (see db/migrate.ts).
declare module '@prisma/migrate' {
  import type * as PrismaMigrate from '@prisma/migrate/dist/src/index';

  const prismaMigrate: typeof PrismaMigrate;
  export default prismaMigrate;
}
