import { type Credit, creditOf, type LearningEntry, round2, roundHours, VERB } from './learning';
import { categoryUnder, type Policy, type Requirement } from './policy';
import type { CatalogEntry } from './reference-data';

/** What one entry earns under a policy (TRAINING-DOMAIN, Credit). */
export interface EntryCredit {
  /** The category the policy counts it under (its catalog category unless the policy reclassifies it). */
  category: string | null;
  /**
   * False when the entry's category is one no requirement of the policy names (an optional
   * specialised course): recorded, shown on the transcript, never in earned hours or progress.
   */
  counted: boolean;
  credit: Credit;
  /** A `passed` statement, or a success, that is not withdrawn. */
  passed: boolean;
}

// Read once: a property read of the imported VERB per fact showed in the completion profile.
const PASSED: string = VERB.passed;
const FAILED: string = VERB.failed;

/** The one place an entry's category, credit and pass are decided, for evaluations and tallies alike. */
export function entryCredit(
  entry: LearningEntry,
  policy: Policy,
  catalogEntry: CatalogEntry | undefined,
): EntryCredit {
  // Fields set one by one: an object spread here was most of an evaluation's time (profiled).
  const { category, counted } = countedCategory(policy, entry.activityId, catalogEntry);
  return {
    category,
    counted,
    credit: creditOf(entry, catalogEntry, { basis: policy.credit.basis, rounding: policy.credit.rounding }),
    passed: entry.facts.some(
      (f) => f.voided === null && (f.verb === PASSED || (f.success === true && f.verb !== FAILED)),
    ),
  };
}

/**
 * The category an activity counts under and whether the policy counts it at all. An activity the
 * catalog does not know has no category: it is counted (and flagged `not-in-catalog`), so a missing
 * catalog entry shows instead of vanishing.
 */
export function countedCategory(
  policy: Policy,
  activityId: string,
  catalogEntry: CatalogEntry | undefined,
): { category: string | null; counted: boolean } {
  const category = categoryUnder(policy, activityId, catalogEntry?.category ?? null);
  const named = namedCategories(policy);
  return { category, counted: category === null || named === null || named.has(category) };
}

const namedCache = new WeakMap<Policy, ReadonlySet<string> | null>();

/**
 * The categories a policy's requirements name (TRAINING-DOMAIN, Credit: "a category that no
 * requirement of the policy names is recorded but not counted"); null when they name none, as a
 * policy of total hours alone does: then every category counts toward its total.
 */
export function namedCategories(policy: Policy): ReadonlySet<string> | null {
  if (namedCache.has(policy)) return namedCache.get(policy)!;
  const names = new Set<string>();
  const walk = (node: Requirement) => {
    if ('all_of' in node) node.all_of.forEach(walk);
    else if ('any_of' in node) node.any_of.forEach(walk);
    else if ('min_hours' in node) {
      if (node.min_hours.category !== undefined) names.add(node.min_hours.category);
    } else if ('min_count' in node) names.add(node.min_count.category);
    else if (node.passed.category !== undefined) names.add(node.passed.category);
  };
  walk(policy.requirement);
  const named = names.size > 0 ? names : null;
  namedCache.set(policy, named);
  return named;
}

/**
 * What a requirement tree is judged on: credited hundredths of an hour and counted entries per
 * category, and passes per activity and per category. Integers, so sums are exact in any order.
 */
export interface Earned {
  centi: Record<string, number>;
  count: Record<string, number>;
  passedActivity: Record<string, number>;
  passedCategory: Record<string, number>;
}

/** A counted entry as a requirement shows it: what it contributed and the evidence for it. */
export interface Contribution {
  activityId: string;
  registration: string;
  category: string | null;
  hours: number;
  rule: string;
  evidence: string[];
  timestamp: string;
}

export interface RequirementResult {
  id: string;
  kind: 'all_of' | 'any_of' | 'min_hours' | 'min_count' | 'passed';
  category?: string;
  activity?: string;
  /** Hours, sessions, or 1 for `passed`; scaled by pro-rating. */
  required: number;
  earned: number;
  excess: number;
  met: boolean;
  contributing: Contribution[];
  children?: RequirementResult[];
}

/** The contributions behind the totals, when the caller has them (a running tally does not). */
export interface ContributionsOf {
  counted: readonly Contribution[];
  passed: readonly { activityId: string; category: string | null; c: Contribution }[];
}

const NONE: ContributionsOf = { counted: [], passed: [] };

/**
 * Judges a requirement tree (TRAINING-DOMAIN, Policy document: `all_of`, `any_of`, `min_hours`,
 * `min_count`, `passed`) on earned totals, with pro-rating for exemptions. Pro-rated hours round up
 * to the policy's unit: a part-year exemption never asks for less than its share.
 */
