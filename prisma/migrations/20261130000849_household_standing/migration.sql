-- CreateTable
CREATE TABLE "HouseholdStanding" (
    "householdId" TEXT NOT NULL,
    "villageId" TEXT NOT NULL,
    "villageName" TEXT NOT NULL,
    "number" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "underSupervision" BOOLEAN NOT NULL DEFAULT false,
    "policyVersion" TEXT,
    "lastVisitAt" TIMESTAMP(3),
    "lastVisitCompliant" BOOLEAN,
    "lastIncomeYuan" DECIMAL(12,2),
    "compliantStreak" INTEGER NOT NULL DEFAULT 0,
    "openTasks" INTEGER NOT NULL DEFAULT 0,
    "openFollowUps" INTEGER NOT NULL DEFAULT 0,
    "earliestOpenDueAt" TIMESTAMP(3),
    "highestOpenRung" INTEGER NOT NULL DEFAULT 0,
    "riskReasons" INTEGER NOT NULL DEFAULT 0,
    "riskOrder" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "HouseholdStanding_pkey" PRIMARY KEY ("householdId")
);

-- CreateTable
CREATE TABLE "HouseholdStateChange" (
    "id" BIGSERIAL NOT NULL,
    "householdId" TEXT NOT NULL,
    "villageId" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,
    "key" TEXT NOT NULL,
    "delta" INTEGER NOT NULL,

    CONSTRAINT "HouseholdStateChange_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "HouseholdCountDelta" (
    "scope" TEXT NOT NULL,
    "day" DATE NOT NULL,
    "key" TEXT NOT NULL,
    "delta" INTEGER NOT NULL,

    CONSTRAINT "HouseholdCountDelta_pkey" PRIMARY KEY ("scope","day","key")
);

-- CreateIndex
CREATE INDEX "HouseholdStanding_riskOrder_villageName_number_idx" ON "HouseholdStanding"("riskOrder", "villageName", "number");

-- CreateIndex
CREATE INDEX "HouseholdStanding_villageName_number_idx" ON "HouseholdStanding"("villageName", "number");

-- CreateIndex
CREATE INDEX "HouseholdStanding_riskOrder_villageId_idx" ON "HouseholdStanding"("riskOrder", "villageId");

-- CreateIndex
CREATE INDEX "HouseholdStanding_progress_idx" ON "HouseholdStanding"("underSupervision", "policyVersion", "compliantStreak", "number");

-- CreateIndex
CREATE INDEX "HouseholdStanding_lastIncomeYuan_number_idx" ON "HouseholdStanding"("lastIncomeYuan", "number");

-- CreateIndex
CREATE INDEX "HouseholdStanding_lastVisitAt_idx" ON "HouseholdStanding"("lastVisitAt");

-- CreateIndex
CREATE INDEX "HouseholdStateChange_householdId_idx" ON "HouseholdStateChange"("householdId");

-- CreateIndex
CREATE INDEX "HouseholdStateChange_at_idx" ON "HouseholdStateChange"("at");

-- CreateIndex
CREATE INDEX "HouseholdStateChange_villageId_at_idx" ON "HouseholdStateChange"("villageId", "at");

-- AddForeignKey
ALTER TABLE "HouseholdStanding" ADD CONSTRAINT "HouseholdStanding_householdId_fkey" FOREIGN KEY ("householdId") REFERENCES "Household"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- ---------------------------------------------------------------------------------------------
-- HouseholdStanding, HouseholdStateChange and HouseholdCountDelta are never written by the
-- application: the statement-level triggers below recompute them for the households a statement
-- touched, in the same transaction, whatever wrote the rows (activities, admin actions, the seed, a
-- bulk INSERT … SELECT). Each refresh first locks the households' standing rows, and computes in
-- the statements after it: two transactions writing one household's rows at once are serialised,
-- and the second computes from a snapshot that holds the first one's rows (READ COMMITTED).

