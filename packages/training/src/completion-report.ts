import type { Principal } from '@lrs/auth';
import type { LogPosition } from '@lrs/event-log';
import { BadRequest, csvRow, Forbidden } from '@lrs/http';
import { reportScope } from './access';
import { type CompletionStatus, inPopulation, proRating, statusAt } from './completion';
import type { CompletionReader } from './completion-model';
import { dueDates, periodById, periodIdFormat, versionInForce } from './periods';
import type { Policy } from './policy';

const STATUSES: readonly CompletionStatus[] = [
  'not_started',
  'in_progress',
  'completed',
  'overdue',
  'exempt',
];
type Counts = Record<CompletionStatus, number>;
const zero = (): Counts => ({ not_started: 0, in_progress: 0, completed: 0, overdue: 0, exempt: 0 });

export interface ReportRow {
  officialId: string;
  orgUnit: string;
  staffGroup: string;
  status: CompletionStatus;
  earnedHours: number;
  hours: Record<string, number>;
}

export interface CompletionReport {
  policyId: string;
  version: number;
  period: string;
  periodStart: string;
  periodEnd: string;
  overdueAfter: string;
  /** The period's last day that counts and the due date, in the policy's zone (YYYY-MM-DD). */
  lastDay: string;
  dueDate: string;
  orgUnit: string | null;
  jurisdiction: string | null;
  asOf: string;
  /** Log position the read model had reached: with the policy version, what an audit replays to. */
  position: string | null;
  population: number;
  totals: Counts;
  hoursByCategory: Record<string, number>;
  byOrgUnit: Record<string, { name: string | null; counts: Counts; hoursByCategory: Record<string, number> }>;
  byStaffGroup: Record<string, { counts: Counts; hoursByCategory: Record<string, number> }>;
  rows: ReportRow[];
}

/**
 * The aggregate completion of a policy period over an org unit's subtree (a city includes its
 * districts), counted per status, org unit and staff group. Officials of the population without
 * any learning in the period have no materialised row: they are not started (or exempt).
 */
export function completionReport(
  model: { reader(): CompletionReader; running: { position(): LogPosition | null } },
  principal: Principal,
  versions: Policy[],
  periodText: string,
  orgUnit: string | null,
  // Audit replays (services/audit) judge a report as of its cut-off, for a snapshot's own scope.
  options: { now?: number; jurisdiction?: string | null } = {},
): CompletionReport {
  const { jurisdiction } =
    options.jurisdiction === undefined ? reportScope(principal) : { jurisdiction: options.jurisdiction };
  const reader = model.reader();
  const latest = versions[versions.length - 1]!;
  const period = periodById(latest, periodText);
  const policy = period ? versionInForce(versions, period) : null;
  if (!period || !policy)
    throw new BadRequest({
      rule: 'training.query.period',
      message: `policy ${latest.policyId} has no period ${periodText}; its periods are ${periodIdFormat(latest)}`,
      pointer: '/query/period',
    });
  const tree = reader.orgTree();
  if (orgUnit !== null && !tree.has(orgUnit))
    throw new BadRequest({
      rule: 'training.query.org-unit',
      message: `no org unit ${orgUnit}`,
      pointer: '/query/orgUnit',
    });
  const scope = orgUnit === null ? null : tree.subtree(orgUnit);
  const officials = reader
    .officialSummaries()
    .filter(
      (o) =>
        (scope === null || scope.has(o.orgUnit)) &&
        (jurisdiction === null || o.jurisdiction === jurisdiction),
    );
  if (jurisdiction !== null && orgUnit !== null && officials.length === 0)
    throw new Forbidden({
      rule: 'training.access.jurisdiction',
      message: 'this org unit is outside your jurisdiction',
      pointer: '/query/orgUnit',
    });
  const rows = reader.periodRows(policy.policyId, period.id);
  const exemptions = reader.allExemptions();
  const { lastDay, dueDate } = dueDates(policy, period);
  const due = period.end.plus({ days: (policy.due?.daysAfterPeriodEnd ?? 0) + (policy.due?.graceDays ?? 0) });
  const now = options.now ?? Date.now();
  const report: CompletionReport = {
    policyId: policy.policyId,
    version: policy.version,
    period: period.id,
    periodStart: period.start.toISO() ?? '',
    periodEnd: period.end.toISO() ?? '',
    overdueAfter: due.toISO() ?? '',
    lastDay,
    dueDate,
    orgUnit,
    jurisdiction,
    asOf: new Date(now).toISOString(),
    position: model.running.position()?.commit.toString() ?? null,
    population: 0,
    totals: zero(),
    hoursByCategory: {},
    byOrgUnit: {},
    byStaffGroup: {},
    rows: [],
  };
  const ancestryCache = new Map<string, string[]>();
  for (const o of officials) {
    let ancestry = ancestryCache.get(o.orgUnit);
    if (!ancestry) {
      ancestry = tree.ancestry(o.orgUnit);
      ancestryCache.set(o.orgUnit, ancestry);
    }
    if (!inPopulation(policy, o, ancestry)) continue;
    const row = rows.get(o.officialId);
    let status: CompletionStatus;
    let hours: Record<string, number> = {};
    let earned = 0;
    if (row) {
      status = statusAt(row.status, Date.parse(row.overdueAfter), now);
      hours = row.hoursByCategory;
      earned = row.earnedHours;
    } else {
      const own = exemptions.get(o.officialId);
      const exempt = own !== undefined && proRating(policy, period, own).proRata === 0;
      status = exempt ? 'exempt' : statusAt('not_started', due.toMillis(), now);
    }
    report.population++;
    report.totals[status]++;
    add(report.hoursByCategory, hours);
    report.byStaffGroup[o.staffGroup] ??= { counts: zero(), hoursByCategory: {} };
    const group = report.byStaffGroup[o.staffGroup]!;
    group.counts[status]++;
    add(group.hoursByCategory, hours);
    for (const unit of ancestry) {
      if (scope !== null && !scope.has(unit)) break;
      report.byOrgUnit[unit] ??= {
        name: tree.names.get(unit) ?? null,
        counts: zero(),
        hoursByCategory: {},
      };
      const u = report.byOrgUnit[unit]!;
      u.counts[status]++;
      add(u.hoursByCategory, hours);
    }
    report.rows.push({
      officialId: o.officialId,
      orgUnit: o.orgUnit,
      staffGroup: o.staffGroup,
      status,
      earnedHours: earned,
      hours,
    });
  }
  return report;
}

function add(into: Record<string, number>, hours: Record<string, number>): void {
  for (const [k, v] of Object.entries(hours)) into[k] = Math.round(((into[k] ?? 0) + v) * 100) / 100;
}

/** CSV in chunks of rows: one line per official in scope, hours per category as columns (RFC 4180 quoting). */
export function* reportCsv(report: CompletionReport, rowsPerChunk = 500): Generator<string> {
  const categories = Object.keys(report.hoursByCategory).sort();
  const header = [
    'official_id',
    'org_unit',
    'staff_group',
    'policy_id',
    'version',
    'period',
    'status',
    'earned_hours',
    ...categories.map((c) => `hours_${c}`),
  ];
  let chunk = csvRow(header);
  let n = 0;
  for (const r of report.rows) {
    const cells = [
      r.officialId,
      r.orgUnit,
      r.staffGroup,
      report.policyId,
      String(report.version),
      report.period,
      r.status,
      String(r.earnedHours),
      ...categories.map((c) => String(r.hours[c] ?? 0)),
    ];
    chunk += csvRow(cells);
    if (++n % rowsPerChunk === 0) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}

export { STATUSES };
