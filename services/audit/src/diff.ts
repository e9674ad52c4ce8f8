import type { Principal } from '@lrs/auth';
import type { CatalogEntry, CompletionReport, LearningFact, Official, ReportRow } from '@lrs/training';
import { identifierKey } from '@lrs/training';
import canonicalize from 'canonicalize';
import type { CutOff } from './cut-off';
import { type ModelAt, type ReportQuery, reportAt } from './model-at';

/** Why a row changed between two cut-offs (TRAINING-DOMAIN, Audits; decision 008). */
export type Cause =
  | {
      kind: 'late-arrival';
      statementId: string;
      activityId: string;
      /** Learning time: before the first cut-off. */
      timestamp: string;
      /** Record time: after the first cut-off. */
      recorded: string;
      source: string;
      authority: string | null;
    }
  | { kind: 'new-statement'; statementId: string; activityId: string; timestamp: string; recorded: string }
  | {
      kind: 'void';
      statementId: string;
      activityId: string;
      voidedBy: string;
      voidedAt: string;
      who: string | null;
    }
  | { kind: 'identifier-linked'; identifier: string; statements: string[] }
  | { kind: 'identifier-unlinked'; identifier: string; statements: string[] }
  | { kind: 'org-unit-move'; from: string | null; to: string | null }
  | { kind: 'registry-change'; fields: string[] }
  | { kind: 'exemption-change'; from: unknown; to: unknown }
  | { kind: 'policy-version'; from: number; to: number }
  | { kind: 'catalog-change'; activityId: string; from: CatalogEntry | null; to: CatalogEntry | null }
  | { kind: 'deadline-passed'; overdueAfter: string };

export interface RowChange {
  officialId: string;
  status: { from: string | null; to: string | null };
  earnedHours: { from: number | null; to: number | null };
  hours: { from: Record<string, number> | null; to: Record<string, number> | null };
  causes: Cause[];
}

export interface ReportSide {
  cutOff: CutOff;
  snapshotId: string | null;
  version: number;
  population: number;
  totals: CompletionReport['totals'];
}

export interface ReportDiff {
  policyId: string;
  period: string;
  orgUnit: string | null;
  official: string | null;
  from: ReportSide;
  to: ReportSide;
  changes: RowChange[];
}

export interface DiffSide {
  model: ModelAt;
  snapshotId: string | null;
}

/**
 * Compares the report at two cut-offs row by row; every change of status or hours is explained
 * from the two ledgers: which statements appeared (late or new), were voided, moved with an
 * identifier; which registry, catalog or policy records changed.
 */
export function diffReports(
  a: DiffSide,
  b: DiffSide,
  query: ReportQuery & { official: string | null },
  principal: Principal,
): ReportDiff {
  const ra = reportAt(a.model, query, principal);
  const rb = reportAt(b.model, query, principal);
  const rowsA = new Map(ra.rows.map((r) => [r.officialId, r]));
  const rowsB = new Map(rb.rows.map((r) => [r.officialId, r]));
  const ids = [...new Set([...rowsA.keys(), ...rowsB.keys()])]
    .filter((id) => query.official === null || id === query.official)
    .sort();
  const changes: RowChange[] = [];
  for (const id of ids) {
    const before = rowsA.get(id) ?? null;
    const after = rowsB.get(id) ?? null;
    if (sameRow(before, after)) continue;
    const causes = explain(a.model, b.model, id, ra, rb);
    if (causes.length === 0 && after?.status === 'overdue' && before?.status !== 'overdue')
      causes.push({ kind: 'deadline-passed', overdueAfter: rb.overdueAfter });
    changes.push({
      officialId: id,
      status: { from: before?.status ?? null, to: after?.status ?? null },
      earnedHours: { from: before?.earnedHours ?? null, to: after?.earnedHours ?? null },
      hours: { from: before?.hours ?? null, to: after?.hours ?? null },
      causes,
    });
  }
  const side = (s: DiffSide, r: CompletionReport): ReportSide => ({
    cutOff: s.model.cutOff,
    snapshotId: s.snapshotId,
    version: r.version,
    population: r.population,
    totals: r.totals,
  });
  return {
    policyId: rb.policyId,
    period: rb.period,
    orgUnit: query.orgUnit,
    official: query.official,
    from: side(a, ra),
    to: side(b, rb),
    changes,
  };
}

