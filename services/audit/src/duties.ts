// Reporting duties as data (decision 051; TRAINING-DOMAIN, "Facility reporting duties"): each
// belongs to a policy or to a jurisdiction and says which window of learning its report covers,
// when the data cut-off falls, when it is due and which reports it asks for. When a cut-off
// passes, the duty's snapshots are taken once (the occurrence stream is appended with no_stream).
import type { Principal } from '@lrs/auth';
import type { EventLog } from '@lrs/event-log';
import { StreamNotFoundError, WrongExpectedRevisionError } from '@lrs/event-log';
import { anEvent, payloadOf } from '@lrs/events';
import { BadRequest, Conflict, HttpProblem } from '@lrs/http';
import { ID_PATTERN, POLICY_PUBLISHED, type Policy, periodAt, type StatisticsWindow } from '@lrs/training';
import canonicalize from 'canonicalize';
import { DateTime, IANAZone } from 'luxon';
import { resolveCutOff } from './cut-off';
import { takeProgrammeSnapshot, takeSnapshot } from './snapshots';

export const REPORT_KINDS = ['completion-status', 'programme-statistics'] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];

/**
 * A recurring reporting duty. Month-days (MM-DD) are read in the duty's time zone (the policy's,
 * for a policy's duty). An occurrence is named by the year its window ends in; the cut-off and the
 * due date fall in that year.
 */
export interface ReportingDuty {
  dutyId: string;
  title?: string;
  /** Exactly one of policyId and jurisdiction. */
  policyId?: string;
  jurisdiction?: string;
  /** Required for a jurisdiction's duty; a policy's duty uses the policy's zone. */
  timeZone?: string;
  reports: ReportKind[];
  /** Learning-time window, both days inclusive; a `from` later in the year than `to` starts the year before. */
  window: { from: string; to: string };
  /** The data cut-off falls at the start of this day: the report reflects what was recorded before it. */
  cutOff: string;
  /** The last day on which the report is on time (TRAINING-DOMAIN, Periods: due dates are last days). */
  dueBy: string;
}

export const DUTY_DEFINED = 'audit.reporting-duty.defined';
export const DUTY_FULFILLED = 'audit.reporting-duty.fulfilled';
export const dutyDefinitionStream = (dutyId: string) => `audit-dutydef-${dutyId}`;
/** One occurrence of a duty (`<dutyId>-<year>`), appended once (decision 008). */
export const dutyStream = (occurrenceId: string) => `audit-duty-${occurrenceId}`;

export interface DutyFulfilled {
  /** The first snapshot taken (kept for readers of decision 008's events). */
  snapshotId: string | null;
  reason: string | null;
  reports?: { kind: ReportKind; snapshotId: string | null; reason: string | null }[];
  /** When the reports were taken (or the skip recorded). */
  takenAt?: string;
}

declare module '@lrs/events' {
  interface EventPayloads {
    [DUTY_DEFINED]: ReportingDuty;
    [DUTY_FULFILLED]: DutyFulfilled;
  }
}

/**
 * Example duties (TRAINING-DOMAIN: a half-year report before 15 June, an annual report before
 * 15 December): nothing applies them by itself; `examples/commune/duties.json` defines a
 * jurisdiction's own through PUT /api/reports/duties/{id}.
 */
export const EXAMPLE_DUTIES: readonly Omit<ReportingDuty, 'dutyId' | 'jurisdiction' | 'policyId'>[] = [
  {
    title: 'half-year report',
    reports: ['programme-statistics'],
    window: { from: '12-01', to: '05-31' },
    cutOff: '06-01',
    dueBy: '06-14',
  },
  {
    title: 'annual report',
    reports: ['programme-statistics', 'completion-status'],
    window: { from: '12-01', to: '11-30' },
    cutOff: '12-01',
    dueBy: '12-14',
  },
];

const MONTH_DAY = /^(\d{2})-(\d{2})$/;

export interface DutyProblem {
  pointer: string;
  rule: string;
  message: string;
}

