// Retention as data, its dry run and the daily job (decision 071).
import { createHash } from 'node:crypto';
import type { EventLog } from '@lrs/event-log';
import { anEvent, payloadOf } from '@lrs/events';
import { BadRequest, type Logger } from '@lrs/http';
import type { CompletionReader, Official } from '@lrs/training';
import { DateTime } from 'luxon';
import { readAllOfType } from './events-of-type';
import {
  type DueErasure,
  type DutyWindow,
  dueAt,
  dutyConflicts,
  expiryOf,
  parseRetentionDuration,
  type RetentionProblem,
  type RetentionSetting,
  settingProblems,
} from './retention-rule';

export const RETENTION_DEFINED = 'privacy.retention.defined';
export const RETENTION_RUN_CLAIMED = 'privacy.retention.run-claimed';
export const RETENTION_RUN = 'privacy.retention.run';

/** A jurisdiction's name may hold any letter: its stream is named by a hash, the event keeps the name. */
export const retentionStream = (jurisdiction: string) =>
  `privacy-retention-${createHash('sha256').update(jurisdiction).digest('hex').slice(0, 32)}`;
/** One claim and one report per UTC day (the job's idempotency, decision 071). */
export const runClaimStream = (day: string) => `privacy-retention-claim-${day}`;
export const runStream = (day: string) => `privacy-retention-run-${day}`;

export interface RetentionDefined extends RetentionSetting {
  definedBy: string;
}

/** What one run of the job did: counts and pseudonyms, no personal data. */
export interface RetentionRun {
  day: string;
  startedAt: string;
  finishedAt: string;
  /** People whose records had expired. */
  due: number;
  erased: number;
  failed: number;
  /** Pseudonyms and erasure ids the eraser returned, one per person erased. */
  erasures: { erasureId: string; pseudonym: string }[];
  /** Per jurisdiction: how many were due. */
  dueByJurisdiction: Record<string, number>;
}

declare module '@lrs/events' {
  interface EventPayloads {
    [RETENTION_DEFINED]: RetentionDefined;
    [RETENTION_RUN_CLAIMED]: { day: string; claimedAt: string };
    [RETENTION_RUN]: RetentionRun;
  }
}

/**
 * Erases one person (packages/privacy on the `pii` branch implements it; the composition root
 * injects it). Structurally the same interface, declared here so this service imports no service.
 */
export interface SubjectEraser {
  erase(request: {
    subject: { officialId: string } | { agent: Record<string, unknown> };
    reason: string;
    legalBasis: string;
    requestedBy: string;
  }): Promise<{ erasureId: string; pseudonym: string }>;
}

export interface DryRun {
  asOf: string;
  /** Who would be erased and why. */
  due: DueErasure[];
  /** People who left and whose period has passed but whom a report snapshot still keeps. */
  held: (DueErasure & { snapshotId: string })[];
  /** Jurisdictions of officials who left for which no retention is set (nothing goes). */
  withoutSetting: string[];
}

export interface JobStatus {
  /** `erase` with an eraser; `dry-run-only` until one is wired (decision 071). */
  mode: 'erase' | 'dry-run-only';
  lastRun: { day: string; at: string; mode: 'erase' | 'dry-run'; due: number; erased: number } | null;
  lastError: string | null;
}

export interface RetentionOptions {
  eraser?: SubjectEraser | null;
  now?: () => number;
  /** How often the job checks whether today's run is done (default one hour; 0: no schedule). */
  everyMs?: number;
  logger?: Pick<Logger, 'info' | 'warn' | 'error'>;
}

const isWrongRevision = (e: unknown) => (e as Error)?.name === 'WrongExpectedRevisionError';

/** Retention settings, the dry run and the scheduled job. */
export class Retention {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private status: JobStatus;
  private readonly now: () => number;

  constructor(
    private readonly log: EventLog,
    private readonly completion: () => Promise<CompletionReader>,
    private readonly options: RetentionOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.status = { mode: options.eraser ? 'erase' : 'dry-run-only', lastRun: null, lastError: null };
  }

  /** Every jurisdiction's setting as last defined, by jurisdiction. */
  async settings(): Promise<RetentionDefined[]> {
    const latest = new Map<string, RetentionDefined>();
    for (const e of await readAllOfType(this.log, RETENTION_DEFINED)) {
      const s = payloadOf(e, RETENTION_DEFINED);
      latest.set(s.jurisdiction, s);
    }
    return [...latest.values()].sort((a, b) => (a.jurisdiction < b.jurisdiction ? -1 : 1));
  }