-- The standing of the given households, recomputed from their visits, tasks and escalations. Each
-- figure is a lookup of one household's rows through an index (LATERAL), so the cost is the same per
-- household for one row written by an activity as for 100,000 by a bulk INSERT … SELECT.
CREATE FUNCTION refresh_household_standing(ids text[]) RETURNS void LANGUAGE plpgsql AS $fn$
BEGIN
  PERFORM 1 FROM "HouseholdStanding" s JOIN (SELECT DISTINCT unnest(ids) AS id) i ON i.id = s."householdId"
  ORDER BY s."householdId" FOR UPDATE OF s;
  WITH standing AS (
    SELECT h.id, h."villageId", v.name AS "villageName", h.number, h.status, h."policyVersion",
      -- Under supervision: policy/vocabulary.ts ACTIVE_STATUSES (test/domain/household-standing.test.ts
      -- holds the two lists equal).
      h.status IN ('REGISTERED', 'SUPERVISED', 'PAUSED', 'CLOSING') AS active,
      lv."visitedAt", lv.compliant, lv."perCapitaIncomeYuan", st.n AS streak,
      ot.n AS open_tasks, ot.follow_ups, ot.earliest, orr.rung
    FROM (SELECT DISTINCT unnest(ids) AS id) i JOIN "Household" h ON h.id = i.id
    JOIN "Village" v ON v.id = h."villageId"
    LEFT JOIN LATERAL (
      SELECT r."visitedAt", r.compliant, r."perCapitaIncomeYuan" FROM "VisitRecord" r
      WHERE r."householdId" = h.id ORDER BY r."visitedAt" DESC, r.id DESC LIMIT 1
    ) lv ON true
    CROSS JOIN LATERAL (
      -- The compliant visits after the latest one that was not.
      SELECT count(*)::int AS n FROM "VisitRecord" r
      WHERE r."householdId" = h.id AND r.compliant AND r."visitedAt" > coalesce((
        SELECT max(m."visitedAt") FROM "VisitRecord" m WHERE m."householdId" = h.id AND NOT m.compliant
      ), '-infinity')
    ) st
    -- The household's tasks are read by household (and filtered after): a condition on status or
    -- closedAt alone could lure the planner to the (status, dueAt) or (closedAt) index, and read
    -- every open task of the township for each household.
    CROSS JOIN LATERAL (
      SELECT count(*) FILTER (WHERE t.status = 'OPEN')::int AS n,
        count(*) FILTER (WHERE t.status = 'OPEN' AND t.kind = 'FOLLOW_UP')::int AS follow_ups,
        min(t."dueAt") FILTER (WHERE t.status = 'OPEN') AS earliest
      FROM "Task" t WHERE t."householdId" = h.id
    ) ot
    CROSS JOIN LATERAL (
      -- Each task's escalations looked up by the task (a join here may be planned as a hash of the
      -- whole Escalation table, rebuilt for every household).
      SELECT coalesce(max(x.rung), 0)::int AS rung
      FROM "Task" t CROSS JOIN LATERAL (
        SELECT max(e.rung) FILTER (WHERE e."closedAt" IS NULL) AS rung FROM "Escalation" e
        WHERE e."taskId" = t.id AND t.status = 'OPEN'
      ) x
      WHERE t."householdId" = h.id
    ) orr
  ), reasons AS (
    -- At risk, while under supervision: an open follow-up, a last visit that was not compliant, or an
    -- open escalation at rung 2 or higher (a leader above the assignee has been told).
    SELECT standing.*, CASE WHEN active THEN (CASE WHEN follow_ups > 0 THEN 1 ELSE 0 END
      + CASE WHEN compliant = false THEN 1 ELSE 0 END + CASE WHEN rung >= 2 THEN 1 ELSE 0 END) ELSE 0 END AS reasons
    FROM standing
  )
  INSERT INTO "HouseholdStanding" ("householdId", "villageId", "villageName", number, status, "underSupervision",
    "policyVersion", "lastVisitAt", "lastVisitCompliant", "lastIncomeYuan", "compliantStreak", "openTasks",
    "openFollowUps", "earliestOpenDueAt", "highestOpenRung", "riskReasons", "riskOrder")
  SELECT id, "villageId", "villageName", number, status, active, "policyVersion", "visitedAt", compliant,
    "perCapitaIncomeYuan", streak, open_tasks, follow_ups, earliest, rung, reasons, -(reasons * 1000 + rung)
  FROM reasons ORDER BY id
  ON CONFLICT ("householdId") DO UPDATE SET "villageId" = excluded."villageId",
    "villageName" = excluded."villageName", number = excluded.number, status = excluded.status,
    "underSupervision" = excluded."underSupervision",
    "policyVersion" = excluded."policyVersion", "lastVisitAt" = excluded."lastVisitAt",
    "lastVisitCompliant" = excluded."lastVisitCompliant", "lastIncomeYuan" = excluded."lastIncomeYuan",
    "compliantStreak" = excluded."compliantStreak", "openTasks" = excluded."openTasks",
    "openFollowUps" = excluded."openFollowUps", "earliestOpenDueAt" = excluded."earliestOpenDueAt",
    "highestOpenRung" = excluded."highestOpenRung", "riskReasons" = excluded."riskReasons",
    "riskOrder" = excluded."riskOrder";
