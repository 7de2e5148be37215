-- CreateTable
CREATE TABLE "HouseholdKeptCount" (
    "householdId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "dim" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "bucket" TIMESTAMP(3) NOT NULL,
    "n" INTEGER NOT NULL,

    CONSTRAINT "HouseholdKeptCount_pkey" PRIMARY KEY ("householdId","kind","dim","key","bucket")
);

-- CreateTable
CREATE TABLE "KeptCount" (
    "kind" TEXT NOT NULL,
    "dim" TEXT NOT NULL,
    "bucket" TIMESTAMP(3) NOT NULL,
    "key" TEXT NOT NULL,
    "n" INTEGER NOT NULL,

    CONSTRAINT "KeptCount_pkey" PRIMARY KEY ("kind","dim","bucket","key")
);

-- CreateIndex
CREATE INDEX "KeptCount_kind_dim_key_bucket_idx" ON "KeptCount"("kind", "dim", "key", "bucket");

-- DropIndex
DROP INDEX "Escalation_closedAt_idx";

-- CreateIndex
CREATE INDEX "Escalation_closedAt_rung_openedAt_id_idx" ON "Escalation"("closedAt", "rung", "openedAt", "id");

-- CreateIndex
CREATE INDEX "HouseholdStanding_underSupervision_policyVersion_lastIncome_idx" ON "HouseholdStanding"("underSupervision", "policyVersion", "lastIncomeYuan");

-- CreateIndex
CREATE INDEX "HouseholdStanding_underSupervision_openFollowUps_policyVers_idx" ON "HouseholdStanding"("underSupervision", "openFollowUps", "policyVersion", "lastIncomeYuan");

-- CreateIndex
CREATE INDEX "ExitAssessment_decision_decidedAt_idx" ON "ExitAssessment"("decision", "decidedAt");

-- CreateIndex
CREATE INDEX "Household_createdAt_id_idx" ON "Household"("createdAt", "id");

-- CreateIndex
CREATE INDEX "Task_status_rung_dueAt_id_idx" ON "Task"("status", "rung" DESC, "dueAt", "id");

-- ---------------------------------------------------------------------------------------------
-- KeptCount and HouseholdKeptCount are never written by the application: the statement-level
-- triggers below (`*_kept_counts`) recompute the touched households' rows of the kinds the write can
-- change, in the same transaction, and move KeptCount by the difference (rows that fall to zero are
-- removed, so a sum over buckets reads only buckets with something in them). As for HouseholdStanding,
-- each refresh first locks the households' standing rows: two transactions writing one household are
-- serialised, and the second counts from a snapshot holding the first one's rows. Each household's
-- rows are read through its own index (household → tasks → escalations, household → visits): a
-- township-wide index or hash per household made bulk writes quadratic (README, Page queries).
-- The rows every household writes to (a rung, the township) are split in eight by household, so
-- concurrent writes of different households rarely wait for one row's lock until the other commits
-- (a task opened or closed touches its due day's rung row and its due hour's township row); readers
-- sum the shards (the rung's key is `<rung>/<shard>`, the township's the shard).
CREATE FUNCTION kept_count_shard(household text) RETURNS text LANGUAGE sql IMMUTABLE AS $fn$
  SELECT (abs(hashtext(household)) % 8)::text
$fn$;