/** The occurrence's dates: window days, cut-off instant and due day (null: not a date that year). */
export interface DutyOccurrence {
  occurrenceId: string;
  dutyId: string;
  title: string | null;
  policyId: string | null;
  jurisdiction: string | null;
  year: number;
  reports: ReportKind[];
  window: StatisticsWindow;
  /** The policy period whose completion status a `completion-status` report gives. */
  period: string | null;
  /** The record-time cut-off (UTC instant, start of the cut-off day). */
  cutOff: string;
  /** The last day on time (local date) and the instant that day ends. */
  dueBy: string;
  dueEndsAt: string;
}

/** `MM-DD` of `year` in `zone`; null when no such day (29 February of a common year). */
function day(md: string, year: number, zone: string): DateTime | null {
  const m = MONTH_DAY.exec(md);
  if (!m) return null;
  const d = DateTime.fromObject({ year, month: Number(m[1]), day: Number(m[2]) }, { zone });
  return d.isValid ? d : null;
}

const zoneOf = (duty: ReportingDuty, policy: Policy | undefined) =>
  policy?.timeZone ?? duty.timeZone ?? 'UTC';

/** A duty's occurrence in `year` (the year its window ends); null when a day does not exist that year. */
export function dutyOccurrence(duty: ReportingDuty, year: number, policy?: Policy): DutyOccurrence | null {
  const zone = zoneOf(duty, policy);
  const crosses = duty.window.from > duty.window.to;
  const from = day(duty.window.from, crosses ? year - 1 : year, zone);
  const to = day(duty.window.to, year, zone);
  const cutOff = day(duty.cutOff, year, zone);
  const due = day(duty.dueBy, year, zone);
  if (!from || !to || !cutOff || !due) return null;
  const period = policy ? periodAt(policy, from.toMillis()) : null;
  return {
    occurrenceId: `${duty.dutyId}-${year}`,
    dutyId: duty.dutyId,
    title: duty.title ?? null,
    policyId: duty.policyId ?? null,
    jurisdiction: duty.jurisdiction ?? null,
    year,
    reports: duty.reports,
    window: {
      from: from.toISODate()!,
      to: to.toISODate()!,
      timeZone: zone,
      policyId: duty.policyId ?? null,
      period: null,
    },
    period: period?.id ?? null,
    cutOff: cutOff.toUTC().toISO()!,
    dueBy: due.toISODate()!,
    dueEndsAt: due.plus({ days: 1 }).toUTC().toISO()!,
  };
}

/**
 * The problems of a duty definition, each with the JSON pointer of its field and the rule:
 * fields, a cut-off after the due date, a window that does not fit the policy's period. `policies`
 * are the latest published versions, by id.
 */
