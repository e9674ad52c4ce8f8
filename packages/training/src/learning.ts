import type { LanguageMap } from '@lrs/xapi';
import type { CreditBasis, Rounding } from './policy';
import type { CatalogEntry, Repeats } from './reference-data';

export const VERB = {
  attended: 'http://adlnet.gov/expapi/verbs/attended',
  completed: 'http://adlnet.gov/expapi/verbs/completed',
  passed: 'http://adlnet.gov/expapi/verbs/passed',
  failed: 'http://adlnet.gov/expapi/verbs/failed',
  registered: 'http://adlnet.gov/expapi/verbs/registered',
  satisfied: 'https://w3id.org/xapi/adl/verbs/satisfied',
  waived: 'https://w3id.org/xapi/adl/verbs/waived',
  performedOffline: 'http://id.tincanapi.com/verb/performed-offline',
} as const;

/** Verbs that earn credit on a transcript when no policy says otherwise (TRAINING-DOMAIN, xAPI vocabulary). */
export const DEFAULT_EARNING_VERBS: readonly string[] = [
  VERB.attended,
  VERB.completed,
  VERB.passed,
  // Counts once, never on top of its parts (learningEntries).
  VERB.satisfied,
  VERB.performedOffline,
];

/** One statement about an activity, as the ledger keeps it. */
export interface LearningFact {
  statementId: string;
  officialId: string | null;
  activityId: string;
  /** '' when the statement has no registration. */
  registration: string;
  verb: string;
  timestamp: string;
  timestampMs: number;
  duration: string | null;
  /** Null when absent or when years/months/weeks give it no fixed length. */
  durationSeconds: number | null;
  durationIndefinite: boolean;
  success: boolean | null;
  completion: boolean | null;
  title: LanguageMap | null;
  activityType: string | null;
  /** Which credential or import wrote it. */
  source: string;
  authority: string | null;
  recorded: string;
  /** A `waived` statement's cmi5 reason extension; null when it has none. */
  reason?: string | null;
  /** Log order. */
  seq: number;
  voided: { by: string; at: string; who: string | null } | null;
}

export type EntryStatus =
  | 'registered'
  | 'in_progress'
  | 'completed'
  | 'passed'
  | 'failed'
  | 'waived'
  | 'withdrawn';

/** What one official did in one activity × registration (TRAINING-DOMAIN, Transcript entry). */
export interface LearningEntry {
  activityId: string;
  registration: string;
  /**
   * The statement id of an episode (a session, meeting or log entry whose activity repeats with
   * each statement), null for an entry that earns once per registration.
   */
  episode: string | null;
  facts: LearningFact[];
  start: string;
  end: string;
  status: EntryStatus;
  success: boolean | null;
  /** Longest measured time of the credit-earning statements. */
  measuredSeconds: number | null;
  /** A credit-earning statement's duration was in years, months or weeks. */
  durationIndefinite: boolean;
  /** The statement that earns the entry's credit: the first one, so credit is counted once per entry. */
  earning: LearningFact | null;
  /**
   * A cmi5 `satisfied` (course or block moveOn met) whose parts, the other activities of the same
   * registration, earn credit themselves: it counts once, never on top of them (TRAINING-DOMAIN).
   */
  coveredByParts?: boolean;
}

/** How an activity's repeats combine: the catalog says, courses and modules by default. */
export type RepeatsOf = (activityId: string) => Repeats | undefined;
const ONCE: RepeatsOf = () => undefined;

/** A RepeatsOf that reads the catalog through `catalog`. */
export const repeatsFrom =
  (catalog: (activityId: string) => CatalogEntry | undefined): RepeatsOf =>
  (activityId) =>
    catalog(activityId)?.repeats;

/**
 * Groups facts into entries per activity × registration, or per statement for an activity whose
 * repeats each earn (sessions, meetings, internship log entries); credit is deduplicated there
 * (TRAINING-DOMAIN, Credit). Facts must be one official's; the result is in order of first statement.
 */