CREATE FUNCTION refresh_household_kept_counts(ids text[], kinds text[]) RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE fresh "HouseholdKeptCount"[]; emptied "KeptCount"[];
BEGIN
  PERFORM 1 FROM "HouseholdStanding" s JOIN (SELECT DISTINCT unnest(ids) AS id) i ON i.id = s."householdId"
  ORDER BY s."householdId" FOR UPDATE OF s;
  WITH hh AS MATERIALIZED (
    SELECT h.id, h."villageId", h.category, h.status, kept_count_shard(h.id) AS shard
    FROM (SELECT DISTINCT unnest(ids) AS id) i JOIN "Household" h ON h.id = i.id
  ), tasks AS MATERIALIZED (
    SELECT hh.id AS hid, hh."villageId", hh.shard, t.id, t.status, t."dueAt", t."completedAt", t.rung, t."assigneeId"
    FROM hh CROSS JOIN LATERAL (SELECT * FROM "Task" t WHERE t."householdId" = hh.id) t
    WHERE kinds && ARRAY['open-task', 'late-task', 'open-escalation', 'escalation-opened']
  ), escalations AS MATERIALIZED (
    SELECT k.hid, k."villageId", k.shard, k.status AS "taskStatus", e.rung, e."leaderId", e."openedAt", e."closedAt"
    FROM tasks k CROSS JOIN LATERAL (SELECT * FROM "Escalation" e WHERE e."taskId" = k.id) e
    WHERE kinds && ARRAY['open-escalation', 'escalation-opened']
  ), visits AS MATERIALIZED (
    SELECT hh.id AS hid, hh."villageId", r."visitedAt", r.compliant
    FROM hh CROSS JOIN LATERAL (SELECT * FROM "VisitRecord" r WHERE r."householdId" = hh.id) r
    WHERE kinds && ARRAY['visit', 'compliant-visit']
  ), counted AS (
    SELECT k.hid, 'open-task' AS kind, d.dim, d.key, date_trunc('day', k."dueAt") AS bucket
    FROM tasks k CROSS JOIN LATERAL (VALUES ('rung', k.rung || '/' || k.shard), ('village', k."villageId"),
      ('cadre', k."assigneeId")) AS d(dim, key)
    WHERE k.status = 'OPEN'
    UNION ALL
    -- As the charts count overdue work: due that day and not done by then (cancelled tasks left out).
    SELECT k.hid, 'late-task', 'village', k."villageId", date_trunc('hour', k."dueAt") FROM tasks k
    WHERE k.status <> 'CANCELLED' AND (k."completedAt" IS NULL OR k."completedAt" > k."dueAt")
    UNION ALL
    SELECT x.hid, 'open-escalation', d.dim, d.key, TIMESTAMP '1970-01-01'
    FROM escalations x CROSS JOIN LATERAL (VALUES ('rung', x.rung || '/' || x.shard), ('village', x."villageId"),
      ('cadre', x."leaderId")) AS d(dim, key)
    WHERE x."closedAt" IS NULL AND x."taskStatus" = 'OPEN'
    UNION ALL
    SELECT x.hid, 'escalation-opened', 'village', x."villageId", date_trunc('hour', x."openedAt") FROM escalations x
    UNION ALL
    SELECT v.hid, 'visit', 'village', v."villageId", date_trunc('day', v."visitedAt") FROM visits v
    UNION ALL
    SELECT v.hid, 'compliant-visit', 'village', v."villageId", date_trunc('day', v."visitedAt") FROM visits v WHERE v.compliant
    UNION ALL
    SELECT hh.id, 'household', 'village', hh."villageId" || '/' || hh.category || '/' || hh.status, TIMESTAMP '1970-01-01'
    FROM hh
    UNION ALL
    -- The standing's at-risk households (its triggers, named *_household_standing, run before these).
    SELECT hh.id, 'at-risk', 'village', s."villageId", TIMESTAMP '1970-01-01'
    FROM hh JOIN "HouseholdStanding" s ON s."householdId" = hh.id
    WHERE s."riskOrder" <= -1000
  )
  SELECT array_agg(ROW(hid, kind, dim, key, bucket, n)::"HouseholdKeptCount" ORDER BY hid, kind, dim, key, bucket) INTO fresh
  FROM (SELECT hid, kind, dim, key, bucket, count(*)::int AS n FROM counted WHERE kind = ANY (kinds)
    GROUP BY 1, 2, 3, 4, 5) f;

  WITH removed AS (
    DELETE FROM "HouseholdKeptCount" c USING (SELECT DISTINCT unnest(ids) AS id) i
    WHERE c."householdId" = i.id AND c.kind = ANY (kinds)
    RETURNING c."householdId", c.kind, c.dim, c.key, c.bucket, -c.n AS n
  ), moves AS (
    SELECT "householdId", kind, dim, key, bucket, n FROM removed
    UNION ALL
    SELECT "householdId", kind, dim, key, bucket, n FROM unnest(fresh)
  ), net AS (
    -- The charts' kinds are kept for the township too (key: the household's shard).
    SELECT m.kind, s.dim, m.bucket, s.key, sum(m.n)::int AS n
    FROM moves m CROSS JOIN LATERAL (
      SELECT m.dim, m.key
      UNION ALL
      SELECT 'township', kept_count_shard(m."householdId") WHERE m.kind IN ('late-task', 'escalation-opened')
    ) s
    GROUP BY 1, 2, 3, 4 HAVING sum(m.n) <> 0
  ), moved AS (
    INSERT INTO "KeptCount" (kind, dim, bucket, key, n)
    SELECT kind, dim, bucket, key, n FROM net ORDER BY 1, 2, 3, 4
    ON CONFLICT (kind, dim, bucket, key) DO UPDATE SET n = "KeptCount".n + excluded.n
    RETURNING *
  )
  SELECT array_agg(ROW(m.kind, m.dim, m.bucket, m.key, m.n)::"KeptCount") INTO emptied FROM moved m WHERE m.n = 0;

  INSERT INTO "HouseholdKeptCount" SELECT * FROM unnest(fresh);
  IF emptied IS NOT NULL THEN
    DELETE FROM "KeptCount" k USING unnest(emptied) e
    WHERE (k.kind, k.dim, k.bucket, k.key) = (e.kind, e.dim, e.bucket, e.key) AND k.n = 0;
  END IF;
END
$fn$;

