// Generates the read model of N households straight in SQL (generate_series), as the workflows
// would have left it after about nine months: villages of ~400 households, a 帮扶责任人 per ten
// households, ≈10 tasks per household (nine visits done, one open, a follow-up for one in eight),
// a visit record per done visit, escalations of the overdue, audit rows, exits. Deterministic in N
// and `now`; row by row through Prisma this would take hours at 100,000 households.
import pg from 'pg';

export interface GeneratedShape {
  households: number;
  villages: number;
  cadres: number;
  tasks: number;
  visits: number;
  escalations: number;
  auditRows: number;
}

const DAY = "interval '1 day'";

/** The statements, in order; `$1` stands for N and `$2` for `now`. */
const STATEMENTS: Array<[label: string, sql: string]> = [
  [
    'villages',
    `INSERT INTO "Village" (id, name, "isPoor")
     SELECT 'v' || lpad(i::text, 5, '0'), '村' || lpad(i::text, 5, '0'), i % 3 = 0
     FROM generate_series(1, greatest(3, ceil($1::int / 400.0)::int)) i`,
  ],
  [
    'cadres',
    `INSERT INTO "Cadre" (id, name, email, rank)
     SELECT id, name, id || '@bench.example', rank FROM (
       SELECT 'c-sec' AS id, '孙书记' AS name, 'PARTY_SECRETARY' AS rank
       UNION ALL SELECT 'c-head', '钱乡长', 'TOWNSHIP_HEAD'
       UNION ALL SELECT 'c-charge-' || i, '分管' || i, 'LEADER_IN_CHARGE'
         FROM generate_series(1, greatest(1, ceil($1::int / 4000.0)::int)) i
       UNION ALL SELECT 'c-vl-' || i, '包村' || i, 'VILLAGE_LEADER'
         FROM generate_series(1, greatest(3, ceil($1::int / 400.0)::int)) i
       UNION ALL SELECT 'c-a-' || i, '帮扶' || i, 'ASSISTANCE_CADRE'
         FROM generate_series(1, ceil($1::int / 10.0)::int) i
     ) c`,
  ],
  [
    'village leaders',
    `UPDATE "Village" v SET "villageLeaderId" = 'c-vl-' || ltrim(substr(v.id, 2), '0'),
       "leaderInChargeId" = 'c-charge-' || (1 + (ltrim(substr(v.id, 2), '0')::int - 1) / 10)
    `,
  ],
  [
    'cadre villages',
    `INSERT INTO "_CadreToVillage" ("A", "B")
     SELECT 'c-a-' || i, 'v' || lpad((1 + (i - 1) % greatest(3, ceil($1::int / 400.0)::int))::text, 5, '0')
     FROM generate_series(1, ceil($1::int / 10.0)::int) i
     UNION ALL
     SELECT 'c-vl-' || i, 'v' || lpad(i::text, 5, '0')
     FROM generate_series(1, greatest(3, ceil($1::int / 400.0)::int)) i`,
  ],
  [
    'households',
    `INSERT INTO "Household" (id, number, "headName", "villageId", category, "labourClass", causes, needs,
       plan, phone, status, "workflowId", "createdAt", "updatedAt")
     SELECT 'h' || lpad(j::text, 7, '0'), 'H' || lpad(j::text, 7, '0'), '户主' || j,
       'v' || lpad((1 + ((j - 1) / 10) % greatest(3, ceil($1::int / 400.0)::int))::text, 5, '0'),
       (ARRAY['UNLIFTED','MONITORED','MARGINAL'])[1 + j % 3], 'CLASS_' || (1 + j % 4),
       ARRAY['因病','缺技术'], '技能培训', '产业奖补；务工就业', '1380000' || lpad((j % 10000)::text, 4, '0'),
       CASE WHEN j % 20 = 0 THEN 'STABLY_OUT' WHEN j % 50 = 1 THEN 'CANCELLED' WHEN j % 40 = 3 THEN 'PAUSED'
            WHEN j % 100 = 7 THEN 'CLOSING' ELSE 'SUPERVISED' END,
       'household-h' || lpad(j::text, 7, '0'),
       $2::timestamptz - (300 + j % 400) * ${DAY}, $2::timestamptz
     FROM generate_series(1, $1::int) j`,
  ],
  [
    'members',
    `INSERT INTO "HouseholdMember" (id, "householdId", name, relation, age, "labourAbility")
     SELECT h.id || '-m' || m, h.id, '成员' || m, (ARRAY['户主','配偶','子女'])[m],
       (ARRAY[45, 43, 12])[m], (ARRAY['FULL','PARTIAL','NONE'])[m]
     FROM "Household" h CROSS JOIN generate_series(1, 3) m`,
  ],
  [
    'assignments',
    `INSERT INTO "Assignment" (id, "householdId", "cadreId", role, "from")
     SELECT 'seed/' || h.id || '/ASSISTANCE', h.id, 'c-a-' || (1 + (substr(h.id, 2)::int - 1) / 10),
       'ASSISTANCE', h."createdAt"
     FROM "Household" h 
     UNION ALL
     SELECT 'seed/' || h.id || '/LEADER', h.id, 'c-vl-' || ltrim(substr(h."villageId", 2), '0'), 'LEADER',
       $2::timestamptz - 300 * ${DAY}
     FROM "Household" h`,
  ],
  [
    'done visits',
    // Nine visit tasks done, one a month; one in seven done two days late.
    `INSERT INTO "Task" (id, "householdId", "workflowId", kind, "assigneeId", "openedAt", "dueAt", status,
       reason, "completedAt", "completedBy")
     SELECT h.id || '/visit/' || k, h.id, h."workflowId", 'VISIT', 'c-a-' || (1 + (j - 1) / 10),
       $2::timestamptz - ((10 - k) * 30 + 7) * ${DAY}, $2::timestamptz - (10 - k) * 30 * ${DAY}, 'DONE',
       '例行走访', $2::timestamptz - (10 - k) * 30 * ${DAY}
         + CASE WHEN j % 7 = k % 7 THEN 2 ELSE -1 END * ${DAY},
       'c-a-' || (1 + (j - 1) / 10)
     FROM (SELECT id, "workflowId", substr(id, 2)::int AS j FROM "Household") h
     CROSS JOIN generate_series(1, 9) k`,
  ],
  [
    'open tasks',
    // The next visit: open while under supervision (due from 5 days ago to 35 days ahead), cancelled
    // otherwise; a follow-up open for one household in eight.
    `INSERT INTO "Task" (id, "householdId", "workflowId", kind, "assigneeId", "openedAt", "dueAt", status,
       rung, reason, "findingKind", "findingItem")
     SELECT h.id || '/visit/10', h.id, h."workflowId", 'VISIT', 'c-a-' || (1 + (j - 1) / 10),
       $2::timestamptz - (7 + j % 40 - 5) * ${DAY}, $2::timestamptz + (j % 40 - 5) * ${DAY} + (j % 24) * interval '1 hour',
       CASE WHEN h.status IN ('STABLY_OUT', 'CANCELLED') THEN 'CANCELLED' ELSE 'OPEN' END,
       CASE WHEN h.status IN ('STABLY_OUT', 'CANCELLED') OR j % 40 >= 5 THEN 0
            ELSE least(3, (5 - j % 40 + 1) / 2) END,
       '例行走访', NULL, NULL
     FROM (SELECT id, "workflowId", status, substr(id, 2)::int AS j FROM "Household") h 
     UNION ALL
     SELECT h.id || '/follow-up/1', h.id, h."workflowId", 'FOLLOW_UP', 'c-a-' || (1 + (j - 1) / 10),
       $2::timestamptz - 20 * ${DAY}, $2::timestamptz + (j % 30 - 10) * ${DAY}, 'OPEN', 0,
       '饮水安全未达标', 'GUARANTEE', 'water'
     FROM (SELECT id, "workflowId", status, substr(id, 2)::int AS j FROM "Household") h
     WHERE j % 8 = 0 AND h.status NOT IN ('STABLY_OUT', 'CANCELLED')`,
  ],
  [
    'visit records',
    `INSERT INTO "VisitRecord" (id, "taskId", "householdId", "cadreId", "visitedAt", "perCapitaIncomeYuan",
       "foodOk", "clothingOk", "educationOk", "medicalOk", "housingOk", "waterOk", "guaranteeNotes",
       "largeCosts", notes, compliant, "policyVersion", "recordedAt")
     SELECT t.id || '/record', t.id, t."householdId", t."assigneeId", t."completedAt" - interval '2 hours',
       3000 + (substr(t."householdId", 2)::int * 37 + k * 101) % 6000,
       true, true, true, true, true, (substr(t."householdId", 2)::int + k) % 5 <> 0, '{}'::jsonb, '[]'::jsonb, '',
       (substr(t."householdId", 2)::int + k) % 5 <> 0, '2026.1', t."completedAt"
     FROM (SELECT *, split_part(id, '/', 3)::int AS k FROM "Task" WHERE status = 'DONE') t
    `,
  ],
  [
    'measures',
    `INSERT INTO "VisitMeasure" (id, "visitId", kind, "amountYuan", persons)
     SELECT v.id || '/m1', v.id, 'INDUSTRY_SUBSIDY', 1000, 1 FROM "VisitRecord" v
     WHERE v.id LIKE '%/visit/9/record'`,
  ],
  [
    'escalations',
    // Open ones up the ladder for the overdue, one closed for each visit done late.
    `INSERT INTO "Escalation" (id, "taskId", rung, rank, "leaderId", "openedAt", "closedAt")
     SELECT t.id || '/rung/' || r, t.id, r,
       (ARRAY['ASSIGNED','VILLAGE_LEADER','LEADER_IN_CHARGE'])[r],
       CASE r WHEN 1 THEN t."assigneeId" WHEN 2 THEN 'c-vl-' || ltrim(substr(h."villageId", 2), '0')
              ELSE 'c-charge-' || (1 + (ltrim(substr(h."villageId", 2), '0')::int - 1) / 10) END,
       t."dueAt" + (r * 2 - 1) * ${DAY}, NULL
     FROM "Task" t JOIN "Household" h ON h.id = t."householdId" CROSS JOIN generate_series(1, 3) r
     WHERE t.status = 'OPEN' AND r <= t.rung
     UNION ALL
     SELECT t.id || '/rung/1', t.id, 1, 'ASSIGNED', t."assigneeId", t."dueAt" + ${DAY}, t."completedAt"
     FROM "Task" t WHERE t.status = 'DONE' AND t."completedAt" > t."dueAt"`,
  ],
  [
    'exits',
    `INSERT INTO "ExitAssessment" (id, "householdId", "workflowId", criteria, decision, steps, "decidedAt")
     SELECT h."workflowId" || '/1/exit', h.id, h."workflowId", '[]'::jsonb, 'STABLY_OUT', '[]'::jsonb,
       $2::timestamptz - (substr(h.id, 2)::int % 90) * ${DAY}
     FROM "Household" h WHERE h.status = 'STABLY_OUT'`,
  ],
  [
    'audit rows',
    `INSERT INTO "AuditLog" (at, actor, action, "householdId", "workflowId", detail)
     SELECT h."createdAt" + interval '1 hour', 'workflow', 'SUPERVISION_STARTED', h.id, h."workflowId", '{}'::jsonb
     FROM "Household" h 
     UNION ALL
     SELECT $2::timestamptz - (substr(h.id, 2)::int % 80) * ${DAY}, 'workflow', 'CATEGORY_CHANGED', h.id,
       h."workflowId", jsonb_build_object('from', 'MONITORED', 'to', h.category)
     FROM "Household" h WHERE substr(h.id, 2)::int % 9 = 0 AND h.category <> 'MONITORED'
     UNION ALL
     SELECT $2::timestamptz - (substr(h.id, 2)::int % 90) * ${DAY}, 'workflow',
       CASE h.status WHEN 'STABLY_OUT' THEN 'STABLY_OUT' WHEN 'CANCELLED' THEN 'SUPERVISION_CANCELLED'
                     WHEN 'PAUSED' THEN 'PAUSED' ELSE 'CLOSING_STARTED' END,
       h.id, h."workflowId", jsonb_build_object('reason', '迁出')
     FROM "Household" h WHERE h.status IN ('STABLY_OUT', 'CANCELLED', 'PAUSED', 'CLOSING')
     UNION ALL
     SELECT t."completedAt", t."assigneeId", 'FACTS_UPDATED', t."householdId", t."workflowId",
       jsonb_build_object('task', t.id)
     FROM "Task" t WHERE t.status = 'DONE'`,
  ],
];

