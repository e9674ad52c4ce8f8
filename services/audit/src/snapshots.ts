import { createHash, randomUUID } from 'node:crypto';
import type { Principal } from '@lrs/auth';
import type { EventLog } from '@lrs/event-log';
import { StreamNotFoundError } from '@lrs/event-log';
import { anEvent, payloadOf } from '@lrs/events';
import { BadRequest, NotFound } from '@lrs/http';
import {
  COMPLETION_RULE_CHANGES,
  type CompletionReader,
  type CompletionReport,
  type ProgrammeFigures,
  type ProgrammeStatistics,
  programmeStatistics,
  type ReportRow,
  type StatisticsWindow,
} from '@lrs/training';
import canonicalize from 'canonicalize';
import type { CutOff } from './cut-off';
import { type ModelAt, type ReportQuery, reportAt, withModelAt } from './model-at';
import type { ReplayManifest } from './replay';

export const SNAPSHOT_RECORDED = 'audit.report-snapshot.recorded';
export const snapshotStream = (id: string) => `audit-snapshot-${id}`;
/** Rows are kept in the event while they fit well under the 1 MiB append limit; else only their hash. */
const MAX_ROWS_BYTES = 512 * 1024;

/** A report as it stood at a cut-off, recorded in the log (TRAINING-DOMAIN, Audits). */
export interface ReportSnapshot {
  /** Absent in snapshots recorded before programme statistics existed (decision 051). */
  kind?: 'completion-status';
  snapshotId: string;
  policyId: string;
  version: number;
  period: string;
  orgUnit: string | null;
  jurisdiction: string | null;
  /** The reporting duty that took it (duties.ts), null when taken by hand. */
  duty: string | null;
  cutOff: CutOff;
  manifest: ReplayManifest;
  /** Fingerprint of the completion read model at the cut-off. */
  fingerprint: string;
  /** SHA-256 of the report's canonical JSON (RFC 8785), rows included. */
  reportHash: string;
  population: number;
  totals: CompletionReport['totals'];
  rows: ReportRow[] | null;
  takenBy: string;
  /** The taker's name (absent in snapshots recorded before the list of snapshots, decision 060). */
  takenByName?: string;
  takenAt: string;
  /** Rewritten by `pnpm privacy migrate`: rows by pseudonym, no taker's name (snapshot-migration.ts). */
  migrated?: 1;
}

/** Programme statistics of a window as they stood at a cut-off (decisions 050, 051). */
export interface ProgrammeSnapshot {
  kind: 'programme-statistics';
  snapshotId: string;
  window: StatisticsWindow;
  orgUnit: string | null;
  jurisdiction: string | null;
  category: string | null;
  duty: string | null;
  cutOff: CutOff;
  manifest: ReplayManifest;
  /** Fingerprint of the completion read model (which holds the ledger) at the cut-off. */
  fingerprint: string;
  /** SHA-256 of the statistics' canonical JSON (RFC 8785). */
  reportHash: string;
  totals: ProgrammeFigures;
  /** The whole statistics while they fit in MAX_ROWS_BYTES, else null (the hash stays). */
  statistics: ProgrammeStatistics | null;
  takenBy: string;
  takenByName?: string;
  takenAt: string;
  migrated?: 1;
}

export type AnySnapshot = ReportSnapshot | ProgrammeSnapshot;
export const isProgrammeSnapshot = (s: AnySnapshot): s is ProgrammeSnapshot =>
  s.kind === 'programme-statistics';

declare module '@lrs/events' {
  interface EventPayloads {
    [SNAPSHOT_RECORDED]: AnySnapshot;
  }
}

export const reportHash = (report: CompletionReport | ProgrammeStatistics): string =>
  createHash('sha256').update(canonicalize(report)!).digest('hex');

/**
 * The report as a snapshot records it (decision 077): each row names its official by their
 * pseudonym, so a snapshot holds no official id of a sealed record and a replay after the
 * official's erasure (which reads the pseudonym as the id) gives the same rows and hash. Pages
 * resolve the pseudonym to the official's id and name when they show it.
 */
export const snapshotNamesByPseudonym = (snapshot: AnySnapshot): boolean =>
  snapshot.migrated === 1 ||
  (snapshot.manifest.projections.find((p) => p.name === 'completion')?.version ?? 0) >= 8;

