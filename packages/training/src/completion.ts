import { DateTime } from 'luxon';
import {
  type Credit,
  type LearningEntry,
  type LearningFact,
  learningEntries,
  repeatsFrom,
  round2,
} from './learning';
import type { Period } from './periods';
import { dueDates, localDate } from './periods';
import type { Policy } from './policy';
import {
  type Contribution,
  countedCategory,
  entryCredit,
  judgeRequirement,
  type RequirementResult,
  statusOf,
} from './requirements';
import { applyPart, emptyTally, partOf } from './tally';

export type { Contribution, RequirementResult } from './requirements';

import type { CatalogEntry, Exemption, Official } from './reference-data';

export type CompletionStatus = 'not_started' | 'in_progress' | 'completed' | 'overdue' | 'exempt';

export interface Completion {
  officialId: string;
  policyId: string;
  version: number;
  period: string;
  periodStart: string;
  periodEnd: string;
  /** The instant the period's due date ends (exclusive); `dueDate` is how a person reads it. */
  due: string;
  /** The period's last day that counts, in the policy's zone (YYYY-MM-DD). */
  lastDay: string;
  /** The last day the requirement may be met on time, in the policy's zone (YYYY-MM-DD). */
  dueDate: string;
  overdueAfter: string;
  /** Status as the log knows it; `overdue` is decided at read time against the clock (statusAt). */
  status: Exclude<CompletionStatus, 'overdue'>;
  /** Share of the period the requirement applies to after exemptions (1 = whole period). */
  proRata: number;
  exemptDays: number;
  earnedHours: number;
  hoursByCategory: Record<string, number>;
  requirement: RequirementResult;
  flags: string[];
}

/** True when the official belongs to the policy's population; orgUnits include descendants. */
export function inPopulation(
  policy: Policy,
  official: Pick<Official, 'officialId' | 'staffGroup' | 'jurisdiction'>,
  orgUnitAncestry: readonly string[],
): boolean {
  const p = policy.population;
  if (p.staffGroups && !p.staffGroups.includes(official.staffGroup)) return false;
  if (p.jurisdictions && !p.jurisdictions.includes(official.jurisdiction)) return false;
  if (p.officials && !p.officials.includes(official.officialId)) return false;
  if (p.orgUnits && !p.orgUnits.some((u) => orgUnitAncestry.includes(u))) return false;
  return true;
}

export interface CompletionInput {
  policy: Policy;
  period: Period;
  official: Official;
  facts: readonly LearningFact[];
  catalog: (activityId: string) => CatalogEntry | undefined;
  exemptions: readonly Exemption[];
}

/** Evaluates one official × policy × period (TRAINING-DOMAIN, Statuses; decision 005). */
export function evaluateCompletion(input: CompletionInput): Completion {
  const { policy, period, official } = input;
  const entries = learningEntries(input.facts, policy.credit.verbs, repeatsFrom(input.catalog));
  const flags = new Set<string>();
  const counted: Contribution[] = [];
  const passedActivities: { activityId: string; category: string | null; c: Contribution }[] = [];
  const earned = emptyTally();
  let touched = false;
  const startMs = period.start.toMillis();
  const endMs = period.end.toMillis();
  for (const entry of entries) {
    const catalogEntry = input.catalog(entry.activityId);
    // Recorded, not counted: a category no requirement names earns nothing and starts nothing.
    if (!countedCategory(policy, entry.activityId, catalogEntry).counted) continue;
    if (entry.facts.some((f) => f.voided === null && f.timestampMs >= startMs && f.timestampMs < endMs))
      touched = true;
    const earning = entry.earning;
    if (!earning || earning.timestampMs < startMs || earning.timestampMs >= endMs) continue;
    const { category, credit, passed } = entryCredit(entry, policy, catalogEntry);
    for (const f of credit.flags) flags.add(f);
    const c = contribution(entry, category, credit);
    counted.push(c);
    if (passed) passedActivities.push({ activityId: entry.activityId, category, c });
    applyPart(earned, partOf(period.id, entry.activityId, category, credit, passed), 1);
  }
  const { proRata, exemptDays } = proRating(policy, period, input.exemptions);
  const requirement = judgeRequirement(policy.requirement, earned, proRata, policy, {
    counted,
    passed: passedActivities,
  });
  const hoursByCategory: Record<string, number> = {};
  let earnedHours = 0;
  for (const c of counted) {
    if (c.category === null) continue;
    hoursByCategory[c.category] = round2((hoursByCategory[c.category] ?? 0) + c.hours);
    earnedHours += c.hours;
  }
  const due = period.end.plus({ days: policy.due?.daysAfterPeriodEnd ?? 0 });
  const { lastDay, dueDate } = dueDates(policy, period);
  const overdueAfter = due.plus({ days: policy.due?.graceDays ?? 0 });
  return {
    officialId: official.officialId,
    policyId: policy.policyId,
    version: policy.version,
    period: period.id,
    periodStart: period.start.toISO() ?? '',
    periodEnd: period.end.toISO() ?? '',
    due: due.toISO() ?? '',
    lastDay,
    dueDate,
    overdueAfter: overdueAfter.toISO() ?? '',
    status: statusOf(proRata, requirement.met, touched || counted.length > 0),
    proRata: round4(proRata),
    exemptDays,
    earnedHours: round2(earnedHours),
    hoursByCategory,
    requirement,
    flags: [...flags].sort(),
  };
}

/** The status at a wall-clock instant: not complete once past due and grace → overdue. */
export function statusAt(
  status: Completion['status'],
  overdueAfterMs: number,
  nowMs: number,
): CompletionStatus {
  if ((status === 'not_started' || status === 'in_progress') && nowMs >= overdueAfterMs) return 'overdue';
  return status;
}

function contribution(entry: LearningEntry, category: string | null, credit: Credit): Contribution {
  return {
    activityId: entry.activityId,
    registration: entry.registration,
    category,
    hours: credit.hours,
    rule: credit.rule,
    evidence: entry.facts.filter((f) => f.voided === null).map((f) => f.statementId),
    timestamp: entry.earning?.timestamp ?? entry.start,
  };
}

/** Share of the period not covered by exemptions the policy recognises (days in the policy's zone). */
export function proRating(
  policy: Policy,
  period: Period,
  exemptions: readonly Exemption[],
): { proRata: number; exemptDays: number } {
  if (exemptions.length === 0) return { proRata: 1, exemptDays: 0 };
  const reasons = policy.exemptions?.reasons;
  const first = localDate(period.start);
  const last = localDate(period.end.minus({ days: 1 }));
  const periodDays = Math.round(period.end.diff(period.start, 'days').days);
  const days = new Set<string>();
  for (const e of exemptions) {
    if (reasons && !reasons.includes(e.reason)) continue;
    // ISO dates compare as strings.
    const from = [e.from, first].sort()[1]!;
    const to = [e.to, last].sort()[0]!;
    let d = DateTime.fromISO(from, { zone: 'UTC' });
    const end = DateTime.fromISO(to, { zone: 'UTC' });
    for (; d <= end && days.size <= periodDays; d = d.plus({ days: 1 })) days.add(d.toISODate() ?? '');
  }
  const exemptDays = days.size;
  if (exemptDays === 0) return { proRata: 1, exemptDays };
  if (exemptDays >= periodDays) return { proRata: 0, exemptDays };
  if (policy.exemptions?.prorate === false) return { proRata: 1, exemptDays };
  return { proRata: (periodDays - exemptDays) / periodDays, exemptDays };
}

const round4 = (n: number) => Math.round(n * 10_000) / 10_000;
