import type { Credit, LearningEntry, LearningFact } from './learning';
import { learningEntries, repeatsFrom } from './learning';
import { entryKey } from './ledger';
import type { Policy } from './policy';
import type { CatalogEntry } from './reference-data';
import { countedCategory, type Earned, entryCredit, judgeRequirement, statusOf } from './requirements';

/**
 * Running totals of one official × policy × period (decision 005): what each entry adds, kept in
 * integer hundredths of an hour so that adding and withdrawing entries in any order gives exactly
 * the totals a recount would (a rebuild must reproduce the live fingerprint).
 */
export interface Tally extends Earned {
  /** Credited hundredths of an hour per category. */
  centi: Record<string, number>;
  /** Counted entries per category (sessions for min_count, presence in hoursByCategory). */
  count: Record<string, number>;
  passedActivity: Record<string, number>;
  passedCategory: Record<string, number>;
  /** Entries whose earning statement lies in the period. */
  counted: number;
  /** Entries with a live statement in the period. */
  touched: number;
  flags: Record<string, number>;
}

/** What one entry adds to one period's tally. */
export interface EntryPart {
  period: string;
  category: string | null;
  centi: number;
  counted: boolean;
  touched: boolean;
  passed: boolean;
  activityId: string;
  flags: string[];
  /** Learning time (epoch ms) of the statement that earned a counted entry; null otherwise. */
  earnedAtMs: number | null;
}

export const emptyTally = (): Tally => ({
  centi: {},
  count: {},
  passedActivity: {},
  passedCategory: {},
  counted: 0,
  touched: 0,
  flags: {},
});

function bump(map: Record<string, number>, key: string, by: number): void {
  const n = (map[key] ?? 0) + by;
  if (n === 0) delete map[key];
  else map[key] = n;
}

/** Adds (sign 1) or withdraws (sign -1) an entry's part. */
export function applyPart(t: Tally, part: EntryPart, sign: 1 | -1): void {
  if (part.touched) t.touched += sign;
  if (!part.counted) return;
  t.counted += sign;
  for (const f of part.flags) bump(t.flags, f, sign);
  if (part.category !== null) {
    bump(t.count, part.category, sign);
    bump(t.centi, part.category, sign * part.centi);
  }
  if (part.passed) {
    bump(t.passedActivity, part.activityId, sign);
    if (part.category !== null) bump(t.passedCategory, part.category, sign);
  }
}

/**
 * The parts the entries of one activity × registration (all their facts, any order) contribute to
 * a period judged by `policy`: one entry for a course, one per statement for an activity whose
 * repeats each earn. The same rules as evaluateCompletion (TRAINING-DOMAIN, Credit).
 */
export function entryParts(
  /** The entries' facts with those of the rest of their registration (a cmi5 course and its parts). */
  facts: readonly LearningFact[],
  key: string,
  policy: Policy,
  period: { id: string; startMs: number; endMs: number },
  catalog: (activityId: string) => CatalogEntry | undefined,
): EntryPart[] {
  const parts: EntryPart[] = [];
  for (const entry of learningEntries(facts, policy.credit.verbs, repeatsFrom(catalog))) {
    if (entryKey(entry.activityId, entry.registration) !== key) continue;
    const part = partOfEntry(entry, policy, period, catalog);
    if (part) parts.push(part);
  }
  return parts;
}

function partOfEntry(
  entry: LearningEntry,
  policy: Policy,
  period: { id: string; startMs: number; endMs: number },
  catalog: (activityId: string) => CatalogEntry | undefined,
): EntryPart | null {
  const catalogEntry = catalog(entry.activityId);
  // Recorded, not counted: a category no requirement names earns nothing and starts nothing.
  if (!countedCategory(policy, entry.activityId, catalogEntry).counted) return null;
  const { startMs, endMs } = period;
  const touched = entry.facts.some(
    (f) => f.voided === null && f.timestampMs >= startMs && f.timestampMs < endMs,
  );
  const earning = entry.earning;
  const counted = earning !== null && earning.timestampMs >= startMs && earning.timestampMs < endMs;
  if (!touched && !counted) return null;
  if (!counted)
    return {
      period: period.id,
      category: null,
      centi: 0,
      counted,
      touched,
      passed: false,
      activityId: entry.activityId,
      flags: [],
      earnedAtMs: null,
    };
  const { category, credit, passed } = entryCredit(entry, policy, catalogEntry);
  return partOf(period.id, entry.activityId, category, credit, passed, earning.timestampMs);
}

/** A counted entry's part of a period's tally. */
export function partOf(
  period: string,
  activityId: string,
  category: string | null,
  credit: Credit,
  passed: boolean,
  earnedAtMs: number | null = null,
): EntryPart {
  return {
    period,
    category,
    centi: Math.round(credit.hours * 100),
    counted: true,
    touched: true,
    passed,
    activityId,
    flags: credit.flags,
    earnedAtMs,
  };
}

/**
 * When a period's requirement tree first passed (issue 22): the learning time of the entry that
 * made it pass, replaying the counted parts in learning-time order; null when they never make it
 * pass. A requirement tree only gains from more entries (hours, counts and passes add up), so the
 * earliest passing prefix is found by halving.
 */
export function completionInstant(
  parts: readonly EntryPart[],
  policy: Policy,
  proRata: number,
): number | null {
  const counted = parts
    .filter((p) => p.counted && p.earnedAtMs !== null)
    .sort((a, b) => a.earnedAtMs! - b.earnedAtMs!);
  const passesWith = (n: number) => {
    const t = emptyTally();
    for (let i = 0; i < n; i++) applyPart(t, counted[i]!, 1);
    return judge(t, policy, proRata).status === 'completed';
  };
  if (counted.length === 0 || !passesWith(counted.length)) return null;
  let lo = 1;
  let hi = counted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (passesWith(mid)) hi = mid;
    else lo = mid + 1;
  }
  return counted[lo - 1]!.earnedAtMs;
}

export interface Judgement {
  met: boolean;
  status: 'not_started' | 'in_progress' | 'completed' | 'exempt';
  earnedHours: number;
  hoursByCategory: Record<string, number>;
  flags: string[];
}

/** The requirement tree judged on a tally, as evaluateCompletion judges it on the contributions. */
export function judge(t: Tally, policy: Policy, proRata: number): Judgement {
  const { met } = judgeRequirement(policy.requirement, t, proRata, policy);
  const hoursByCategory: Record<string, number> = {};
  let earned = 0;
  for (const category of Object.keys(t.count).sort()) {
    const c = t.centi[category] ?? 0;
    hoursByCategory[category] = c / 100;
    earned += c;
  }
  return {
    met,
    status: statusOf(proRata, met, t.touched > 0 || t.counted > 0),
    earnedHours: earned / 100,
    hoursByCategory,
    flags: Object.keys(t.flags).sort(),
  };
}

/** JSON with sorted keys, so equal tallies are equal text whatever the order of updates. */
export function tallyJson(t: Tally): Record<string, unknown> {
  const sorted = (m: Record<string, number>) =>
    Object.fromEntries(
      Object.keys(m)
        .sort()
        .map((k) => [k, m[k]!]),
    );
  return {
    centi: sorted(t.centi),
    count: sorted(t.count),
    passedActivity: sorted(t.passedActivity),
    passedCategory: sorted(t.passedCategory),
    counted: t.counted,
    touched: t.touched,
    flags: sorted(t.flags),
  };
}