export function dutyProblems(
  document: unknown,
  policies: Map<string, Policy>,
  pathId?: string,
): DutyProblem[] {
  const problems: DutyProblem[] = [];
  const fail = (pointer: string, rule: string, message: string) => problems.push({ pointer, rule, message });
  if (document === null || typeof document !== 'object' || Array.isArray(document)) {
    fail('', 'audit.duty.body', 'a reporting duty is a JSON object');
    return problems;
  }
  const d = document as Record<string, unknown>;
  const known = [
    'dutyId',
    'title',
    'policyId',
    'jurisdiction',
    'timeZone',
    'reports',
    'window',
    'cutOff',
    'dueBy',
  ];
  for (const key of Object.keys(d))
    if (!known.includes(key)) fail(`/${key}`, 'audit.duty.field', 'is not a field of a reporting duty');
  if (typeof d.dutyId !== 'string' || !ID_PATTERN.test(d.dutyId))
    fail('/dutyId', 'audit.duty.id', 'must be 1-128 letters, digits, ".", "_" or "-"');
  else if (pathId !== undefined && d.dutyId !== pathId)
    fail('/dutyId', 'audit.duty.id', `must equal the id in the path (${pathId})`);
  if (d.title !== undefined && (typeof d.title !== 'string' || d.title === ''))
    fail('/title', 'audit.duty.field', 'must be a non-empty string');
  const owners = ['policyId', 'jurisdiction'].filter((k) => d[k] !== undefined);
  if (owners.length !== 1)
    fail(
      owners.length === 0 ? '/policyId' : '/jurisdiction',
      'audit.duty.owner',
      'a duty belongs to exactly one of a policy (policyId) or a jurisdiction',
    );
  let policy: Policy | undefined;
  if (d.policyId !== undefined) {
    if (typeof d.policyId !== 'string' || !policies.has(d.policyId))
      fail('/policyId', 'audit.duty.policy', `no published policy ${String(d.policyId)}`);
    else policy = policies.get(d.policyId);
    if (d.timeZone !== undefined && policy && d.timeZone !== policy.timeZone)
      fail(
        '/timeZone',
        'audit.duty.time-zone',
        `a policy's duty is in the policy's zone (${policy.timeZone}); leave timeZone out`,
      );
  }
  if (d.jurisdiction !== undefined) {
    if (typeof d.jurisdiction !== 'string' || !ID_PATTERN.test(d.jurisdiction))
      fail('/jurisdiction', 'audit.duty.field', 'must be a jurisdiction id');
    if (d.timeZone === undefined)
      fail('/timeZone', 'audit.duty.time-zone', "a jurisdiction's duty names its IANA time zone");
  }
  if (d.timeZone !== undefined && (typeof d.timeZone !== 'string' || !IANAZone.isValidZone(d.timeZone)))
    fail('/timeZone', 'audit.duty.time-zone', `${String(d.timeZone)} is not an IANA time zone`);
  const reports = d.reports;
  if (!Array.isArray(reports) || reports.length === 0)
    fail('/reports', 'audit.duty.reports', `must list one or more of ${REPORT_KINDS.join(', ')}`);
  else {
    reports.forEach((r, i) => {
      if (!(REPORT_KINDS as readonly unknown[]).includes(r))
        fail(`/reports/${i}`, 'audit.duty.reports', `must be one of ${REPORT_KINDS.join(', ')}`);
      else if (reports.indexOf(r) !== i)
        fail(`/reports/${i}`, 'audit.duty.reports', `${String(r)} is listed twice`);
      else if (r === 'completion-status' && d.policyId === undefined)
        fail(`/reports/${i}`, 'audit.duty.reports', 'a completion-status report needs a policy (policyId)');
    });
  }
  const monthDay = (value: unknown, pointer: string): string | null => {
    const m = typeof value === 'string' ? MONTH_DAY.exec(value) : null;
    // 2024 is a leap year: 02-29 is a month-day, which a common year skips.
    if (!m || !DateTime.fromObject({ year: 2024, month: Number(m[1]), day: Number(m[2]) }).isValid) {
      fail(pointer, 'audit.duty.month-day', 'must be a month-day MM-DD');
      return null;
    }
    return value as string;
  };
  const window = d.window as { from?: unknown; to?: unknown } | undefined;
  let from: string | null = null;
  let to: string | null = null;
  if (window === null || typeof window !== 'object' || Array.isArray(window))
    fail('/window', 'audit.duty.window', 'must be { from: MM-DD, to: MM-DD }, both days inclusive');
  else {
    for (const key of Object.keys(window))
      if (key !== 'from' && key !== 'to')
        fail(`/window/${key}`, 'audit.duty.field', 'is not a field of a window');
    from = monthDay(window.from, '/window/from');
    to = monthDay(window.to, '/window/to');
  }
  const cutOff = monthDay(d.cutOff, '/cutOff');
  const dueBy = monthDay(d.dueBy, '/dueBy');
  if (cutOff && dueBy && cutOff > dueBy)
    fail(
      '/cutOff',
      'audit.duty.cut-off-after-due',
      `the data cut-off (${cutOff}) falls after the due date (${dueBy})`,
    );
  if (from && to && cutOff && from <= to && cutOff <= from)
    fail(
      '/cutOff',
      'audit.duty.cut-off-before-window',
      `the data cut-off (${cutOff}) falls before the window starts (${from})`,
    );
  if (problems.length === 0 && policy) {
    // The window must lie in one period of the policy (its completion status is that period's).
    const duty = d as unknown as ReportingDuty;
    const year = DateTime.fromISO(policy.effectiveFrom).year + 1;
    const occurrence = dutyOccurrence(duty, year, policy) ?? dutyOccurrence(duty, year + 1, policy);
    if (occurrence) {
      const start = DateTime.fromISO(occurrence.window.from, { zone: policy.timeZone });
      const end = DateTime.fromISO(occurrence.window.to, { zone: policy.timeZone }).plus({ days: 1 });
      const period = periodAt(policy, start.toMillis());
      if (!period || end > period.end)
        fail(
          '/window',
          'audit.duty.window-outside-period',
          period
            ? `the window ${occurrence.window.from} – ${occurrence.window.to} does not fit in one period of policy ${policy.policyId} (${period.id} ends ${period.end.minus({ days: 1 }).toISODate()})`
            : `policy ${policy.policyId} has no common period that holds the window (${policy.period.type})`,
        );
    }
  }
  return problems;
}

