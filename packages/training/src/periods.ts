import { DateTime } from 'luxon';
import type { Policy } from './policy';
import type { Official } from './reference-data';

/** A requirement period: [start, end) in the policy's time zone. */
export interface Period {
  id: string;
  start: DateTime;
  end: DateTime;
}

const YEAR = /^\d{4}$/;
const FISCAL = /^FY(\d{4})$/;
export const PERSONAL_PERIOD = 'personal';

type Anchored = Pick<Official, 'employedFrom' | 'orgUnitFrom'>;

/**
 * The period a learning instant belongs to: the statement timestamp converted into the policy's
 * zone (TRAINING-DOMAIN, Periods), so 23:30 on 31 December in Seoul is that year although it is
 * 14:30 UTC. Null when the instant lies outside every period (before a fixed window, say).
 */
export function periodAt(policy: Policy, instantMs: number, official?: Anchored): Period | null {
  // Zone conversion dominates a rebuild's profile: reuse a known period when the instant lies in it.
  const anchor = policy.period.type === 'anchored' && official ? (official[policy.period.anchor] ?? '') : '';
  let known = periodCache.get(policy);
  if (!known) {
    known = new Map();
    periodCache.set(policy, known);
  }
  for (const p of known.get(anchor) ?? []) if (instantMs >= p.startMs && instantMs < p.endMs) return p.period;
  const period = computePeriodAt(policy, instantMs, official);
  if (period) {
    const list = known.get(anchor) ?? [];
    // Few periods per policy are live at once; a bounded list keeps the cache from growing with time.
    if (list.length >= 16) list.shift();
    list.push({ period, startMs: period.start.toMillis(), endMs: period.end.toMillis() });
    known.set(anchor, list);
  }
  return period;
}

const periodCache = new WeakMap<Policy, Map<string, { period: Period; startMs: number; endMs: number }[]>>();

function computePeriodAt(policy: Policy, instantMs: number, official?: Anchored): Period | null {
  const local = DateTime.fromMillis(instantMs, { zone: policy.timeZone });
  const spec = policy.period;
  switch (spec.type) {
    case 'calendar_year':
      return calendarYear(policy.timeZone, local.year);
    case 'fiscal_year': {
      const startThisYear = DateTime.fromObject(
        { year: local.year, month: spec.startMonth, day: spec.startDay },
        { zone: policy.timeZone },
      );
      return fiscalYear(policy, local < startThisYear ? local.year - 1 : local.year);
    }
    case 'fixed_window': {
      const period = fixedWindow(policy);
      return period && contains(period, local) ? period : null;
    }
    case 'anchored': {
      const period = official ? personalPeriod(policy, official) : null;
      return period && contains(period, local) ? period : null;
    }
  }
}

/** The period named by `id` under this policy's period type, or null when no such period exists. */
export function periodById(policy: Policy, id: string, official?: Anchored): Period | null {
  const spec = policy.period;
  switch (spec.type) {
    case 'calendar_year':
      return YEAR.test(id) ? calendarYear(policy.timeZone, Number(id)) : null;
    case 'fiscal_year': {
      const m = FISCAL.exec(id);
      return m ? fiscalYear(policy, Number(m[1])) : null;
    }
    case 'fixed_window':
      return id === spec.id ? fixedWindow(policy) : null;
    case 'anchored':
      return id === PERSONAL_PERIOD && official ? personalPeriod(policy, official) : null;
  }
}

/** What a period id of this policy looks like, for error messages. */
export function periodIdFormat(policy: Policy): string {
  switch (policy.period.type) {
    case 'calendar_year':
      return 'a year, e.g. 2024';
    case 'fiscal_year':
      return `FY<year of its start>, e.g. FY2024 (from ${policy.period.startMonth}/${policy.period.startDay})`;
    case 'fixed_window':
      return policy.period.id;
    case 'anchored':
      return PERSONAL_PERIOD;
  }
}

const contains = (period: Period, local: DateTime) => local >= period.start && local < period.end;

function calendarYear(zone: string, year: number): Period {
  const start = DateTime.fromObject({ year, month: 1, day: 1 }, { zone });
  return { id: String(year), start, end: start.plus({ years: 1 }) };
}