  /** The reporting duties as last defined (audit.reporting-duty.defined, decision 051). */
  private async duties(): Promise<DutyWindow[]> {
    const byId = new Map<string, DutyWindow>();
    for (const e of await readAllOfType(this.log, 'audit.reporting-duty.defined')) {
      const duty = payloadOf(e, 'audit.reporting-duty.defined');
      byId.set(duty.dutyId, duty);
    }
    return [...byId.values()];
  }

  /** Report snapshots naming each official, with the cut-off each was taken at. */
  private async snapshotMentions(
    reader: CompletionReader,
  ): Promise<Map<string, { snapshotId: string; cutOff: string; jurisdiction: string | null }[]>> {
    const out = new Map<string, { snapshotId: string; cutOff: string; jurisdiction: string | null }[]>();
    for (const e of await readAllOfType(this.log, 'audit.report-snapshot.recorded')) {
      const s = payloadOf(e, 'audit.report-snapshot.recorded');
      if (s.kind === 'programme-statistics' || !s.rows) continue;
      for (const row of s.rows) {
        // Rows name officials by pseudonym (decision 077; older snapshots by id).
        const { officialId } = reader.officialOfSnapshotKey(row.officialId);
        out.set(officialId, [
          ...(out.get(officialId) ?? []),
          { snapshotId: s.snapshotId, cutOff: s.cutOff.asOf, jurisdiction: s.jurisdiction },
        ]);
      }
    }
    return out;
  }

  /**
   * Who would be erased at `nowMs` and why; with `proposed`, as if that setting were in force
   * (the validation of a new setting asks the same question).
   */
  async dryRun(nowMs: number, proposed?: RetentionSetting): Promise<DryRun> {
    const settings = new Map<string, RetentionSetting>(
      (await this.settings()).map((s) => [s.jurisdiction, s] as const),
    );
    if (proposed) settings.set(proposed.jurisdiction, proposed);
    const reader = await this.completion();
    const mentions = await this.snapshotMentions(reader);
    const out: DryRun = { asOf: new Date(nowMs).toISOString(), due: [], held: [], withoutSetting: [] };
    const without = new Set<string>();
    for (const official of reader.leavers()) {
      const setting = settings.get(official.jurisdiction);
      if (!setting) {
        without.add(official.jurisdiction);
        continue;
      }
      const facts = retentionFacts(reader, official, setting, mentions.get(official.officialId) ?? []);
      const expiry = dueAt(setting, facts, nowMs);
      const line = (e: ReturnType<typeof expiryOf>): DueErasure => ({
        officialId: official.officialId,
        name: official.name,
        jurisdiction: official.jurisdiction,
        leftOn: official.employedTo!,
        periodEnd: e.periodEnd,
        expiresAt: e.expiresAt,
        rule: e.rule,
      });
      if (expiry) out.due.push(line(expiry));
      else {
        // Expired by the leaving and training-year rules, but a snapshot still keeps the person.
        const unheld = dueAt(setting, { ...facts, heldBy: [] }, nowMs);
        const held = expiryOf(setting, facts);
        if (unheld && held.snapshotId) out.held.push({ ...line(held), snapshotId: held.snapshotId });
      }
    }
    out.withoutSetting = [...without].sort();
    return out;
  }