export function snapshotReport(report: CompletionReport, reader: CompletionReader): CompletionReport {
  return {
    ...report,
    rows: report.rows.map((r) => ({ ...r, officialId: reader.snapshotKeyOf(r.officialId) })),
  };
}

const completionFingerprint = (manifest: ReplayManifest) =>
  manifest.projections.find((p) => p.name === 'completion')?.fingerprint ?? '';

export async function takeSnapshot(
  log: EventLog,
  scratchRoot: string,
  cutOff: CutOff,
  query: ReportQuery,
  principal: Principal,
  duty: string | null = null,
  snapshotId: string = randomUUID(),
): Promise<ReportSnapshot> {
  const snapshot = await withModelAt(log, cutOff, scratchRoot, (model) => {
    const report = snapshotReport(reportAt(model, query, principal), model.reader);
    const rowsText = JSON.stringify(report.rows);
    const s: ReportSnapshot = {
      kind: 'completion-status',
      snapshotId,
      policyId: report.policyId,
      version: report.version,
      period: report.period,
      orgUnit: report.orgUnit,
      jurisdiction: report.jurisdiction,
      duty,
      cutOff,
      manifest: model.manifest,
      fingerprint: completionFingerprint(model.manifest),
      reportHash: reportHash(report),
      population: report.population,
      totals: report.totals,
      rows: rowsText.length <= MAX_ROWS_BYTES ? report.rows : null,
      // The taker by id only: a name in the log could not be erased (decision 077).
      takenBy: principal.id,
      takenAt: new Date().toISOString(),
    };
    return s;
  });
  await log.append(snapshotStream(snapshotId), [anEvent(SNAPSHOT_RECORDED, snapshot)], {
    expectedRevision: 'no_stream',
  });
  return snapshot;
}

export async function loadSnapshot(log: EventLog, snapshotId: string, pointer: string): Promise<AnySnapshot> {
  try {
    const [event] = await log.readStream(snapshotStream(snapshotId), { maxCount: 1 });
    if (event?.type === SNAPSHOT_RECORDED) return payloadOf(event, SNAPSHOT_RECORDED);
  } catch (error) {
    if (!(error instanceof StreamNotFoundError)) throw error;
  }
  throw new NotFound({
    rule: 'audit.snapshot.unknown',
    message: `no report snapshot ${snapshotId}`,
    pointer,
  });
}

/** A completion-status snapshot (diffs compare completion reports only). */
export async function loadCompletionSnapshot(
  log: EventLog,
  snapshotId: string,
  pointer: string,
): Promise<ReportSnapshot> {
  const snapshot = await loadSnapshot(log, snapshotId, pointer);
  if (isProgrammeSnapshot(snapshot))
    throw new BadRequest({
      rule: 'audit.snapshot.kind',
      message: `snapshot ${snapshotId} holds programme statistics; a diff compares completion reports`,
      pointer,
    });
  return snapshot;
}

/** What a programme-statistics snapshot covers. */
export interface ProgrammeQuery {
  window: StatisticsWindow;
  orgUnit: string | null;
  jurisdiction: string | null;
  category: string | null;
}

const statisticsAt = (model: ModelAt, query: ProgrammeQuery): ProgrammeStatistics => {
  const completion = model.manifest.projections.find((p) => p.name === 'completion');
  return programmeStatistics(
    model.reader,
    query.window,
    { ...query, position: completion?.position ?? null },
    {
      orgUnit: '/body/orgUnit',
      category: '/body/category',
      window: query.window.period !== null ? '/body/period' : '/body/from',
    },
  );
};

/** Takes programme statistics as the log stood at the cut-off and records them (decision 051). */
export async function takeProgrammeSnapshot(
  log: EventLog,
  scratchRoot: string,
  cutOff: CutOff,
  query: ProgrammeQuery,
  principal: Principal,
  duty: string | null = null,
  snapshotId: string = randomUUID(),
): Promise<ProgrammeSnapshot> {
  const snapshot = await withModelAt(log, cutOff, scratchRoot, (model): ProgrammeSnapshot => {
    const statistics = statisticsAt(model, query);
    return {
      kind: 'programme-statistics',
      snapshotId,
      window: query.window,
      orgUnit: query.orgUnit,
      jurisdiction: query.jurisdiction,
      category: query.category,
      duty,
      cutOff,
      manifest: model.manifest,
      fingerprint: completionFingerprint(model.manifest),
      reportHash: reportHash(statistics),
      totals: statistics.totals,
      statistics: JSON.stringify(statistics).length <= MAX_ROWS_BYTES ? statistics : null,
      takenBy: principal.id,
      takenAt: new Date().toISOString(),
    };
  });
  await log.append(snapshotStream(snapshotId), [anEvent(SNAPSHOT_RECORDED, snapshot)], {
    expectedRevision: 'no_stream',
  });
  return snapshot;
}