END
$fn$;

-- The audit actions that set a household's status (domain/queries/charts.ts explains the history).
CREATE FUNCTION status_of_action_household_standing(action text) RETURNS text LANGUAGE sql IMMUTABLE AS $fn$
  SELECT CASE action WHEN 'SUPERVISION_STARTED' THEN 'SUPERVISED' WHEN 'PAUSED' THEN 'PAUSED'
    WHEN 'RESUMED' THEN 'SUPERVISED' WHEN 'CLOSING_STARTED' THEN 'CLOSING' WHEN 'CLOSING_ABORTED' THEN 'SUPERVISED'
    WHEN 'STABLY_OUT' THEN 'STABLY_OUT' WHEN 'SUPERVISION_CANCELLED' THEN 'CANCELLED' END
$fn$;

-- The given households' state changes (status/category at each instant it changed, from creation
-- on), replaced, and the per-day counts moved by the difference.
CREATE FUNCTION refresh_household_state_changes(ids text[]) RETURNS void LANGUAGE plpgsql AS $fn$
BEGIN
  PERFORM 1 FROM "HouseholdStanding" s JOIN (SELECT DISTINCT unnest(ids) AS id) i ON i.id = s."householdId"
  ORDER BY s."householdId" FOR UPDATE OF s;
  WITH hh AS (
    SELECT h.id, h."villageId", h.status, h.category, h."createdAt",
      EXISTS (SELECT 1 FROM "AuditLog" a WHERE a."householdId" = h.id
        AND status_of_action_household_standing(a.action) IS NOT NULL) AS "hasStatusRows"
    FROM (SELECT DISTINCT unnest(ids) AS id) i JOIN "Household" h ON h.id = i.id
  ), points AS (
    -- Every instant the household's state may change, from its creation on, each row carrying the
    -- household's own columns (no CTE joined to another: one index lookup per household or point).
    SELECT hh.id AS hid, hh."villageId", hh.status, hh.category, hh."hasStatusRows", p.at
    FROM hh CROSS JOIN LATERAL (
      SELECT hh."createdAt" AS at
      UNION
      SELECT a.at FROM "AuditLog" a WHERE a."householdId" = hh.id
        AND (status_of_action_household_standing(a.action) IS NOT NULL
          OR CASE a.action WHEN 'CATEGORY_CHANGED' THEN true END)
        AND a.at >= hh."createdAt"
    ) p
  ), states AS (
    -- The status: the last status row at or before the instant (已登记 before the first one; the
    -- current status throughout when there is none). The category: the `from` of the first
    -- category change after the instant, or the current category.
    SELECT p.hid, p."villageId", p.at,
      CASE WHEN p."hasStatusRows" THEN coalesce(s.status, 'REGISTERED') ELSE p.status END
        || '/' || coalesce(c.category, p.category) AS key
    FROM points p
    LEFT JOIN LATERAL (
      SELECT status_of_action_household_standing(a.action) AS status FROM "AuditLog" a
      WHERE a."householdId" = p.hid AND status_of_action_household_standing(a.action) IS NOT NULL
        AND a.at <= p.at
      ORDER BY a.at DESC, a.id DESC LIMIT 1
    ) s ON true
    LEFT JOIN LATERAL (
      SELECT CASE WHEN jsonb_typeof(a.detail -> 'from') = 'string' THEN a.detail ->> 'from' END AS category
      FROM "AuditLog" a
      WHERE a."householdId" = p.hid AND CASE a.action WHEN 'CATEGORY_CHANGED' THEN true END AND a.at > p.at
      ORDER BY a.at, a.id LIMIT 1
    ) c ON true
  ), seq AS (
    SELECT hid, "villageId", at, key, lag(key) OVER (PARTITION BY hid ORDER BY at) AS prev FROM states
  ), fresh AS (
    SELECT hid, "villageId", at, key, 1 AS delta FROM seq WHERE prev IS DISTINCT FROM key
    UNION ALL
    SELECT hid, "villageId", at, prev, -1 FROM seq WHERE prev IS NOT NULL AND prev <> key
  ), removed AS (
    DELETE FROM "HouseholdStateChange" c USING (SELECT DISTINCT unnest(ids) AS id) i WHERE c."householdId" = i.id
    RETURNING c."villageId", c.at, c.key, c.delta
  ), added AS (
    INSERT INTO "HouseholdStateChange" ("householdId", "villageId", at, key, delta)
    SELECT hid, "villageId", at, key, delta FROM fresh
    RETURNING "villageId", at, key, delta
  ), moves AS (
    SELECT "villageId", at, key, delta FROM added
    UNION ALL
    SELECT "villageId", at, key, -delta FROM removed
  ), net AS (
    SELECT s.scope, m.at::date AS day, m.key, sum(m.delta)::int AS delta
    FROM moves m CROSS JOIN LATERAL (VALUES (m."villageId"), ('')) AS s(scope)
    GROUP BY 1, 2, 3 HAVING sum(m.delta) <> 0
  )
  INSERT INTO "HouseholdCountDelta" (scope, day, key, delta)
  SELECT scope, day, key, delta FROM net ORDER BY scope, day, key
  ON CONFLICT (scope, day, key) DO UPDATE SET delta = "HouseholdCountDelta".delta + excluded.delta;