/** Writes N households' read model into the (migrated, empty) database at `url`. */
export async function generateReadModel(
  url: string,
  households: number,
  now: Date,
  say: (line: string) => void = () => {},
): Promise<GeneratedShape> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (const [label, sql] of STATEMENTS) {
      const started = performance.now();
      // Both are ours (an integer, an ISO instant): written into the text, no parameter typing needed.
      const text = sql
        .replaceAll('$1', String(Math.trunc(households)))
        .replaceAll('$2', `'${now.toISOString()}'`);
      const result = await client.query(text);
      // Fresh statistics before the next statement: its triggers (household_standing) join the
      // tables just filled, and a plan made for an empty table goes quadratic on 100,000 rows.
      await client.query('ANALYZE');
      say(`  ${label}: ${result.rowCount ?? 0} rows in ${Math.round(performance.now() - started)} ms`);
    }
    await client.query('VACUUM ANALYZE');
    const count = async (table: string) =>
      Number((await client.query(`SELECT count(*)::int AS n FROM "${table}"`)).rows[0].n);
    return {
      households: await count('Household'),
      villages: await count('Village'),
      cadres: await count('Cadre'),
      tasks: await count('Task'),
      visits: await count('VisitRecord'),
      escalations: await count('Escalation'),
      auditRows: await count('AuditLog'),
    };
  } finally {
    await client.end();
  }
}
