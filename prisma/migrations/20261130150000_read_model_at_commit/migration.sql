-- The households noted for the refresh at commit (below), in a schema of their own: the table and its
-- deferred constraint trigger are the triggers' machinery, not the application's (no Prisma model),
-- and Prisma's schema engine, which introspects `public`, cannot read a constraint trigger. UNLOGGED:
-- its rows live inside one transaction, so neither the WAL nor a crash recovery has anything to keep.
-- `xact` is the writing transaction's id, so concurrent writers never meet here.
CREATE SCHEMA read_model;
CREATE UNLOGGED TABLE read_model.refresh (
    xact BIGINT NOT NULL,
    household_id TEXT NOT NULL,
    standing BOOLEAN NOT NULL DEFAULT false,
    state_changes BOOLEAN NOT NULL DEFAULT false,
    kinds TEXT[] NOT NULL DEFAULT '{}',
    PRIMARY KEY (xact, household_id)
);
-- One row per transaction with notes: the deferred trigger hangs on it, so it fires once per commit,
-- not once per noted household (a bulk write notes 100,000; each later firing would scan the first
-- one's deleted rows again).
CREATE UNLOGGED TABLE read_model.pending (xact BIGINT PRIMARY KEY);

-- ---------------------------------------------------------------------------------------------
-- The read model is refreshed ONCE per household per transaction, when it commits.
--
-- Before, each statement's triggers (*_household_standing, *_kept_counts) recomputed the households
-- it touched at once: a visit's completion (its task, its visit record, its escalations: three
-- tables) or an admission (household, audit, task) recomputed the same household's standing and its
-- kept counts once per table written, three to six times, and most of PostgreSQL's time in a
-- transition went there. Now the three refresh functions the triggers call only note the household
-- (and which of its read model) in read_model.refresh; a deferred constraint trigger (on
-- read_model.pending, one row per transaction) runs the real refreshes, renamed *_now, when the
-- transaction commits: every noted household at once, set-wise, so a bulk INSERT … SELECT of 100,000
-- households is still one refresh.
--
-- What held before still holds: the refresh runs inside the writing transaction (a commit that
-- cannot refresh does not commit), and it first locks the households' standing rows in id order, then
-- computes in later statements that see every transaction committed before (READ COMMITTED): two
-- transactions writing one household are serialised at their commits, and the second computes from
-- the first one's rows. The locks are now held for the commit only, not from the first write on.
-- Nothing reads the read model inside a transaction that wrote its rows (the pages read it on their
-- own), which is what deferring to the commit would change.

ALTER FUNCTION refresh_household_standing(text[]) RENAME TO refresh_household_standing_now;
ALTER FUNCTION refresh_household_state_changes(text[]) RENAME TO refresh_household_state_changes_now;
ALTER FUNCTION refresh_household_kept_counts(text[], text[]) RENAME TO refresh_household_kept_counts_now;

-- Notes the households for the refresh at commit: their standing, their state changes, and the kinds
-- of kept counts a write can move.
CREATE FUNCTION note_read_model_refresh(ids text[], standing boolean, state_changes boolean, kinds text[])
RETURNS void LANGUAGE sql AS $fn$
  INSERT INTO read_model.pending (xact) VALUES (pg_current_xact_id()::text::bigint) ON CONFLICT DO NOTHING;
  INSERT INTO read_model.refresh AS r (xact, household_id, standing, state_changes, kinds)
  SELECT pg_current_xact_id()::text::bigint, i.id, standing, state_changes,
    ARRAY(SELECT DISTINCT k FROM unnest(kinds) k ORDER BY k)
  FROM (SELECT DISTINCT unnest(ids) AS id) i WHERE i.id IS NOT NULL
  ORDER BY i.id
  ON CONFLICT (xact, household_id) DO UPDATE SET
    standing = r.standing OR excluded.standing,
    state_changes = r.state_changes OR excluded.state_changes,
    kinds = ARRAY(SELECT DISTINCT k FROM unnest(r.kinds || excluded.kinds) k ORDER BY k);
$fn$;

-- The names every trigger function calls, kept: each now notes instead of refreshing.
CREATE FUNCTION refresh_household_standing(ids text[]) RETURNS void LANGUAGE sql AS $fn$
  SELECT note_read_model_refresh(ids, true, false, '{}');
$fn$;
CREATE FUNCTION refresh_household_state_changes(ids text[]) RETURNS void LANGUAGE sql AS $fn$
  SELECT note_read_model_refresh(ids, false, true, '{}');
$fn$;
CREATE FUNCTION refresh_household_kept_counts(ids text[], kinds text[]) RETURNS void LANGUAGE sql AS $fn$
  SELECT note_read_model_refresh(ids, false, false, kinds);
$fn$;

-- At commit: this transaction's noted households, refreshed in the order the read model depends on
-- (the kept `at-risk` count reads the standing). Fired once per transaction (its pending row); a
-- note written after it (only after SET CONSTRAINTS … IMMEDIATE) adds the row, and a firing, again.
CREATE FUNCTION refresh_read_model_at_commit() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
  noted read_model.refresh[];
  ids text[];
BEGIN
  DELETE FROM read_model.pending WHERE xact = pg_current_xact_id()::text::bigint;
  WITH taken AS (
    DELETE FROM read_model.refresh WHERE xact = pg_current_xact_id()::text::bigint RETURNING *
  )
  SELECT array_agg(t ORDER BY t.household_id) INTO noted FROM taken t;
  IF noted IS NULL THEN RETURN NULL; END IF;

  -- All the households' standing rows at once, in id order: the refreshes below lock subsets of them,
  -- and two commits sharing households must not take them in different orders.
  PERFORM 1 FROM "HouseholdStanding" s WHERE s."householdId" IN (SELECT household_id FROM unnest(noted))
  ORDER BY s."householdId" FOR UPDATE OF s;

  ids := ARRAY(SELECT household_id FROM unnest(noted) WHERE standing);
  IF cardinality(ids) > 0 THEN PERFORM refresh_household_standing_now(ids); END IF;
  ids := ARRAY(SELECT household_id FROM unnest(noted) WHERE state_changes);
  IF cardinality(ids) > 0 THEN PERFORM refresh_household_state_changes_now(ids); END IF;
  -- The kept counts in one refresh of every kind noted: it writes KeptCount in one sorted statement,
  -- where a statement per set of kinds would take the shared village rows in an order another
  -- commit may take the other way round (a deadlock, at COMMIT). A kind refreshed for a household
  -- whose write could not move it changes nothing.
  ids := ARRAY(SELECT household_id FROM unnest(noted) WHERE cardinality(kinds) > 0);
  IF cardinality(ids) > 0 THEN
    PERFORM refresh_household_kept_counts_now(ids,
      ARRAY(SELECT DISTINCT k FROM unnest(noted) n CROSS JOIN LATERAL unnest(n.kinds) AS k ORDER BY k));
  END IF;
  RETURN NULL;
END
$fn$;

CREATE CONSTRAINT TRIGGER read_model_refresh_at_commit AFTER INSERT ON read_model.pending
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION refresh_read_model_at_commit();