CREATE FUNCTION task_kept_counts() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE ids text[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(DISTINCT "householdId") INTO ids FROM new_rows;
  ELSIF TG_OP = 'DELETE' THEN
    SELECT array_agg(DISTINCT "householdId") INTO ids FROM old_rows;
  ELSE
    SELECT array_agg(DISTINCT x) INTO ids FROM new_rows n JOIN old_rows o ON o.id = n.id
    CROSS JOIN LATERAL (VALUES (n."householdId"), (o."householdId")) AS v(x)
    WHERE (n."householdId", n.status, n.kind, n."dueAt", n."completedAt", n.rung, n."assigneeId")
      IS DISTINCT FROM (o."householdId", o.status, o.kind, o."dueAt", o."completedAt", o.rung, o."assigneeId");
  END IF;
  IF ids IS NOT NULL THEN
    PERFORM refresh_household_kept_counts(ids, ARRAY['open-task', 'late-task', 'open-escalation',
      'escalation-opened', 'at-risk']);
  END IF;
  RETURN NULL;
END
$fn$;

CREATE FUNCTION escalation_kept_counts() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE ids text[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(DISTINCT t."householdId") INTO ids FROM "Task" t WHERE t.id IN (SELECT "taskId" FROM new_rows);
  ELSIF TG_OP = 'DELETE' THEN
    SELECT array_agg(DISTINCT t."householdId") INTO ids FROM "Task" t WHERE t.id IN (SELECT "taskId" FROM old_rows);
  ELSE
    SELECT array_agg(DISTINCT t."householdId") INTO ids FROM "Task" t
    WHERE t.id IN (SELECT "taskId" FROM new_rows UNION SELECT "taskId" FROM old_rows);
  END IF;
  IF ids IS NOT NULL THEN PERFORM refresh_household_kept_counts(ids, ARRAY['open-escalation', 'escalation-opened', 'at-risk']); END IF;
  RETURN NULL;
END
$fn$;

CREATE FUNCTION visit_record_kept_counts() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE ids text[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(DISTINCT "householdId") INTO ids FROM new_rows;
  ELSIF TG_OP = 'DELETE' THEN
    SELECT array_agg(DISTINCT "householdId") INTO ids FROM old_rows;
  ELSE
    SELECT array_agg(DISTINCT x) INTO ids
    FROM (SELECT "householdId" FROM new_rows UNION SELECT "householdId" FROM old_rows) AS v(x);
  END IF;
  IF ids IS NOT NULL THEN PERFORM refresh_household_kept_counts(ids, ARRAY['visit', 'compliant-visit', 'at-risk']); END IF;
  RETURN NULL;
END
$fn$;

CREATE FUNCTION household_kept_counts() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE moved text[]; changed text[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(id) INTO changed FROM new_rows;
  ELSIF TG_OP = 'DELETE' THEN
    SELECT array_agg(id) INTO moved FROM old_rows;
  ELSE
    -- A household moved to another village moves every count it is in; its category or status only
    -- its own row and whether it is at risk.
    SELECT array_agg(n.id) FILTER (WHERE n."villageId" IS DISTINCT FROM o."villageId"),
      array_agg(n.id) FILTER (WHERE n."villageId" IS NOT DISTINCT FROM o."villageId"
        AND (n.category, n.status) IS DISTINCT FROM (o.category, o.status))
    INTO moved, changed
    FROM new_rows n JOIN old_rows o ON o.id = n.id;
  END IF;
  IF moved IS NOT NULL THEN
    PERFORM refresh_household_kept_counts(moved, ARRAY['open-task', 'late-task', 'open-escalation',
      'escalation-opened', 'visit', 'compliant-visit', 'household', 'at-risk']);
  END IF;
  IF changed IS NOT NULL THEN PERFORM refresh_household_kept_counts(changed, ARRAY['household', 'at-risk']); END IF;
  RETURN NULL;
END
$fn$;

CREATE TRIGGER task_insert_kept_counts AFTER INSERT ON "Task"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION task_kept_counts();
CREATE TRIGGER task_update_kept_counts AFTER UPDATE ON "Task"
  REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION task_kept_counts();
CREATE TRIGGER task_delete_kept_counts AFTER DELETE ON "Task"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION task_kept_counts();

CREATE TRIGGER escalation_insert_kept_counts AFTER INSERT ON "Escalation"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION escalation_kept_counts();
CREATE TRIGGER escalation_update_kept_counts AFTER UPDATE ON "Escalation"
  REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION escalation_kept_counts();
CREATE TRIGGER escalation_delete_kept_counts AFTER DELETE ON "Escalation"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION escalation_kept_counts();

CREATE TRIGGER visit_record_insert_kept_counts AFTER INSERT ON "VisitRecord"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION visit_record_kept_counts();
CREATE TRIGGER visit_record_update_kept_counts AFTER UPDATE ON "VisitRecord"
  REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION visit_record_kept_counts();
CREATE TRIGGER visit_record_delete_kept_counts AFTER DELETE ON "VisitRecord"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION visit_record_kept_counts();

CREATE TRIGGER household_insert_kept_counts AFTER INSERT ON "Household"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION household_kept_counts();
CREATE TRIGGER household_update_kept_counts AFTER UPDATE ON "Household"
  REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION household_kept_counts();
CREATE TRIGGER household_delete_kept_counts AFTER DELETE ON "Household"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION household_kept_counts();

-- Backfill: the households already there.
SELECT refresh_household_kept_counts(ARRAY(SELECT id FROM "Household"), ARRAY['open-task', 'late-task',
  'open-escalation', 'escalation-opened', 'visit', 'compliant-visit', 'household', 'at-risk']);
