import { type LearningFact, learningEntries, repeatsFrom, round2, VERB } from './learning';
import type { Period } from './periods';
import type { Policy } from './policy';
import type { CatalogEntry } from './reference-data';
import { countedCategory, entryCredit } from './requirements';

/** Internship hours logged but not yet confirmed by the supervisor (decision 055): shown, never earned. */
export interface PendingConfirmation {
  /** Unconfirmed log entries in the period. */
  entries: number;
  /** The hours they would earn once confirmed, under the policy's credit rule. */
  hours: number;
  /** Those hours per category the policy counts them under. */
  byCategory: Record<string, number>;
}

const isUnconfirmed = (f: LearningFact) =>
  f.voided === null && f.verb === VERB.performedOffline && f.completion !== true && f.success !== true;

/**
 * The pending part of a trainee's internship (TRAINING-DOMAIN: an internship episode counts once the
 * supervisor confirms it, decision 055): each learning entry that earns nothing yet and holds a live,
 * unconfirmed `performed-offline` statement learnt in the period, credited as it would be when
 * confirmed. The credit comes from `entryCredit`, the one credit rule, so a confirmed entry adds
 * exactly what was shown pending.
 */
export function pendingConfirmation(
  facts: readonly LearningFact[],
  policy: Policy,
  period: Period,
  catalog: (activityId: string) => CatalogEntry | undefined,
): PendingConfirmation {
  const out: PendingConfirmation = { entries: 0, hours: 0, byCategory: {} };
  if (!policy.credit.verbs.includes(VERB.performedOffline) || !facts.some(isUnconfirmed)) return out;
  const startMs = period.start.toMillis();
  const endMs = period.end.toMillis();
  for (const entry of learningEntries(facts, policy.credit.verbs, repeatsFrom(catalog))) {
    if (entry.earning !== null) continue;
    const fact = entry.facts.find(isUnconfirmed);
    if (!fact || fact.timestampMs < startMs || fact.timestampMs >= endMs) continue;
    const catalogEntry = catalog(entry.activityId);
    if (!countedCategory(policy, entry.activityId, catalogEntry).counted) continue;
    // The entry as it will be once confirmed: this statement earns its credit.
    const { category, credit } = entryCredit(
      {
        ...entry,
        earning: fact,
        measuredSeconds: fact.durationSeconds,
        durationIndefinite: fact.durationIndefinite,
      },
      policy,
      catalogEntry,
    );
    out.entries++;
    out.hours = round2(out.hours + credit.hours);
    const key = category ?? '';
    out.byCategory[key] = round2((out.byCategory[key] ?? 0) + credit.hours);
  }
  return out;
}