export function judgeRequirement(
  node: Requirement,
  earned: Earned,
  proRata: number,
  policy: Policy,
  contributions: ContributionsOf = NONE,
): RequirementResult {
  if ('all_of' in node || 'any_of' in node) {
    const all = 'all_of' in node;
    const children = (all ? node.all_of : node.any_of).map((n) =>
      judgeRequirement(n, earned, proRata, policy, contributions),
    );
    const met = all ? children.every((c) => c.met) : children.some((c) => c.met);
    return {
      id: node.id,
      kind: all ? 'all_of' : 'any_of',
      required: all ? children.length : 1,
      earned: children.filter((c) => c.met).length,
      excess: 0,
      met,
      contributing: [],
      children,
    };
  }
  if ('min_hours' in node) {
    const { category, hours } = node.min_hours;
    const centi =
      category === undefined
        ? Object.values(earned.centi).reduce((s, c) => s + Math.max(0, c), 0)
        : Math.max(0, earned.centi[category] ?? 0);
    const got = centi / 100;
    const unit = policy.credit.rounding?.unitHours ?? 0.01;
    const required =
      proRata === 1 ? hours : round2(roundHours(hours * proRata, { unitHours: unit, mode: 'up' }));
    return {
      id: node.id,
      kind: 'min_hours',
      ...(category === undefined ? {} : { category }),
      required,
      earned: got,
      excess: round2(Math.max(0, got - required)),
      met: got >= required,
      contributing: contributions.counted.filter(
        (c) => c.category !== null && (category === undefined || c.category === category) && c.hours > 0,
      ),
    };
  }
  if ('min_count' in node) {
    const { category, count } = node.min_count;
    const got = earned.count[category] ?? 0;
    const required = Math.ceil(count * proRata - 1e-9);
    return {
      id: node.id,
      kind: 'min_count',
      category,
      required,
      earned: got,
      excess: Math.max(0, got - required),
      met: got >= required,
      contributing: contributions.counted.filter((c) => c.category === category),
    };
  }
  const { activity, category } = node.passed;
  const passes =
    (activity !== undefined
      ? earned.passedActivity[activity]
      : category !== undefined
        ? earned.passedCategory[category]
        : 0) ?? 0;
  return {
    id: node.id,
    kind: 'passed',
    ...(activity === undefined ? {} : { activity }),
    ...(category === undefined ? {} : { category }),
    required: proRata === 0 ? 0 : 1,
    earned: passes > 0 ? 1 : 0,
    excess: 0,
    met: passes > 0 || proRata === 0,
    contributing: contributions.passed
      .filter((p) => (activity !== undefined ? p.activityId === activity : p.category === category))
      .map((p) => p.c),
  };
}

/** The status the log knows (TRAINING-DOMAIN, Statuses); `overdue` is decided against the clock. */
export function statusOf(
  proRata: number,
  met: boolean,
  started: boolean,
): 'not_started' | 'in_progress' | 'completed' | 'exempt' {
  if (proRata === 0) return 'exempt';
  if (met) return 'completed';
  return started ? 'in_progress' : 'not_started';
}

/**
 * The categories a policy's requirements name that nothing in the catalog can earn: neither a
 * catalog category (as the policy's classification maps it) nor a category the policy assigns to
 * an activity. Such a requirement could never be met; publishing it is refused unless overridden.
 */
export function unknownCategories(
  policy: Policy,
  catalogCategories: ReadonlySet<string>,
): { category: string; pointer: string }[] {
  const available = new Set<string>();
  for (const c of catalogCategories) available.add(policy.classification?.categories?.[c] ?? c);
  for (const c of Object.values(policy.classification?.activities ?? {})) available.add(c);
  const out: { category: string; pointer: string }[] = [];
  const walk = (node: Requirement, pointer: string) => {
    const named =
      'min_hours' in node
        ? { category: node.min_hours.category, at: `${pointer}/min_hours/category` }
        : 'min_count' in node
          ? { category: node.min_count.category, at: `${pointer}/min_count/category` }
          : 'passed' in node
            ? { category: node.passed.category, at: `${pointer}/passed/category` }
            : null;
    if (named?.category !== undefined && !available.has(named.category))
      out.push({ category: named.category, pointer: named.at });
    const key = 'all_of' in node ? 'all_of' : 'any_of' in node ? 'any_of' : null;
    const children = 'all_of' in node ? node.all_of : 'any_of' in node ? node.any_of : [];
    for (const [i, child] of children.entries()) walk(child, `${pointer}/${key}/${i}`);
  };
  walk(policy.requirement, '/requirement');
  return out;
}