export interface Difference {
  what: string;
  expected: unknown;
  actual: unknown;
}

export interface Verification {
  snapshotId: string;
  matches: boolean;
  /**
   * Null when everything matches, or when every difference comes from a change of the counting
   * rules on the same data (see rulesChanged); otherwise one sentence naming what differs.
   */
  alarm: string | null;
  /**
   * Set when the snapshot was computed by an earlier version of the completion rules and the data
   * it was computed from (events read, position, policies, catalog, registry) is the same: which
   * rules changed, in which release, and the officials whose figures differ because of it.
   */
  rulesChanged: {
    from: number;
    to: number;
    changes: { version: number; release: string; changes: readonly string[] }[];
    officials: string[];
    explanation: string;
  } | null;
  expected: { fingerprint: string; reportHash: string; eventsRead: number; position: string };
  actual: { fingerprint: string; reportHash: string; eventsRead: number; position: string };
  differences: Difference[];
  verifiedAt: string;
}

/** Replays the snapshot's cut-off and compares fingerprints, hashes, versions and rows. */
export async function verifySnapshot(
  log: EventLog,
  scratchRoot: string,
  snapshot: AnySnapshot,
  principal: Principal,
): Promise<Verification> {
  if (isProgrammeSnapshot(snapshot)) return verifyProgrammeSnapshot(log, scratchRoot, snapshot);
  return withModelAt(log, snapshot.cutOff, scratchRoot, (model) => {
    const computed = reportAt(
      model,
      {
        policyId: snapshot.policyId,
        period: snapshot.period,
        orgUnit: snapshot.orgUnit,
        jurisdiction: snapshot.jurisdiction,
      },
      principal,
    );
    // Snapshots before completion model 8 named officials by id (their verification then cites
    // the rule change); later ones, and older ones the migration rewrote, by pseudonym.
    const report = snapshotNamesByPseudonym(snapshot) ? snapshotReport(computed, model.reader) : computed;
    const actual = {
      fingerprint: completionFingerprint(model.manifest),
      reportHash: reportHash(report),
      eventsRead: model.manifest.eventsRead,
      position: model.cutOff.position,
    };
    const expected = {
      fingerprint: snapshot.fingerprint,
      reportHash: snapshot.reportHash,
      eventsRead: snapshot.manifest.eventsRead,
      position: snapshot.cutOff.position,
    };
    const differences: Difference[] = [];
    const compare = (what: string, e: unknown, a: unknown) => {
      if (canonicalize(e) !== canonicalize(a)) differences.push({ what, expected: e, actual: a });
    };
    compare('fingerprint of the completion read model', expected.fingerprint, actual.fingerprint);
    compare('report hash', expected.reportHash, actual.reportHash);
    compare('events read', expected.eventsRead, actual.eventsRead);
    compare('policy version', snapshot.version, report.version);
    compare('policies published', snapshot.manifest.policies, model.manifest.policies);
    compare('catalog version', snapshot.manifest.catalog, model.manifest.catalog);
    compare('registry', snapshot.manifest.registry, model.manifest.registry);
    for (const p of model.manifest.projections) {
      const before = snapshot.manifest.projections.find((q) => q.name === p.name);
      compare(`projection ${p.name} version`, before?.version ?? null, p.version);
    }
    compare('totals', snapshot.totals, report.totals);
    if (snapshot.rows) {
      const now = new Map(report.rows.map((r) => [r.officialId, r]));
      const then = new Map(snapshot.rows.map((r) => [r.officialId, r]));
      for (const id of [...new Set([...then.keys(), ...now.keys()])].sort())
        compare(`row of official ${id}`, then.get(id) ?? null, now.get(id) ?? null);
    }
    return verdict(snapshot, model.manifest, expected, actual, differences);
  });
}