END
$fn$;

CREATE FUNCTION task_household_standing() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE ids text[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(DISTINCT "householdId") INTO ids FROM new_rows;
  ELSIF TG_OP = 'DELETE' THEN
    SELECT array_agg(DISTINCT "householdId") INTO ids FROM old_rows;
  ELSE
    -- Only the changes the standing depends on (a reassignment or a new rung changes none of it).
    SELECT array_agg(DISTINCT x) INTO ids FROM new_rows n JOIN old_rows o ON o.id = n.id
    CROSS JOIN LATERAL (VALUES (n."householdId"), (o."householdId")) AS v(x)
    WHERE (n."householdId", n.status, n.kind, n."dueAt") IS DISTINCT FROM (o."householdId", o.status, o.kind, o."dueAt");
  END IF;
  IF ids IS NOT NULL THEN PERFORM refresh_household_standing(ids); END IF;
  RETURN NULL;
END
$fn$;

CREATE FUNCTION visit_record_household_standing() RETURNS trigger LANGUAGE plpgsql AS $fn$
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
  IF ids IS NOT NULL THEN PERFORM refresh_household_standing(ids); END IF;
  RETURN NULL;
END
$fn$;

CREATE FUNCTION escalation_household_standing() RETURNS trigger LANGUAGE plpgsql AS $fn$
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
  IF ids IS NOT NULL THEN PERFORM refresh_household_standing(ids); END IF;
  RETURN NULL;
END
$fn$;

CREATE FUNCTION household_household_standing() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE standing text[]; changes text[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(id) INTO standing FROM new_rows;
    changes := standing;
  ELSE
    SELECT array_agg(n.id) FILTER (WHERE (n."villageId", n.number, n.status, n."policyVersion")
        IS DISTINCT FROM (o."villageId", o.number, o.status, o."policyVersion")),
      array_agg(n.id) FILTER (WHERE (n."villageId", n.status, n.category, n."createdAt")
        IS DISTINCT FROM (o."villageId", o.status, o.category, o."createdAt"))
    INTO standing, changes
    FROM new_rows n JOIN old_rows o ON o.id = n.id;
  END IF;
  IF standing IS NOT NULL THEN PERFORM refresh_household_standing(standing); END IF;
  IF changes IS NOT NULL THEN PERFORM refresh_household_state_changes(changes); END IF;
  RETURN NULL;
END
$fn$;

CREATE FUNCTION village_household_standing() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  UPDATE "HouseholdStanding" s SET "villageName" = n.name
  FROM new_rows n JOIN old_rows o ON o.id = n.id
  WHERE s."villageId" = n.id AND o.name IS DISTINCT FROM n.name;
  RETURN NULL;
END
$fn$;

CREATE FUNCTION audit_log_household_standing() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE ids text[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(DISTINCT "householdId") INTO ids FROM new_rows
    WHERE status_of_action_household_standing(action) IS NOT NULL OR action = 'CATEGORY_CHANGED';
  ELSIF TG_OP = 'DELETE' THEN
    SELECT array_agg(DISTINCT "householdId") INTO ids FROM old_rows
    WHERE status_of_action_household_standing(action) IS NOT NULL OR action = 'CATEGORY_CHANGED';
  ELSE
    SELECT array_agg(DISTINCT "householdId") INTO ids
    FROM (SELECT "householdId", action FROM new_rows UNION ALL SELECT "householdId", action FROM old_rows) r
    WHERE status_of_action_household_standing(action) IS NOT NULL OR action = 'CATEGORY_CHANGED';
  END IF;
  ids := array_remove(ids, NULL);
  IF cardinality(ids) > 0 THEN PERFORM refresh_household_state_changes(ids); END IF;
  RETURN NULL;
END
$fn$;

-- A trigger with transition tables serves one event, hence three per table.
CREATE TRIGGER task_insert_household_standing AFTER INSERT ON "Task"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION task_household_standing();
CREATE TRIGGER task_update_household_standing AFTER UPDATE ON "Task"
  REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION task_household_standing();
CREATE TRIGGER task_delete_household_standing AFTER DELETE ON "Task"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION task_household_standing();

CREATE TRIGGER visit_record_insert_household_standing AFTER INSERT ON "VisitRecord"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION visit_record_household_standing();
CREATE TRIGGER visit_record_update_household_standing AFTER UPDATE ON "VisitRecord"
  REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION visit_record_household_standing();
CREATE TRIGGER visit_record_delete_household_standing AFTER DELETE ON "VisitRecord"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION visit_record_household_standing();

CREATE TRIGGER escalation_insert_household_standing AFTER INSERT ON "Escalation"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION escalation_household_standing();
CREATE TRIGGER escalation_update_household_standing AFTER UPDATE ON "Escalation"
  REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION escalation_household_standing();
CREATE TRIGGER escalation_delete_household_standing AFTER DELETE ON "Escalation"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION escalation_household_standing();

CREATE TRIGGER household_insert_household_standing AFTER INSERT ON "Household"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION household_household_standing();
CREATE TRIGGER household_update_household_standing AFTER UPDATE ON "Household"
  REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION household_household_standing();

CREATE TRIGGER village_update_household_standing AFTER UPDATE ON "Village"
  REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION village_household_standing();

CREATE TRIGGER audit_log_insert_household_standing AFTER INSERT ON "AuditLog"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION audit_log_household_standing();
CREATE TRIGGER audit_log_update_household_standing AFTER UPDATE ON "AuditLog"
  REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION audit_log_household_standing();
CREATE TRIGGER audit_log_delete_household_standing AFTER DELETE ON "AuditLog"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION audit_log_household_standing();

-- Backfill: the households already there (the standing first: the state changes lock its rows).
SELECT refresh_household_standing(ARRAY(SELECT id FROM "Household"));
SELECT refresh_household_state_changes(ARRAY(SELECT id FROM "Household"));