export type DutyState = 'upcoming' | 'due' | 'fulfilled-on-time' | 'late' | 'skipped';

export interface DutyStatus extends DutyOccurrence {
  /**
   * upcoming: the cut-off has not passed; due: it has, the report is not taken and the due day
   * has not ended; fulfilled-on-time / late: taken by the end of the due day or after it (late
   * also while not taken after the due day); skipped: nothing to report (the log began after the
   * cut-off).
   */
  state: DutyState;
  takenAt: string | null;
  snapshotId: string | null;
  reports: ReportKind[];
  snapshots: {
    kind: ReportKind;
    snapshotId: string | null;
    reason: string | null;
    download: string | null;
    verify: string | null;
  }[];
  reason: string | null;
}

/**
 * The jurisdiction a policy belongs to (`jurisdictionOfPolicy`, @lrs/training, decision 075), from
 * a live read model; without it (the audit service alone) a policy's duty is the auditors' only.
 */
export type PolicyJurisdiction = (policyId: string) => Promise<string | null>;

export type DefineOutcome = { outcome: 'defined' | 'changed' | 'unchanged'; duty: ReportingDuty };

/** Reporting duties: their definitions in the log, their occurrences, and the scheduler's run. */
export class ReportingDuties {
  constructor(
    private readonly log: EventLog,
    private readonly scratchRoot: string,
    private readonly policyJurisdiction: PolicyJurisdiction | null = null,
  ) {}

  /** The jurisdiction a duty belongs to: its own, or its policy's (decision 075). */
  async jurisdictionOf(duty: Pick<ReportingDuty, 'jurisdiction' | 'policyId'>): Promise<string | null> {
    if (duty.jurisdiction !== undefined) return duty.jurisdiction;
    return duty.policyId && this.policyJurisdiction ? this.policyJurisdiction(duty.policyId) : null;
  }

  /** The record time of the log's first event (null: an empty log). */
  private async logBegan(): Promise<number | null> {
    const [first] = await this.log.readAll({ maxCount: 1 });
    return first ? first.recorded.getTime() : null;
  }

  private async readAllOf<T>(
    type: string,
    each: (e: Awaited<ReturnType<EventLog['readAll']>>[number]) => T,
  ): Promise<T[]> {
    const out: T[] = [];
    let after: Awaited<ReturnType<EventLog['headPosition']>> = null;
    for (;;) {
      const page = await this.log.readAll({
        ...(after ? { after } : {}),
        filter: { typePrefixes: [type] },
        maxCount: 500,
      });
      for (const e of page) if (e.type === type) out.push(each(e));
      if (page.length < 500) break;
      after = page[page.length - 1]!.position;
    }
    return out;
  }

  /** Every published version of every policy, in log order. */
  policyVersions(): Promise<Policy[]> {
    return this.readAllOf(POLICY_PUBLISHED, (e) => payloadOf(e, POLICY_PUBLISHED).policy);
  }

  /** The latest published version of every policy, by id. */
  async policies(): Promise<Map<string, Policy>> {
    const latest = new Map<string, Policy>();
    for (const policy of await this.policyVersions()) {
      const known = latest.get(policy.policyId);
      if (!known || known.version < policy.version) latest.set(policy.policyId, policy);
    }
    return latest;
  }

  /** Every duty as last defined, by id. */
  async definitions(): Promise<ReportingDuty[]> {
    const byId = new Map<string, ReportingDuty>();
    for (const duty of await this.readAllOf(DUTY_DEFINED, (e) => payloadOf(e, DUTY_DEFINED)))
      byId.set(duty.dutyId, duty);
    return [...byId.values()].sort((a, b) => (a.dutyId < b.dutyId ? -1 : 1));
  }

