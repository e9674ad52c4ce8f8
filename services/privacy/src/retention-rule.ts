// The retention rule (decision 071): how long a jurisdiction keeps a person's records, as data.
// Pure functions only: the dry run, the scheduled job and the setting's validation all ask
// `expiryOf`, so "when may this go" has one answer.
import { DateTime, Duration, IANAZone } from 'luxon';

/** A jurisdiction's retention setting (event `privacy.retention.defined`, latest wins). */
export interface RetentionSetting {
  /** The jurisdiction the officials registry names (decision 043), e.g. `city`. */
  jurisdiction: string;
  /** IANA zone the days below are read in. */
  timeZone: string;
  /** ISO 8601 duration (years, months, weeks, days) kept after the last day of employment. */
  afterLeaving: string;
  /** ISO 8601 duration kept after the end of the training year of the person's last record. */
  afterTrainingYear: string;
  /** MM-DD the training year starts on (01-01 calendar year, 04-01 Hong Kong's fiscal year). */
  trainingYearStarts: string;
  /** ISO 8601 duration a report snapshot of this jurisdiction stays reproducible after its cut-off. */
  snapshotsKept: string;
}

export const RETENTION_FIELDS = [
  'jurisdiction',
  'timeZone',
  'afterLeaving',
  'afterTrainingYear',
  'trainingYearStarts',
  'snapshotsKept',
] as const;

export interface RetentionProblem {
  /** JSON pointer into the setting. */
  pointer: string;
  rule: string;
  message: string;
}

const MONTH_DAY = /^(\d{2})-(\d{2})$/;
const DURATION = /^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?$/;
const JURISDICTION = /^[\p{L}\p{N}][\p{L}\p{N}._ -]{0,63}$/u;

/** A calendar duration: years, months, weeks and days only (a retention period is counted in days). */
export function parseRetentionDuration(text: unknown): Duration | null {
  if (typeof text !== 'string' || !DURATION.test(text)) return null;
  const d = Duration.fromISO(text);
  return d.isValid ? d : null;
}

function validMonthDay(text: unknown): boolean {
  const m = typeof text === 'string' ? MONTH_DAY.exec(text) : null;
  if (!m) return false;
  // 29 February is refused: a training year must start every year.
  return DateTime.fromObject({ year: 2023, month: Number(m[1]), day: Number(m[2]) }).isValid;
}

/** What is wrong with the fields of a setting, by themselves (no duty or snapshot involved). */
export function settingProblems(document: unknown, pathJurisdiction?: string): RetentionProblem[] {
  if (typeof document !== 'object' || document === null || Array.isArray(document))
    return [{ pointer: '', rule: 'privacy.retention.object', message: 'must be a JSON object' }];
  const s = document as Record<string, unknown>;
  const problems: RetentionProblem[] = [];
  for (const key of Object.keys(s))
    if (!(RETENTION_FIELDS as readonly string[]).includes(key))
      problems.push({
        pointer: `/${key}`,
        rule: 'privacy.retention.field',
        message: `unknown field; the fields are ${RETENTION_FIELDS.join(', ')}`,
      });
  if (typeof s.jurisdiction !== 'string' || !JURISDICTION.test(s.jurisdiction))
    problems.push({
      pointer: '/jurisdiction',
      rule: 'privacy.retention.jurisdiction',
      message: 'must be a jurisdiction name (letters, digits, . _ - or space, up to 64)',
    });
  else if (pathJurisdiction !== undefined && s.jurisdiction !== pathJurisdiction)
    problems.push({
      pointer: '/jurisdiction',
      rule: 'privacy.retention.jurisdiction',
      message: `must be the jurisdiction of the path (${pathJurisdiction})`,
    });
  if (typeof s.timeZone !== 'string' || !IANAZone.isValidZone(s.timeZone))
    problems.push({
      pointer: '/timeZone',
      rule: 'privacy.retention.time-zone',
      message: 'must be an IANA time zone, e.g. Asia/Seoul',
    });
  for (const field of ['afterLeaving', 'afterTrainingYear', 'snapshotsKept'] as const) {
    const d = parseRetentionDuration(s[field]);
    if (!d)
      problems.push({
        pointer: `/${field}`,
        rule: 'privacy.retention.duration',
        message: 'must be an ISO 8601 duration of years, months, weeks or days, e.g. P5Y or P18M',
      });
  }
  if (!validMonthDay(s.trainingYearStarts))
    problems.push({
      pointer: '/trainingYearStarts',
      rule: 'privacy.retention.month-day',
      message: 'must be a month-day MM-DD (not 02-29), e.g. 01-01 or 04-01',
    });
  return problems;
}

/** What the rule needs to know about a person (an official who left). */
export interface RetentionFacts {
  /** Last day of employment (YYYY-MM-DD, the registry's `employedTo`). */
  leftOn: string;
  /** Day of the person's latest learning record in the setting's zone (YYYY-MM-DD), if any. */
  lastRecordOn: string | null;
  /** Report snapshots naming the person and when each stops being kept (ISO instant). */
  heldBy?: readonly { snapshotId: string; keptUntil: string }[];
}

export interface Expiry {
  /** The instant the person's records may be erased (ISO, with the zone's offset). */
  expiresAt: string;
  /** Which rule decides: the leaving rule, the training-year rule, or a snapshot still kept. */
  rule: 'after-leaving' | 'after-training-year' | 'snapshot-kept';
  /** Last day of the training year of the latest record (or of the leaving day). */
  periodEnd: string;
  /** The snapshot that holds the person, when `rule` is `snapshot-kept`. */
  snapshotId?: string;
}