export function learningEntries(
  facts: readonly LearningFact[],
  earningVerbs: readonly string[],
  repeatsOf: RepeatsOf = ONCE,
): LearningEntry[] {
  const groups = new Map<string, LearningFact[]>();
  const sorted = [...facts].sort((a, b) => a.seq - b.seq);
  const eachStatement = new Map<string, boolean>();
  const isEpisode = (activityId: string) => {
    let each = eachStatement.get(activityId);
    if (each === undefined) {
      each = repeatsOf(activityId) === 'each-statement';
      eachStatement.set(activityId, each);
    }
    return each;
  };
  for (const fact of sorted) {
    const base = `${fact.activityId}\u0000${fact.registration}`;
    // The statement id de-duplicates an episode: a re-sent statement is the same fact already.
    const key = isEpisode(fact.activityId) ? `${base}\u0000${fact.statementId}` : base;
    const list = groups.get(key);
    if (list) list.push(fact);
    else groups.set(key, [fact]);
  }
  const earns = new Set(earningVerbs);
  const entries: LearningEntry[] = [];
  for (const group of groups.values()) {
    const live = group.filter((f) => f.voided === null);
    const earningFacts = live.filter((f) => earns.has(f.verb) && earnsWhenConfirmed(f));
    const first = group[0]!;
    const byTime = [...(live.length > 0 ? live : group)].sort((a, b) => a.timestampMs - b.timestampMs);
    const definite = earningFacts.map((f) => f.durationSeconds).filter((s): s is number => s !== null);
    entries.push({
      activityId: first.activityId,
      registration: first.registration,
      episode: isEpisode(first.activityId) ? first.statementId : null,
      facts: group,
      start: byTime[0]!.timestamp,
      end: byTime[byTime.length - 1]!.timestamp,
      status: entryStatus(live),
      success: live.reduce<boolean | null>(
        (s, f) => (f.success === null ? s : f.success || s === true),
        null,
      ),
      measuredSeconds: definite.length > 0 ? Math.max(...definite) : null,
      durationIndefinite: earningFacts.some((f) => f.durationIndefinite),
      earning: earningFacts[0] ?? null,
    });
  }
  // cmi5: one registration spans the course, its blocks and its AUs; `satisfied` on the course or a
  // block says its parts' moveOn is met, so its credit would count the parts a second time.
  const partsEarn = new Set<string>();
  for (const e of entries)
    if (e.registration !== '' && e.earning !== null && e.earning.verb !== VERB.satisfied)
      partsEarn.add(e.registration);
  for (const e of entries)
    if (e.earning?.verb === VERB.satisfied && partsEarn.has(e.registration)) {
      e.earning = null;
      e.coveredByParts = true;
    }
  return entries;
}

// An internship episode counts only once confirmed (TRAINING-DOMAIN): completion or success set.
function earnsWhenConfirmed(fact: LearningFact): boolean {
  // cmi5 9.5.4.1: a waiver carries its reason; without one it is recorded but earns nothing.
  if (fact.verb === VERB.waived) return typeof fact.reason === 'string' && fact.reason !== '';
  if (fact.verb !== VERB.performedOffline) return true;
  return fact.completion === true || fact.success === true;
}

function entryStatus(live: readonly LearningFact[]): EntryStatus {
  if (live.length === 0) return 'withdrawn';
  const verbs = new Set(live.map((f) => f.verb));
  if (verbs.has(VERB.passed)) return 'passed';
  if (verbs.has(VERB.completed) || verbs.has(VERB.attended) || verbs.has(VERB.satisfied)) return 'completed';
  if (verbs.has(VERB.failed)) return 'failed';
  if (verbs.has(VERB.waived)) return 'waived';
  if (verbs.size === 1 && verbs.has(VERB.registered)) return 'registered';
  return 'in_progress';
}

export interface Credit {
  hours: number;
  /** The rule that produced the hours, in words an official and an auditor can read. */
  rule: string;
  flags: string[];
}

export interface CreditRule {
  basis: CreditBasis | 'nominal-else-measured';
  rounding?: Rounding | undefined;
}

/** The transcript's own rule when no policy is asked for: the catalog's hours, else the time measured. */
export const TRANSCRIPT_CREDIT_RULE: CreditRule = { basis: 'nominal-else-measured' };

/**
 * Credited hours of an entry (TRAINING-DOMAIN, Credit): result.duration is time spent, the
 * catalog gives nominal hours, the policy picks the basis and the rounding. A duration in
 * years, months or weeks has no fixed length: recorded, credited 0, flagged.
 */