  /** Validates and records a definition (PUT /api/reports/duties/{id}); the same content again is a no-op. */
  async define(document: unknown, pathId: string): Promise<DefineOutcome> {
    const problems = dutyProblems(document, await this.policies(), pathId);
    if (problems.length > 0) {
      const first = problems[0]!;
      throw new BadRequest({
        rule: first.rule,
        message: `${first.pointer || '/'} ${first.message}`,
        pointer: `/body${first.pointer}`,
        details: { problems: problems.map((p) => ({ ...p, pointer: `/body${p.pointer}` })) },
      });
    }
    const duty = normalise(document as ReportingDuty);
    const stream = dutyDefinitionStream(duty.dutyId);
    let revision: number | null = null;
    let current: ReportingDuty | null = null;
    try {
      const events = await this.log.readStream(stream);
      const last = events[events.length - 1];
      if (last) {
        revision = last.revision;
        current = payloadOf(last, DUTY_DEFINED);
      }
    } catch (error) {
      if (!(error instanceof StreamNotFoundError)) throw error;
    }
    if (current && canonicalize(current) === canonicalize(duty)) return { outcome: 'unchanged', duty };
    try {
      await this.log.append(stream, [anEvent(DUTY_DEFINED, duty)], {
        expectedRevision: revision === null ? 'no_stream' : revision,
      });
    } catch (error) {
      if (error instanceof WrongExpectedRevisionError)
        throw new Conflict({
          rule: 'audit.duty.concurrent',
          message: 'the duty changed meanwhile; retry',
          pointer: '/path/dutyId',
        });
      throw error;
    }
    return { outcome: current ? 'changed' : 'defined', duty };
  }

  /** Each duty's occurrences of last year and this year (by the year their windows end), with their state. */
  async status(nowMs: number): Promise<DutyStatus[]> {
    const policies = await this.policies();
    const began = await this.logBegan();
    const out: DutyStatus[] = [];
    for (const duty of await this.definitions()) {
      const policy = duty.policyId ? policies.get(duty.policyId) : undefined;
      if (duty.policyId && !policy) continue;
      const jurisdiction = await this.jurisdictionOf(duty);
      const year = DateTime.fromMillis(nowMs, { zone: zoneOf(duty, policy) }).year;
      for (const y of [year - 1, year]) {
        const occurrence = dutyOccurrence(duty, y, policy);
        if (!occurrence) continue;
        out.push(
          stateOf(
            { ...occurrence, jurisdiction },
            await this.fulfilled(occurrence.occurrenceId),
            nowMs,
            began,
          ),
        );
      }
    }
    return out;
  }

  /** Takes the reports of every occurrence whose cut-off has passed at `nowMs` and that no one has taken yet. */
  async run(nowMs: number, principal: Principal): Promise<DutyStatus[]> {
    const taken: DutyStatus[] = [];
    for (const s of await this.status(nowMs)) {
      if (s.takenAt !== null || Date.parse(s.cutOff) > nowMs) continue;
      if (s.state === 'skipped') {
        // A cut-off before the log began: there was nothing to report; say so once (no_stream, as
        // a fulfilment: every replica and restart records the same occurrence at most once).
        const skipped: DutyFulfilled = {
          snapshotId: null,
          reason: s.reason,
          reports: [],
          takenAt: new Date(nowMs).toISOString(),
        };
        if (await this.record(s.occurrenceId, skipped)) taken.push(stateOf(s, skipped, nowMs, null));
        continue;
      }
      const cutOff = await resolveCutOff(this.log, { asOf: s.cutOff }, { now: nowMs });
      const reports: NonNullable<DutyFulfilled['reports']> = [];
      for (const kind of s.reports) {
        try {
          const snapshot =
            kind === 'completion-status'
              ? await takeSnapshot(
                  this.log,
                  this.scratchRoot,
                  cutOff,
                  { policyId: s.policyId!, period: s.period!, orgUnit: null, jurisdiction: s.jurisdiction },
                  principal,
                  s.occurrenceId,
                )
              : await takeProgrammeSnapshot(
                  this.log,
                  this.scratchRoot,
                  cutOff,
                  { window: s.window, orgUnit: null, jurisdiction: s.jurisdiction, category: null },
                  principal,
                  s.occurrenceId,
                );
          reports.push({ kind, snapshotId: snapshot.snapshotId, reason: null });
        } catch (error) {
          // A window without data (or a policy not yet published at the cut-off) is recorded, not retried forever.
          if (!(error instanceof HttpProblem) || error.status >= 500) throw error;
          reports.push({ kind, snapshotId: null, reason: error.message });
        }
      }
      const fulfilled: DutyFulfilled = {
        snapshotId: reports.find((r) => r.snapshotId !== null)?.snapshotId ?? null,
        reason: reports.every((r) => r.snapshotId === null) ? reports.map((r) => r.reason).join('; ') : null,
        reports,
        takenAt: new Date(nowMs).toISOString(),
      };
      if (await this.record(s.occurrenceId, fulfilled)) taken.push(stateOf(s, fulfilled, nowMs, null));
    }
    return taken;
  }

