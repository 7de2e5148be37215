// The queries behind each page and list API, as the bench times them: each one what a page asks
// for on its first load (the default page size).
import type { PrismaClient } from '../../db/client.js';
import { exportLedgerCsv, ledgerCsvChunks } from '../../domain/ledger/export-ledger.js';
import { householdRoster, rosterQuerySchema } from '../../domain/queries/household-roster.js';
import {
  allOpenTasks,
  cadrePage,
  chartSeries,
  dispatchReport,
  householdDetail,
  listHouseholds,
  myTasks,
  supervisionBoard,
} from '../../domain/queries/index.js';

const DAY = 86_400_000;

export interface PageQuery {
  label: string;
  run(prisma: PrismaClient, at: { now: Date; households: number }): Promise<unknown>;
}

// Ids as bench/queries/generate.ts writes them: the middle household, and its 帮扶责任人.
const middle = (households: number) => Math.max(1, Math.floor(households / 2));
const householdId = (households: number) => `h${String(middle(households)).padStart(7, '0')}`;
const cadreId = (households: number) => `c-a-${1 + Math.floor((middle(households) - 1) / 10)}`;

export const PAGE_QUERIES: PageQuery[] = [
  { label: 'supervisor board', run: (prisma, { now }) => supervisionBoard(prisma, { now }) },
  { label: 'all open tasks', run: (prisma, { now }) => allOpenTasks(prisma, { now }) },
  {
    label: "one leader's tasks",
    run: (prisma, { now, households }) => myTasks(prisma, { cadreId: cadreId(households), now }),
  },
  {
    label: 'one household',
    run: (prisma, { now, households }) => householdDetail(prisma, householdId(households), now),
  },
  { label: 'household list API', run: (prisma) => listHouseholds(prisma, {}) },
  {
    label: '农户名册, first page (supervisor)',
    run: (prisma, { now }) =>
      householdRoster(prisma, { filter: rosterQuerySchema.parse({}), scope: { all: true }, now }),
  },
  {
    label: "农户名册, a leader's own",
    run: (prisma, { now, households }) =>
      householdRoster(prisma, {
        filter: rosterQuerySchema.parse({}),
        scope: { all: false, cadreId: cadreId(households), closing: false },
        now,
      }),
  },
  {
    label: '农户名册, at risk (supervisor)',
    run: (prisma, { now }) =>
      householdRoster(prisma, {
        filter: rosterQuerySchema.parse({ risk: 'any' }),
        scope: { all: true },
        now,
      }),
  },
  {
    label: 'dispatch report (14 days)',
    run: (prisma, { now }) => dispatchReport(prisma, { now, since: new Date(now.getTime() - 14 * DAY) }),
  },
  { label: 'charts (12 weeks)', run: (prisma, { now }) => chartSeries(prisma, { now, weeks: 12 }) },
  { label: 'cadre list (a page)', run: (prisma, { now }) => cadrePage(prisma, { now }) },
  {
    // What the download's first byte waits for, and then each further chunk of 200 households.
    label: 'ledger CSV: header and first 200 households',
    run: async (prisma) => {
      const chunks = ledgerCsvChunks(prisma);
      let text = '';
      for (let i = 0; i < 2; i += 1) {
        const next = await chunks.next();
        if (next.done) break;
        text += next.value;
      }
      await chunks.return(undefined);
      return text;
    },
  },
  { label: 'ledger CSV export (whole file)', run: (prisma) => exportLedgerCsv(prisma) },
];
