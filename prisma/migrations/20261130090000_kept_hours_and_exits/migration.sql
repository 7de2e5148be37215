-- Two more kinds of KeptCount (README, "Page queries at scale"), kept by the same triggers with the
-- same discipline as *_board_counts (each refresh locks the households' standing rows first, then
-- recomputes their rows of the kinds the write can change and moves KeptCount by the difference):
-- - `open-task-hour`: open tasks by due HOUR, per village. The board's "overdue at now" per village
--   reads the kept `open-task` days before today, these hours of today before now's hour, and only the
--   tasks of now's own hour row by row (each task's household looked up for its village);
-- - `exit`: stable exits (ExitAssessment STABLY_OUT) by the day decided, per village: the report's
--   exits per village are the period's whole days from here and the two partial days row by row.
-- refresh_household_kept_counts is replaced whole (a plpgsql body cannot be patched): the same as in
-- *_board_counts plus the two kinds; the Task and Household triggers' functions add them to the kinds
-- they refresh, and ExitAssessment gets triggers of its own.

CREATE OR REPLACE FUNCTION refresh_household_kept_counts(ids text[], kinds text[]) RETURNS void LANGUAGE plpgsql AS $fn$
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
    WHERE kinds && ARRAY['open-task', 'open-task-hour', 'late-task', 'open-escalation', 'escalation-opened']
  ), escalations AS MATERIALIZED (
    SELECT k.hid, k."villageId", k.shard, k.status AS "taskStatus", e.rung, e."leaderId", e."openedAt", e."closedAt"
    FROM tasks k CROSS JOIN LATERAL (SELECT * FROM "Escalation" e WHERE e."taskId" = k.id) e
    WHERE kinds && ARRAY['open-escalation', 'escalation-opened']
  ), visits AS MATERIALIZED (
    SELECT hh.id AS hid, hh."villageId", r."visitedAt", r.compliant
    FROM hh CROSS JOIN LATERAL (SELECT * FROM "VisitRecord" r WHERE r."householdId" = hh.id) r
    WHERE kinds && ARRAY['visit', 'compliant-visit']
  ), exits AS MATERIALIZED (
    SELECT hh.id AS hid, hh."villageId", x."decidedAt"
    FROM hh CROSS JOIN LATERAL (SELECT * FROM "ExitAssessment" x WHERE x."householdId" = hh.id) x
    WHERE kinds && ARRAY['exit'] AND x.decision = 'STABLY_OUT'
  ), counted AS (
    SELECT k.hid, 'open-task' AS kind, d.dim, d.key, date_trunc('day', k."dueAt") AS bucket
    FROM tasks k CROSS JOIN LATERAL (VALUES ('rung', k.rung || '/' || k.shard), ('village', k."villageId"),
      ('cadre', k."assigneeId")) AS d(dim, key)
    WHERE k.status = 'OPEN'
    UNION ALL
    -- Today's part of the board's village counts: the open tasks due in today's whole hours before now.
    SELECT k.hid, 'open-task-hour', 'village', k."villageId", date_trunc('hour', k."dueAt") FROM tasks k
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
    -- The report's stable exits per village, by the day decided.
    SELECT x.hid, 'exit', 'village', x."villageId", date_trunc('day', x."decidedAt") FROM exits x
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


CREATE OR REPLACE FUNCTION task_kept_counts() RETURNS trigger LANGUAGE plpgsql AS $fn$
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
    PERFORM refresh_household_kept_counts(ids, ARRAY['open-task', 'open-task-hour', 'late-task', 'open-escalation',
      'escalation-opened', 'at-risk']);
  END IF;
  RETURN NULL;
END
$fn$;

CREATE OR REPLACE FUNCTION household_kept_counts() RETURNS trigger LANGUAGE plpgsql AS $fn$
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
    PERFORM refresh_household_kept_counts(moved, ARRAY['open-task', 'open-task-hour', 'late-task', 'open-escalation',
      'escalation-opened', 'visit', 'compliant-visit', 'exit', 'household', 'at-risk']);
  END IF;
  IF changed IS NOT NULL THEN PERFORM refresh_household_kept_counts(changed, ARRAY['household', 'at-risk']); END IF;
  RETURN NULL;
END
$fn$;

CREATE FUNCTION exit_assessment_kept_counts() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE ids text[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(DISTINCT "householdId") INTO ids FROM new_rows WHERE decision = 'STABLY_OUT';
  ELSIF TG_OP = 'DELETE' THEN
    SELECT array_agg(DISTINCT "householdId") INTO ids FROM old_rows WHERE decision = 'STABLY_OUT';
  ELSE
    SELECT array_agg(DISTINCT x) INTO ids FROM new_rows n JOIN old_rows o ON o.id = n.id
    CROSS JOIN LATERAL (VALUES (n."householdId"), (o."householdId")) AS v(x)
    WHERE (n."householdId", n.decision, n."decidedAt") IS DISTINCT FROM (o."householdId", o.decision, o."decidedAt")
      AND 'STABLY_OUT' IN (n.decision, o.decision);
  END IF;
  IF ids IS NOT NULL THEN PERFORM refresh_household_kept_counts(ids, ARRAY['exit']); END IF;
  RETURN NULL;
END
$fn$;

CREATE TRIGGER exit_assessment_insert_kept_counts AFTER INSERT ON "ExitAssessment"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION exit_assessment_kept_counts();
CREATE TRIGGER exit_assessment_update_kept_counts AFTER UPDATE ON "ExitAssessment"
  REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION exit_assessment_kept_counts();
CREATE TRIGGER exit_assessment_delete_kept_counts AFTER DELETE ON "ExitAssessment"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION exit_assessment_kept_counts();

-- Backfill: the households already there (the two kinds only; the others are kept already).
SELECT refresh_household_kept_counts(ARRAY(SELECT id FROM "Household"), ARRAY['open-task-hour', 'exit']);
ANALYZE "KeptCount";
ANALYZE "HouseholdKeptCount";