  private async fulfilled(occurrenceId: string): Promise<DutyFulfilled | null> {
    try {
      const [e] = await this.log.readStream(dutyStream(occurrenceId), { maxCount: 1 });
      return e ? payloadOf(e, DUTY_FULFILLED) : null;
    } catch (error) {
      if (error instanceof StreamNotFoundError) return null;
      throw error;
    }
  }

  /** True when this call recorded it; false when another replica (or run) had already. */
  private async record(occurrenceId: string, data: DutyFulfilled): Promise<boolean> {
    try {
      await this.log.append(dutyStream(occurrenceId), [anEvent(DUTY_FULFILLED, data)], {
        expectedRevision: 'no_stream',
      });
      return true;
    } catch (error) {
      // Another replica fulfilled it first: the duty is done either way.
      if ((error as Error).name !== 'WrongExpectedRevisionError') throw error;
      return false;
    }
  }
}

function normalise(duty: ReportingDuty): ReportingDuty {
  return {
    dutyId: duty.dutyId,
    ...(duty.title !== undefined ? { title: duty.title } : {}),
    ...(duty.policyId !== undefined ? { policyId: duty.policyId } : {}),
    ...(duty.jurisdiction !== undefined ? { jurisdiction: duty.jurisdiction } : {}),
    ...(duty.timeZone !== undefined ? { timeZone: duty.timeZone } : {}),
    reports: [...duty.reports],
    window: { from: duty.window.from, to: duty.window.to },
    cutOff: duty.cutOff,
    dueBy: duty.dueBy,
  };
}

/** Why an occurrence is skipped: its cut-off precedes the log's first event (decision 051). */
const skippedReason = (o: DutyOccurrence, began: number) =>
  `the data cut-off ${o.cutOff} is before the first event of the log (${new Date(began).toISOString()}): nothing to report`;

function stateOf(
  o: DutyOccurrence,
  recorded: DutyFulfilled | null,
  nowMs: number,
  logBegan: number | null,
): DutyStatus {
  const dueEnds = Date.parse(o.dueEndsAt);
  // Decision 051: a cut-off before the log began has nothing to report, whether or not the
  // scheduler has recorded so yet (it records it once, as it records a fulfilment).
  const fulfilled: DutyFulfilled | null =
    recorded ??
    (logBegan !== null && Date.parse(o.cutOff) <= nowMs && Date.parse(o.cutOff) < logBegan
      ? { snapshotId: null, reason: skippedReason(o, logBegan), reports: [] }
      : null);
  const takenAt = fulfilled ? (fulfilled.takenAt ?? null) : null;
  const reports =
    fulfilled?.reports ??
    (fulfilled
      ? [{ kind: 'completion-status' as const, snapshotId: fulfilled.snapshotId, reason: fulfilled.reason }]
      : []);
  const skipped = fulfilled !== null && reports.length === 0;
  const state: DutyState = skipped
    ? 'skipped'
    : fulfilled
      ? takenAt === null || Date.parse(takenAt) <= dueEnds
        ? 'fulfilled-on-time'
        : 'late'
      : Date.parse(o.cutOff) > nowMs
        ? 'upcoming'
        : nowMs < dueEnds
          ? 'due'
          : 'late';
  return {
    ...o,
    state,
    takenAt,
    snapshotId: fulfilled?.snapshotId ?? null,
    snapshots: reports.map((r) => ({
      ...r,
      download: r.snapshotId ? `/api/reports/snapshots/${r.snapshotId}` : null,
      verify: r.snapshotId ? `/api/reports/snapshots/${r.snapshotId}/verify` : null,
    })),
    reason: fulfilled?.reason ?? null,
  };
}