function sameRow(a: ReportRow | null, b: ReportRow | null): boolean {
  if (!a || !b) return a === b;
  return (
    a.status === b.status &&
    a.earnedHours === b.earnedHours &&
    canonicalize(a.hours) === canonicalize(b.hours)
  );
}

function explain(
  a: ModelAt,
  b: ModelAt,
  officialId: string,
  ra: CompletionReport,
  rb: CompletionReport,
): Cause[] {
  const causes: Cause[] = [];
  const cutA = Date.parse(a.cutOff.asOf);
  const factsA = new Map(a.reader.facts(officialId).map((f) => [f.statementId, f]));
  const factsB = new Map(b.reader.facts(officialId).map((f) => [f.statementId, f]));
  const linked = new Map<string, string[]>();
  for (const f of factsB.values()) {
    if (factsA.has(f.statementId)) continue;
    const earlier = a.reader.statementAttribution(f.statementId);
    if (earlier) {
      // Known at the first cut-off but attributed to nobody (or someone else): a registry link.
      const ifi = ifiOf(b, f.statementId);
      linked.set(ifi, [...(linked.get(ifi) ?? []), f.statementId]);
    } else if (f.timestampMs < cutA)
      causes.push({
        kind: 'late-arrival',
        statementId: f.statementId,
        activityId: f.activityId,
        timestamp: f.timestamp,
        recorded: f.recorded,
        source: f.source,
        authority: f.authority,
      });
    else
      causes.push({
        kind: 'new-statement',
        statementId: f.statementId,
        activityId: f.activityId,
        timestamp: f.timestamp,
        recorded: f.recorded,
      });
    if (!earlier && f.voided) causes.push(voidCause(f));
  }
  causes.push(...registryCauses(a.reader.official(officialId), b.reader.official(officialId), linked));
  for (const [identifier, statements] of linked)
    causes.push({ kind: 'identifier-linked', identifier, statements });
  const unlinked = new Map<string, string[]>();
  for (const f of factsA.values()) {
    const now = factsB.get(f.statementId);
    if (!now) {
      const ifi = ifiOf(a, f.statementId);
      unlinked.set(ifi, [...(unlinked.get(ifi) ?? []), f.statementId]);
    } else if (now.voided && !f.voided) causes.push(voidCause(now));
  }
  for (const [identifier, statements] of unlinked)
    causes.push({ kind: 'identifier-unlinked', identifier, statements });
  const exA = a.reader.exemptions(officialId);
  const exB = b.reader.exemptions(officialId);
  if (canonicalize(exA) !== canonicalize(exB)) causes.push({ kind: 'exemption-change', from: exA, to: exB });
  if (ra.version !== rb.version) causes.push({ kind: 'policy-version', from: ra.version, to: rb.version });
  const activities = new Set([...factsA.values(), ...factsB.values()].map((f: LearningFact) => f.activityId));
  for (const activityId of [...activities].sort()) {
    const ca = a.reader.catalogEntry(activityId) ?? null;
    const cb = b.reader.catalogEntry(activityId) ?? null;
    if (canonicalize(ca) !== canonicalize(cb))
      causes.push({ kind: 'catalog-change', activityId, from: ca, to: cb });
  }
  return causes;
}

function voidCause(f: LearningFact): Cause {
  return {
    kind: 'void',
    statementId: f.statementId,
    activityId: f.activityId,
    voidedBy: f.voided!.by,
    voidedAt: f.voided!.at,
    who: f.voided!.who,
  };
}

function ifiOf(model: ModelAt, statementId: string): string {
  return model.reader.statementAttribution(statementId)?.ifi ?? 'unknown';
}

function registryCauses(
  a: Official | undefined,
  b: Official | undefined,
  linked: Map<string, string[]>,
): Cause[] {
  const out: Cause[] = [];
  if ((a?.orgUnit ?? null) !== (b?.orgUnit ?? null))
    out.push({ kind: 'org-unit-move', from: a?.orgUnit ?? null, to: b?.orgUnit ?? null });
  const idsA = new Set((a?.identifiers ?? []).map(identifierKey));
  for (const key of (b?.identifiers ?? []).map(identifierKey))
    if (!idsA.has(key) && !linked.has(key)) linked.set(key, []);
  const fields = (['name', 'staffGroup', 'jurisdiction', 'employedFrom', 'employedTo'] as const).filter(
    (k) => (a?.[k] ?? null) !== (b?.[k] ?? null),
  );
  if (fields.length > 0) out.push({ kind: 'registry-change', fields });
  return out;
}