/**
 * The verification's verdict: it matches, or every difference comes from a change of the counting
 * rules on the same data (no alarm), or it does not reproduce (the alarm names what differs).
 */
function verdict(
  snapshot: AnySnapshot,
  now: ReplayManifest,
  expected: Verification['expected'],
  actual: Verification['actual'],
  differences: Difference[],
): Verification {
  const matches = differences.length === 0;
  const rulesChanged = matches ? null : ruleChangeBehind(snapshot, now, differences);
  return {
    snapshotId: snapshot.snapshotId,
    matches,
    alarm:
      matches || rulesChanged
        ? null
        : `snapshot ${snapshot.snapshotId} does not reproduce: ${differences.map((d) => d.what).join(', ')} differ`,
    rulesChanged,
    expected,
    actual,
    differences,
    verifiedAt: new Date().toISOString(),
  };
}

/** What a snapshot was computed from: if any of these differ, the data differs, whatever the rules. */
const DATA = new Set(['events read', 'policies published', 'catalog version', 'registry', 'policy version']);

/**
 * Differences on the same data, where the completion model's version changed since the snapshot:
 * they come from the rule changes of the versions in between (COMPLETION_RULE_CHANGES).
 */
function ruleChangeBehind(
  snapshot: { manifest: ReplayManifest },
  now: ReplayManifest,
  differences: readonly Difference[],
): Verification['rulesChanged'] {
  const version = (m: ReplayManifest) => m.projections.find((p) => p.name === 'completion')?.version;
  const from = version(snapshot.manifest);
  const to = version(now);
  if (from === undefined || to === undefined || from === to) return null;
  if (differences.some((d) => DATA.has(d.what))) return null;
  const changes = COMPLETION_RULE_CHANGES.filter((c) => c.version > from && c.version <= to);
  const officials = differences
    .filter((d) => d.what.startsWith('row of official '))
    .map((d) => d.what.slice('row of official '.length));
  const releases = changes.map((c) => c.release).join('; ');
  return {
    from,
    to,
    changes: [...changes],
    officials,
    explanation:
      `the snapshot was computed by completion rules v${from}; they changed since (${releases || `v${to}`}). ` +
      `The data is the same (events read, position, policies, catalog, registry); ` +
      `${officials.length} official(s) have different figures because of the rule change.`,
  };
}

/** Replays the cut-off, recomputes the statistics and compares fingerprint, hash and figures. */
function verifyProgrammeSnapshot(
  log: EventLog,
  scratchRoot: string,
  snapshot: ProgrammeSnapshot,
): Promise<Verification> {
  return withModelAt(log, snapshot.cutOff, scratchRoot, (model) => {
    const differences: Difference[] = [];
    const compare = (what: string, e: unknown, a: unknown) => {
      if (canonicalize(e) !== canonicalize(a)) differences.push({ what, expected: e, actual: a });
    };
    let statistics: ProgrammeStatistics | null = null;
    try {
      statistics = statisticsAt(model, snapshot);
    } catch (error) {
      // The replay no longer has the data the snapshot counted: that is a difference, not a 400.
      differences.push({ what: 'statistics', expected: 'computable', actual: (error as Error).message });
    }
    const actual = {
      fingerprint: completionFingerprint(model.manifest),
      reportHash: statistics ? reportHash(statistics) : '',
      eventsRead: model.manifest.eventsRead,
      position: model.cutOff.position,
    };
    const expected = {
      fingerprint: snapshot.fingerprint,
      reportHash: snapshot.reportHash,
      eventsRead: snapshot.manifest.eventsRead,
      position: snapshot.cutOff.position,
    };
    compare('fingerprint of the completion read model', expected.fingerprint, actual.fingerprint);
    compare('report hash', expected.reportHash, actual.reportHash);
    compare('events read', expected.eventsRead, actual.eventsRead);
    compare('catalog version', snapshot.manifest.catalog, model.manifest.catalog);
    compare('registry', snapshot.manifest.registry, model.manifest.registry);
    if (statistics) {
      compare('totals', snapshot.totals, statistics.totals);
      if (snapshot.statistics)
        for (const key of ['byCategory', 'byStaffGroup', 'byCategoryAndStaffGroup', 'byOrgUnit'] as const)
          compare(key, snapshot.statistics[key], statistics[key]);
    }
    return verdict(snapshot, model.manifest, expected, actual, differences);
  });
}