/** The first day of the training year after the one holding `day` (start of that day in zone). */
export function trainingYearEnd(setting: RetentionSetting, day: string): DateTime {
  const [month, dayOfMonth] = setting.trainingYearStarts.split('-').map(Number) as [number, number];
  const d = DateTime.fromISO(day, { zone: setting.timeZone }).startOf('day');
  let start = DateTime.fromObject({ year: d.year, month, day: dayOfMonth }, { zone: setting.timeZone });
  if (start <= d) start = start.plus({ years: 1 });
  return start;
}

/**
 * When a person's records may go: the later of the day after leaving plus `afterLeaving`, and the
 * end of the training year of their latest record (or of the leaving day, whichever is later)
 * plus `afterTrainingYear`; and never while a report snapshot naming them is still kept.
 */
export function expiryOf(setting: RetentionSetting, facts: RetentionFacts): Expiry {
  const zone = setting.timeZone;
  const leftOn = DateTime.fromISO(facts.leftOn, { zone }).startOf('day');
  const lastDay = facts.lastRecordOn && facts.lastRecordOn > facts.leftOn ? facts.lastRecordOn : facts.leftOn;
  const yearEnd = trainingYearEnd(setting, lastDay);
  const byLeaving = leftOn.plus({ days: 1 }).plus(parseRetentionDuration(setting.afterLeaving)!);
  const byYear = yearEnd.plus(parseRetentionDuration(setting.afterTrainingYear)!);
  let expiry: Expiry =
    byLeaving >= byYear
      ? { expiresAt: byLeaving.toISO()!, rule: 'after-leaving', periodEnd: '' }
      : { expiresAt: byYear.toISO()!, rule: 'after-training-year', periodEnd: '' };
  expiry.periodEnd = yearEnd.minus({ days: 1 }).toISODate()!;
  for (const hold of facts.heldBy ?? [])
    if (Date.parse(hold.keptUntil) > Date.parse(expiry.expiresAt))
      expiry = {
        expiresAt: DateTime.fromISO(hold.keptUntil, { zone }).toISO()!,
        rule: 'snapshot-kept',
        periodEnd: expiry.periodEnd,
        snapshotId: hold.snapshotId,
      };
  return expiry;
}

/** A reporting duty as decision 051 defines it (only the fields the rule reads). */
export interface DutyWindow {
  dutyId: string;
  policyId?: string;
  jurisdiction?: string;
  timeZone?: string;
  window: { from: string; to: string };
  cutOff: string;
  dueBy: string;
}

/**
 * Records learned inside a duty's window are needed until its due day is over (decision 051: due
 * dates are last days). The person most at risk learned on the window's first day and left that
 * day; the setting conflicts when `expiryOf` would let their records go before the due day ends.
 * Checked for the occurrences ending in the years around `nowMs` (leap years included).
 */
export function dutyConflicts(
  setting: RetentionSetting,
  duties: readonly DutyWindow[],
  nowMs: number,
  zoneOfPolicy: (policyId: string) => string | undefined = () => undefined,
): RetentionProblem[] {
  const problems: RetentionProblem[] = [];
  const thisYear = DateTime.fromMillis(nowMs, { zone: setting.timeZone }).year;
  for (const duty of duties) {
    if (duty.jurisdiction !== undefined && duty.jurisdiction !== setting.jurisdiction) continue;
    const zone =
      duty.timeZone ?? (duty.policyId ? zoneOfPolicy(duty.policyId) : undefined) ?? setting.timeZone;
    for (let year = thisYear - 1; year <= thisYear + 4; year++) {
      const day = (md: string, y: number) => {
        const [m, d] = md.split('-').map(Number) as [number, number];
        return DateTime.fromObject({ year: y, month: m, day: d }, { zone });
      };
      const from = day(duty.window.from, duty.window.from > duty.window.to ? year - 1 : year);
      const due = day(duty.dueBy, year);
      if (!from.isValid || !due.isValid) continue;
      const neededUntil = due.plus({ days: 1 }).startOf('day');
      const fromDay = from.setZone(setting.timeZone).toISODate()!;
      const expiry = expiryOf(setting, { leftOn: fromDay, lastRecordOn: fromDay });
      if (Date.parse(expiry.expiresAt) < neededUntil.toMillis()) {
        problems.push({
          pointer: expiry.rule === 'after-training-year' ? '/afterTrainingYear' : '/afterLeaving',
          rule: 'privacy.retention.duty-window',
          message: `records learned on ${fromDay} are in the window of reporting duty ${duty.dutyId} (due by ${due.toISODate()}) but would be erased from ${expiry.expiresAt}`,
        });
        break;
      }
    }
  }
  return problems;
}

/** One person the dry run or the job would erase, and why. */
export interface DueErasure {
  officialId: string;
  name: string;
  jurisdiction: string;
  leftOn: string;
  periodEnd: string;
  expiresAt: string;
  rule: Expiry['rule'];
}

/** Whether the person's records have expired at `nowMs`, with the reason. */
export function dueAt(setting: RetentionSetting, facts: RetentionFacts, nowMs: number): Expiry | null {
  const expiry = expiryOf(setting, facts);
  return Date.parse(expiry.expiresAt) <= nowMs ? expiry : null;
}