  /**
   * Validates and records a setting (PUT /api/privacy/retention/{jurisdiction}); the same content
   * again is a no-op. 400 naming the field and the rule when a field is wrong, when the setting
   * would erase records inside a reporting duty's window before its due day, or when it would erase
   * now someone a report snapshot not yet past its own retention names.
   */
  async define(
    document: unknown,
    pathJurisdiction: string,
    definedBy: string,
  ): Promise<{ outcome: 'defined' | 'changed' | 'unchanged'; setting: RetentionDefined }> {
    const problems = settingProblems(document, pathJurisdiction);
    const reject = (list: RetentionProblem[]) => {
      const first = list[0]!;
      throw new BadRequest({
        rule: first.rule,
        message: `${first.pointer || '/'} ${first.message}`,
        pointer: `/body${first.pointer}`,
        details: { problems: list.map((p) => ({ ...p, pointer: `/body${p.pointer}` })) },
      });
    };
    if (problems.length > 0) reject(problems);
    const d = document as Record<string, string>;
    const setting: RetentionSetting = {
      jurisdiction: d.jurisdiction!,
      timeZone: d.timeZone!,
      afterLeaving: d.afterLeaving!,
      afterTrainingYear: d.afterTrainingYear!,
      trainingYearStarts: d.trainingYearStarts!,
      snapshotsKept: d.snapshotsKept!,
    };
    const nowMs = this.now();
    const reader = await this.completion();
    const zones = new Map(reader.policies().map((p) => [p.policyId, p.timeZone] as const));
    const conflicts = dutyConflicts(setting, await this.duties(), nowMs, (id) => zones.get(id));
    if (conflicts.length > 0) reject(conflicts);
    const preview = await this.dryRun(nowMs, setting);
    const held = preview.held.filter((h) => h.jurisdiction === setting.jurisdiction);
    if (held.length > 0)
      reject([
        {
          pointer: '/afterLeaving',
          rule: 'privacy.retention.snapshot-retention',
          message: `${held.length} official(s) whose period has passed are in report snapshot ${held[0]!.snapshotId}, kept until ${held[0]!.expiresAt}: the setting would erase records a kept snapshot needs`,
        },
      ]);
    const stream = retentionStream(setting.jurisdiction);
    let revision: number | null = null;
    let current: RetentionSetting | null = null;
    try {
      const events = await this.log.readStream(stream, { direction: 'backwards', maxCount: 1 });
      if (events[0]) {
        revision = events[0].revision;
        current = payloadOf(events[0], RETENTION_DEFINED);
      }
    } catch (error) {
      if ((error as Error).name !== 'StreamNotFoundError') throw error;
    }
    const same = (a: RetentionSetting, b: RetentionSetting) =>
      (Object.keys(setting) as (keyof RetentionSetting)[]).every((k) => a[k] === b[k]);
    if (current && same(current, setting))
      return { outcome: 'unchanged', setting: current as RetentionDefined };
    const defined: RetentionDefined = { ...setting, definedBy };
    await this.log.append(stream, [anEvent(RETENTION_DEFINED, defined)], {
      expectedRevision: revision === null ? 'no_stream' : revision,
    });
    return { outcome: revision === null ? 'defined' : 'changed', setting: defined };
  }

  jobStatus(): JobStatus {
    return { ...this.status };
  }

  /** The run recorded for a UTC day, if any. */
  async recordedRun(day: string): Promise<RetentionRun | null> {
    try {
      const [e] = await this.log.readStream(runStream(day), { maxCount: 1 });
      return e ? payloadOf(e, RETENTION_RUN) : null;
    } catch (error) {
      if ((error as Error).name === 'StreamNotFoundError') return null;
      throw error;
    }
  }

  /**
   * One run of the job for the UTC day of `nowMs`. Without an eraser: a dry run, logged and shown in
   * /health, nothing recorded. With one: the day is claimed first (`no_stream`: one claim per day
   * across restarts and replicas), then each expired person is erased, then the run is recorded.
   * A crash after the claim leaves the day without a report; what was not erased is still expired
   * the next day and goes then.
   */
  async runOnce(nowMs = this.now()): Promise<RetentionRun | DryRun | null> {
    const day = DateTime.fromMillis(nowMs, { zone: 'utc' }).toISODate()!;
    const log = this.options.logger;
    const eraser = this.options.eraser;
    const plan = await this.dryRun(nowMs);
    if (!eraser) {
      this.status.lastRun = {
        day,
        at: new Date(nowMs).toISOString(),
        mode: 'dry-run',
        due: plan.due.length,
        erased: 0,
      };
      log?.info(
        { privacy: { due: plan.due.length, held: plan.held.length, mode: 'dry-run-only' } },
        'retention: no eraser is wired, dry run only (nothing erased)',
      );
      return plan;
    }
    // No jurisdiction has a setting: nothing can expire, and nothing is claimed or recorded (the
    // job looks again within the hour).
    if ((await this.settings()).length === 0) return plan;
    try {
      await this.log.append(
        runClaimStream(day),
        [anEvent(RETENTION_RUN_CLAIMED, { day, claimedAt: new Date(nowMs).toISOString() })],
        { expectedRevision: 'no_stream' },
      );
    } catch (error) {
      if (isWrongRevision(error)) return null; // today's run is another process's, or done
      throw error;
    }
    const run = await eraseExpired(plan.due, eraser, day, new Date(nowMs).toISOString(), (error) =>
      // The error's text may name the person: only its kind is logged.
      log?.error({ privacy: { error: error.name } }, 'retention: an erasure failed'),
    );
    run.finishedAt = new Date(this.now()).toISOString();
    await this.log.append(runStream(day), [anEvent(RETENTION_RUN, run)], { expectedRevision: 'no_stream' });
    this.status.lastRun = { day, at: run.finishedAt, mode: 'erase', due: run.due, erased: run.erased };
    log?.info(
      { privacy: { due: run.due, erased: run.erased, failed: run.failed } },
      'retention: run recorded',
    );
    return run;
  }