function fiscalYear(policy: Policy, year: number): Period {
  if (policy.period.type !== 'fiscal_year') throw new Error('not a fiscal-year policy');
  const start = DateTime.fromObject(
    { year, month: policy.period.startMonth, day: policy.period.startDay },
    { zone: policy.timeZone },
  );
  return { id: `FY${year}`, start, end: start.plus({ years: 1 }) };
}

function fixedWindow(policy: Policy): Period | null {
  if (policy.period.type !== 'fixed_window') return null;
  const start = DateTime.fromISO(policy.period.start, { zone: policy.timeZone });
  const end = DateTime.fromISO(policy.period.end, { zone: policy.timeZone }).plus({ days: 1 });
  return start.isValid && end.isValid ? { id: policy.period.id, start, end } : null;
}

function personalPeriod(policy: Policy, official: Anchored): Period | null {
  if (policy.period.type !== 'anchored') return null;
  const anchor = official[policy.period.anchor];
  if (!anchor) return null;
  const start = DateTime.fromISO(anchor, { zone: policy.timeZone });
  if (!start.isValid) return null;
  return { id: PERSONAL_PERIOD, start, end: start.plus({ months: policy.period.months }) };
}

/** Local calendar date (YYYY-MM-DD) of a policy-zone instant. */
export const localDate = (t: DateTime): string => t.toISODate() ?? '';

/**
 * The period a person means by "now" (TRAINING-DOMAIN, Periods): the one containing the instant,
 * else a fixed cohort window that has already ended, so a closed cohort's trainees still see their
 * result and its policy unit its figures. Null before a window opens.
 */
export function periodFor(policy: Policy, instantMs: number, official?: Anchored): Period | null {
  const current = periodAt(policy, instantMs, official);
  if (current || policy.period.type !== 'fixed_window') return current;
  const window = periodById(policy, policy.period.id, official);
  return window && instantMs >= window.end.toMillis() ? window : null;
}

/**
 * The dates a person reads, in the policy's zone (TRAINING-DOMAIN, Periods): the period's last day
 * that counts (31 December for a calendar year, 31 March for a fiscal year from 1 April, a cohort
 * window's last day; never the exclusive end), the due date (that day, or the policy's days after
 * the period end), and the last day of grace, after which an unmet requirement is overdue.
 */
export function dueDates(
  policy: Pick<Policy, 'due'>,
  period: Period,
): { lastDay: string; dueDate: string; graceLastDay: string } {
  const after = policy.due?.daysAfterPeriodEnd ?? 0;
  const grace = policy.due?.graceDays ?? 0;
  // The exclusive end's calendar date in the zone, read once per period (periods are cached);
  // days are then plain calendar arithmetic (no zone: a day is a day), where luxon took 0.2 ms.
  let endDay = endDays.get(period);
  if (endDay === undefined) {
    endDay = localDate(period.end);
    endDays.set(period, endDay);
  }
  return {
    lastDay: shiftDay(endDay, -1),
    dueDate: shiftDay(endDay, after - 1),
    graceLastDay: shiftDay(endDay, after + grace - 1),
  };
}

const endDays = new WeakMap<Period, string>();
const DAY_MS = 86_400_000;
/** A calendar date (YYYY-MM-DD) moved by whole days. */
const shiftDay = (isoDate: string, days: number): string =>
  new Date(Date.parse(`${isoDate}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);

/**
 * Which published version of a policy governs a period: the latest whose effective date is on or
 * before the period's start, else the first that takes effect within it. A version published
 * mid-period therefore governs from the next period, so one period is judged by one rule.
 */
export function versionInForce<P extends Pick<Policy, 'effectiveFrom' | 'version' | 'timeZone'>>(
  versions: readonly P[],
  period: Period,
): P | null {
  const effective = (p: P) => DateTime.fromISO(p.effectiveFrom, { zone: p.timeZone });
  const ordered = [...versions].sort(
    (a, b) => effective(a).toMillis() - effective(b).toMillis() || a.version - b.version,
  );
  let chosen: P | null = null;
  for (const v of ordered) if (effective(v) <= period.start) chosen = v;
  if (chosen) return chosen;
  return ordered.find((v) => effective(v) < period.end) ?? null;
}
