// Keeps the workflow's search attributes in step with its state, so operators can list households
// by status, village, category, policy, highest rung and next due date in Temporal itself.
import { upsertSearchAttributes } from '@temporalio/workflow';
import { acts, type HouseholdRun } from './context.js';
import { isPatched } from './patches.js';
import { HOUSEHOLD_SEARCH_ATTRIBUTES as KEYS } from './search-attribute-keys.js';

/** Upserts what changed since the last call (once per run for all of them). */
export async function publishSearchAttributes(run: HouseholdRun) {
  const { state } = run;
  if (state.status === 'ADMITTING' || !isPatched('searchAttributes')) return;
  // Loaded once, right after admission (or at the first pass of a run admitted before it was kept).
  // Not found: recorded once by survive(), and not asked again (an empty name leaves Village unset).
  state.village ??= (await run.survive('loadVillage', () =>
    acts.loadVillage({ householdId: state.householdId }),
  )) ?? { id: '', name: '' };
  const view = run.view();
  const values = {
    status: state.status,
    village: state.village.name || null,
    category: state.facts.category,
    policyVersion: state.policy.version,
    highestRung: view.highestRung,
    nextDueAt: view.nextDueAt ?? null,
  };
  const changed = Object.entries(values).filter(([name, value]) => run.published.get(name) !== value);
  if (changed.length === 0) return;
  upsertSearchAttributes(
    changed.map(([name, value]) => {
      const key = KEYS[name as keyof typeof KEYS];
      if (key === KEYS.nextDueAt) return { key, value: value === null ? null : new Date(value as string) };
      if (key === KEYS.highestRung) return { key, value: value as number };
      return { key: key as typeof KEYS.status, value: value as string | null };
    }),
  );
  for (const [name, value] of changed) run.published.set(name, value);
}