export function creditOf(entry: LearningEntry, catalog: CatalogEntry | undefined, rule: CreditRule): Credit {
  const earning = entry.earning;
  if (entry.coveredByParts)
    return {
      hours: 0,
      rule: 'no credit: satisfied counts once, never on top of its parts (the activities of its registration earn the credit)',
      flags: ['satisfied-by-parts'],
    };
  if (!earning) {
    if (entry.facts.some((f) => f.voided === null && f.verb === VERB.waived && !f.reason))
      return {
        hours: 0,
        rule: 'no credit: waived without a reason (cmi5 requires the reason extension)',
        flags: ['waiver-without-reason'],
      };
    const withdrawn = entry.facts.some((f) => f.voided !== null) && entry.status === 'withdrawn';
    return {
      hours: 0,
      rule: withdrawn
        ? 'no credit: withdrawn by a voiding statement'
        : 'no credit: no credit-earning statement',
      flags: withdrawn ? ['voided'] : [],
    };
  }
  if (entry.durationIndefinite && entry.measuredSeconds === null) {
    return {
      hours: 0,
      rule: `no credit: duration ${earning.duration} has no fixed length (years, months or weeks)`,
      flags: ['duration-indefinite'],
    };
  }
  const nominal = catalog?.nominalHours ?? null;
  // A waiver (equivalency) stands for the course itself: its nominal hours, whatever the basis, as
  // the policy lists `waived` among its verbs (TRAINING-DOMAIN: per policy).
  if (earning.verb === VERB.waived) {
    if (nominal === null)
      return {
        hours: 0,
        rule: 'no credit: waived, but no nominal hours in the catalog',
        flags: ['waived', 'not-in-catalog'],
      };
    const hours = rule.rounding ? roundHours(nominal, rule.rounding) : nominal;
    return {
      hours: round2(hours),
      rule: `waived (reason: ${earning.reason}): nominal ${nominal} h from the catalog`,
      flags: ['waived'],
    };
  }
  const measured = entry.measuredSeconds === null ? null : entry.measuredSeconds / 3600;
  let hours: number;
  let text: string;
  const flags: string[] = [];
  switch (rule.basis) {
    case 'nominal':
      if (nominal === null)
        return { hours: 0, rule: 'no credit: no nominal hours in the catalog', flags: ['not-in-catalog'] };
      hours = nominal;
      text = `nominal ${nominal} h from the catalog`;
      break;
    case 'measured':
      if (measured === null)
        return { hours: 0, rule: 'no credit: no measured duration', flags: ['no-duration'] };
      hours = measured;
      text = `measured ${earning.duration ?? ''}`.trim();
      break;
    case 'min':
      if (nominal === null)
        return { hours: 0, rule: 'no credit: no nominal hours in the catalog', flags: ['not-in-catalog'] };
      // A roster line often has no duration: then the nominal hours stand alone.
      if (measured === null) {
        hours = nominal;
        text = `nominal ${nominal} h (no measured duration)`;
        flags.push('no-duration');
      } else {
        hours = Math.min(nominal, measured);
        text = `min(nominal ${nominal} h, measured ${round2(measured)} h)`;
      }
      break;
    case 'nominal-else-measured':
      if (nominal !== null) {
        hours = nominal;
        text = `nominal ${nominal} h from the catalog`;
      } else if (measured !== null) {
        hours = measured;
        text = `measured ${earning.duration ?? ''} (not in the catalog)`.trim();
      } else
        return { hours: 0, rule: 'no credit: not in the catalog and no duration', flags: ['not-in-catalog'] };
      break;
  }
  if (rule.rounding) {
    const rounded = roundHours(hours, rule.rounding);
    if (rounded !== hours) text += `, rounded ${rule.rounding.mode} to ${rule.rounding.unitHours} h`;
    hours = rounded;
  }
  return { hours: round2(hours), rule: text, flags };
}

export function roundHours(hours: number, rounding: Rounding): number {
  const units = hours / rounding.unitHours;
  // Float noise (0.75/0.25 = 2.9999…) must not lose a quarter hour.
  const fixed = Math.round(units * 1e9) / 1e9;
  const whole =
    rounding.mode === 'down'
      ? Math.floor(fixed)
      : rounding.mode === 'up'
        ? Math.ceil(fixed)
        : Math.round(fixed);
  return whole * rounding.unitHours;
}

export const round2 = (n: number) => Math.round(n * 100) / 100;