  /** Checks at start and then every `everyMs` whether today's run is done (decision 071). */
  start(): this {
    const everyMs = this.options.everyMs ?? 3_600_000;
    if (everyMs <= 0) return this;
    let lastDay = '';
    const tick = () => {
      // Stopped (the first check is scheduled with setImmediate, which stop() may precede).
      if (this.timer === null) return;
      const nowMs = this.now();
      const day = DateTime.fromMillis(nowMs, { zone: 'utc' }).toISODate()!;
      if (day === lastDay || this.running) return;
      this.running = this.runOnce(nowMs)
        .then(() => {
          lastDay = day;
          this.status.lastError = null;
        })
        .catch((error: Error) => {
          this.status.lastError = error.message;
          this.options.logger?.error({ err: error }, 'retention: the run failed');
        })
        .finally(() => {
          this.running = null;
        });
    };
    this.timer = setInterval(tick, everyMs);
    this.timer.unref();
    setImmediate(tick);
    return this;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }
}

/** The rule's facts about one official who left: last record day in the zone and snapshot holds. */
export function retentionFacts(
  reader: CompletionReader,
  official: Official,
  setting: RetentionSetting,
  mentions: readonly { snapshotId: string; cutOff: string; jurisdiction: string | null }[],
) {
  let lastMs: number | null = null;
  for (const fact of reader.facts(official.officialId))
    if (lastMs === null || fact.timestampMs > lastMs) lastMs = fact.timestampMs;
  const kept = parseRetentionDuration(setting.snapshotsKept)!;
  return {
    leftOn: official.employedTo!,
    lastRecordOn:
      lastMs === null ? null : DateTime.fromMillis(lastMs, { zone: setting.timeZone }).toISODate(),
    // A snapshot whose rows name the person needs their records, whatever its scope.
    heldBy: mentions.map((m) => ({
      snapshotId: m.snapshotId,
      keptUntil: DateTime.fromISO(m.cutOff, { zone: setting.timeZone }).plus(kept).toISO()!,
    })),
  };
}

/**
 * Erases each expired person through the eraser, one at a time, and says what was done: counts,
 * erasure ids and pseudonyms, never a name or an identifier. A failed erasure is counted and the
 * run goes on; the person stays expired and is tried again the next day.
 */
export async function eraseExpired(
  due: readonly DueErasure[],
  eraser: SubjectEraser,
  day: string,
  startedAt: string,
  onFailure: (error: Error) => void = () => {},
): Promise<RetentionRun> {
  const run: RetentionRun = {
    day,
    startedAt,
    finishedAt: '',
    due: due.length,
    erased: 0,
    failed: 0,
    erasures: [],
    dueByJurisdiction: {},
  };
  for (const person of due) {
    run.dueByJurisdiction[person.jurisdiction] = (run.dueByJurisdiction[person.jurisdiction] ?? 0) + 1;
    try {
      const done = await eraser.erase({
        subject: { officialId: person.officialId },
        reason: `retention period over: ${person.rule}, expired ${person.expiresAt}`,
        legalBasis: `retention setting of jurisdiction ${person.jurisdiction}`,
        requestedBy: 'privacy-retention-job',
      });
      run.erased++;
      run.erasures.push({ erasureId: done.erasureId, pseudonym: done.pseudonym });
    } catch (error) {
      run.failed++;
      onFailure(error as Error);
    }
  }
  run.finishedAt = new Date().toISOString();
  return run;
}
