// Programme statistics (TRAINING-DOMAIN, "A department's staff-development year"): the department
// reports counts, not individual compliance — per programme category, staff group and org unit,
// the programmes held, the participants, the attendances and the hours of a period. Rules in
// decision 050.
import { BadRequest, Forbidden } from '@lrs/http';
import { DateTime, IANAZone } from 'luxon';
import { VERB } from '../src/learning';
import { type LedgerReader, type OrgUnitSpell, orgUnitOn } from '../src/ledger';
import { periodById, periodIdFormat, versionInForce } from '../src/periods';
import type { Policy } from '../src/policy';
import type { CatalogEntry } from '../src/reference-data';

/** The statements that are attendances of a programme (decision 050). */
export const ATTENDANCE_VERBS: readonly string[] = [VERB.attended, VERB.completed, VERB.passed];
/** How hours are counted, shown in every report (decision 050). */
export const PROGRAMME_HOURS_RULE = 'nominal catalog hours per attendance';
export const PROGRAMME_ATTENDANCE_RULE =
  'each attended statement, and a completed or passed programme once per official × programme × registration (not on top of attended sessions of the same registration); voided statements never count';

/**
 * The learning-time window a report covers: local dates of a named time zone, both inclusive
 * (TRAINING-DOMAIN, Periods: a period's last day is shown as such, never the exclusive end).
 */
export interface StatisticsWindow {
  from: string;
  to: string;
  timeZone: string;
  /** When the window is a policy's period: which. */
  policyId: string | null;
  period: string | null;
}

export interface ProgrammeFigures {
  /** Distinct catalog programmes with at least one attendance. */
  programmes: number;
  /** Distinct officials with at least one attendance. */
  participants: number;
  attendances: number;
  hours: number;
}

export interface ProgrammeLine extends ProgrammeFigures {
  activityId: string;
  title: Record<string, string>;
  category: string;
  nominalHours: number | null;
}

export interface ProgrammeStatistics {
  kind: 'programme-statistics';
  window: StatisticsWindow;
  orgUnit: string | null;
  jurisdiction: string | null;
  category: string | null;
  /** Log position the read model had reached (what an audit replays to). */
  position: string | null;
  hoursRule: string;
  attendanceRule: string;
  totals: ProgrammeFigures;
  byCategory: Record<string, ProgrammeFigures>;
  byStaffGroup: Record<string, ProgrammeFigures>;
  /** Category × staff group: "50 programmes for 1,132 social-security staff". */
  byCategoryAndStaffGroup: Record<string, Record<string, ProgrammeFigures>>;
  /** Each org unit counts its subtree (a district includes its communes), at learning time. */
  byOrgUnit: Record<string, ProgrammeFigures & { name: string | null }>;
  programmes: ProgrammeLine[];
}

export type WindowRequest =
  | { policy: Policy[]; period: string }
  | { from: string; to: string; timeZone: string };

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The window of a request: a policy's period (its spec and zone) or explicit dates in a named
 * zone. Bad input is a 400 naming the parameter (`pointerBase` + name) and the rule.
 */
export function statisticsWindow(request: WindowRequest, pointerBase = '/query'): StatisticsWindow {
  if ('policy' in request) {
    const latest = request.policy[request.policy.length - 1]!;
    const period = periodById(latest, request.period);
    const policy = period ? versionInForce(request.policy, period) : null;
    if (!period || !policy)
      throw new BadRequest({
        rule: 'training.query.period',
        message: `policy ${latest.policyId} has no period ${request.period}; its periods are ${periodIdFormat(latest)}`,
        pointer: `${pointerBase}/period`,
      });
    return {
      from: period.start.toISODate()!,
      to: period.end.minus({ days: 1 }).toISODate()!,
      timeZone: policy.timeZone,
      policyId: policy.policyId,
      period: period.id,
    };
  }
  const { from, to, timeZone } = request;
  if (!IANAZone.isValidZone(timeZone))
    throw new BadRequest({
      rule: 'training.query.time-zone',
      message: `${timeZone} is not an IANA time zone`,
      pointer: `${pointerBase}/timeZone`,
    });
  for (const [name, value] of [
    ['from', from],
    ['to', to],
  ] as const)
    if (!DATE.test(value) || !DateTime.fromISO(value, { zone: timeZone }).isValid)
      throw new BadRequest({
        rule: 'training.query.date',
        message: `${name} must be a date YYYY-MM-DD (the ${name === 'from' ? 'first' : 'last'} day of the window, inclusive)`,
        pointer: `${pointerBase}/${name}`,
      });
  if (to < from)
    throw new BadRequest({
      rule: 'training.query.window',
      message: `the window ends (${to}) before it starts (${from})`,
      pointer: `${pointerBase}/to`,
    });
  return { from, to, timeZone, policyId: null, period: null };
}

/** [start, end) of a window in epoch milliseconds: start of `from`, start of the day after `to`. */
export function windowMillis(window: StatisticsWindow): { startMs: number; endMs: number } {
  const start = DateTime.fromISO(window.from, { zone: window.timeZone }).startOf('day');
  const end = DateTime.fromISO(window.to, { zone: window.timeZone }).startOf('day').plus({ days: 1 });
  return { startMs: start.toMillis(), endMs: end.toMillis() };
}

/** What the statistics read of the ledger (LedgerReader; an in-memory ledger in unit specs). */
export type StatisticsSource = Pick<
  LedgerReader,
  'orgTree' | 'catalogRevisions' | 'catalogEntry' | 'officialSummaries' | 'orgUnitHistory' | 'attendanceFacts'
>;

export interface StatisticsScope {
  /** Only officials of this jurisdiction (a policy unit's reportScope). */
  jurisdiction: string | null;
  /** Only attendances while the official was in this unit's subtree. */
  orgUnit: string | null;
  /** Only programmes of this catalog category. */
  category: string | null;
  position?: string | null;
}

/** Figures being counted: distinct sets (of interned officials and programmes) until `figures()`. */
class Cell {
  readonly programmes = new Set<number>();
  readonly officials = new Set<number>();
  attendances = 0;
  /** Hundredths of an hour, integers, so sums do not drift. */
  hundredths = 0;
  add(official: number, programme: number, attendances: number, hundredths: number): void {
    this.programmes.add(programme);
    this.officials.add(official);
    this.attendances += attendances;
    this.hundredths += hundredths;
  }
  figures(): ProgrammeFigures {
    return {
      programmes: this.programmes.size,
      participants: this.officials.size,
      attendances: this.attendances,
      hours: this.hundredths / 100,
    };
  }
}

const cellOf = <K>(map: Map<K, Cell>, key: K): Cell => {
  let cell = map.get(key);
  if (!cell) {
    cell = new Cell();
    map.set(key, cell);
  }
  return cell;
};

/**
 * Programme statistics of a window over the ledger (decision 050). Throws a 400 naming the
 * parameter when the org unit or category does not exist, or when the window holds no attendance
 * in scope (a report of nothing is a mistake of the request, not a table of zeros).
 */
export function programmeStatistics(
  reader: StatisticsSource,
  window: StatisticsWindow,
  scope: StatisticsScope,
  pointers: { orgUnit?: string; category?: string; window?: string } = {},
): ProgrammeStatistics {
  const tree = reader.orgTree();
  if (scope.orgUnit !== null && !tree.has(scope.orgUnit))
    throw new BadRequest({
      rule: 'training.query.org-unit',
      message: `no org unit ${scope.orgUnit}`,
      pointer: pointers.orgUnit ?? '/query/orgUnit',
    });
  const catalogIds = reader.catalogRevisions().map((c) => c.activityId);
  const catalog = new Map<string, CatalogEntry>();
  for (const id of catalogIds) {
    const entry = reader.catalogEntry(id);
    if (entry) catalog.set(id, entry);
  }
  if (scope.category !== null && ![...catalog.values()].some((e) => e.category === scope.category))
    throw new BadRequest({
      rule: 'training.query.category',
      message: `no catalog programme is in category ${scope.category}; categories are ${[...new Set([...catalog.values()].map((e) => e.category))].sort().join(', ')}`,
      pointer: pointers.category ?? '/query/category',
    });
  const subtree = scope.orgUnit === null ? null : tree.subtree(scope.orgUnit);
  // Officials and programmes are interned: the counting below works on small integers.
  interface InScope {
    index: number;
    officialId: string;
    staffGroup: string;
    history: OrgUnitSpell[] | null;
  }
  const officials = new Map<string, InScope>();
  const officialList: InScope[] = [];
  for (const o of reader.officialSummaries())
    if (scope.jurisdiction === null || o.jurisdiction === scope.jurisdiction) {
      const official = {
        index: officialList.length,
        officialId: o.officialId,
        staffGroup: o.staffGroup,
        history: null,
      };
      officials.set(o.officialId, official);
      officialList.push(official);
    }
  // As the completion report: a policy unit asking for a unit with none of its officials is refused.
  if (
    scope.jurisdiction !== null &&
    subtree !== null &&
    !reader.officialSummaries().some((o) => o.jurisdiction === scope.jurisdiction && subtree.has(o.orgUnit))
  )
    throw new Forbidden({
      rule: 'training.access.jurisdiction',
      message: 'this org unit is outside your jurisdiction',
      pointer: pointers.orgUnit ?? '/query/orgUnit',
    });
  const programmeIndex = new Map<string, number>();
  const programmeList: CatalogEntry[] = [];
  for (const entry of catalog.values())
    if (scope.category === null || entry.category === scope.category) {
      programmeIndex.set(entry.activityId, programmeList.length);
      programmeList.push(entry);
    }

  const { startMs, endMs } = windowMillis(window);
  // Entries (official × programme × registration) with their first learning time and attended
  // statements: the attendances they count (decision 050).
  interface Entry {
    official: number;
    programme: number;
    firstMs: number;
    attended: number;
  }
  const entries = new Map<string, Entry>();
  for (const [officialId, activity, registration, verb, t] of reader.attendanceFacts(
    startMs,
    endMs,
    ATTENDANCE_VERBS,
  )) {
    const official = officials.get(officialId);
    const programme = programmeIndex.get(activity);
    if (official === undefined || programme === undefined) continue;
    const key = `${official.index}|${programme}|${registration}`;
    let e = entries.get(key);
    if (!e) {
      e = { official: official.index, programme, firstMs: t, attended: 0 };
      entries.set(key, e);
    } else if (t < e.firstMs) e.firstMs = t;
    if (verb === VERB.attended) e.attended++;
  }
  // The local date of a learning instant, by binary search over the window's day starts (one
  // luxon conversion per day of the window, not per attendance; exact across DST changes).
  const dayStarts: number[] = [];
  const dayNames: string[] = [];
  for (
    let d = DateTime.fromISO(window.from, { zone: window.timeZone }).startOf('day');
    d.toMillis() < endMs;
    d = d.plus({ days: 1 })
  ) {
    dayStarts.push(d.toMillis());
    dayNames.push(d.toISODate()!);
  }
  const dayOf = (ms: number): string => {
    let lo = 0;
    let hi = dayStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (dayStarts[mid]! <= ms) lo = mid;
      else hi = mid - 1;
    }
    return dayNames[lo]!;
  };

  const total = new Cell();
  const byCategory = new Map<string, Cell>();
  const byGroup = new Map<string, Cell>();
  const byCell = new Map<string, Cell>();
  const byUnit = new Map<string, Cell>();
  const byProgramme = new Map<number, Cell>();
  const ancestry = new Map<string, Cell[]>();
  for (const e of entries.values()) {
    const official = officialList[e.official]!;
    official.history ??= reader.orgUnitHistory(official.officialId);
    // The org unit at learning time (TRAINING-DOMAIN, Transcript entry: org unit at the time).
    const unit =
      official.history.length === 1
        ? official.history[0]!.orgUnit
        : orgUnitOn(official.history, dayOf(e.firstMs));
    if (subtree !== null && (unit === null || !subtree.has(unit))) continue;
    const programme = programmeList[e.programme]!;
    const attendances = e.attended > 0 ? e.attended : 1;
    const hundredths = Math.round((programme.nominalHours ?? 0) * 100) * attendances;
    total.add(e.official, e.programme, attendances, hundredths);
    cellOf(byCategory, programme.category).add(e.official, e.programme, attendances, hundredths);
    cellOf(byGroup, official.staffGroup).add(e.official, e.programme, attendances, hundredths);
    cellOf(byCell, `${programme.category}\u0000${official.staffGroup}`).add(
      e.official,
      e.programme,
      attendances,
      hundredths,
    );
    cellOf(byProgramme, e.programme).add(e.official, e.programme, attendances, hundredths);
    if (unit !== null) {
      let cells = ancestry.get(unit);
      if (!cells) {
        cells = [];
        for (const u of tree.ancestry(unit)) {
          if (subtree !== null && !subtree.has(u)) break;
          cells.push(cellOf(byUnit, u));
        }
        ancestry.set(unit, cells);
      }
      for (const cell of cells) cell.add(e.official, e.programme, attendances, hundredths);
    }
  }
  if (total.attendances === 0)
    throw new BadRequest({
      rule: 'training.report.no-data',
      message: `no attendance of a catalog programme from ${window.from} to ${window.to} (${window.timeZone}) in this scope`,
      pointer: pointers.window ?? (window.period !== null ? '/query/period' : '/query/from'),
    });

  const sorted = <T>(map: Map<string, Cell>, f: (key: string, cell: Cell) => T): Record<string, T> =>
    Object.fromEntries([...map.keys()].sort().map((k) => [k, f(k, map.get(k)!)]));
  const byCategoryAndStaffGroup: Record<string, Record<string, ProgrammeFigures>> = {};
  for (const key of [...byCell.keys()].sort()) {
    const [category, group] = key.split('\u0000') as [string, string];
    byCategoryAndStaffGroup[category] ??= {};
    byCategoryAndStaffGroup[category][group] = byCell.get(key)!.figures();
  }
  return {
    kind: 'programme-statistics',
    window,
    orgUnit: scope.orgUnit,
    jurisdiction: scope.jurisdiction,
    category: scope.category,
    position: scope.position ?? null,
    hoursRule: PROGRAMME_HOURS_RULE,
    attendanceRule: PROGRAMME_ATTENDANCE_RULE,
    totals: total.figures(),
    byCategory: sorted(byCategory, (_k, c) => c.figures()),
    byStaffGroup: sorted(byGroup, (_k, c) => c.figures()),
    byCategoryAndStaffGroup,
    byOrgUnit: sorted(byUnit, (k, c) => ({ name: tree.names.get(k) ?? null, ...c.figures() })),
    programmes: [...byProgramme.keys()]
      .map((i) => programmeList[i]!)
      .sort((a, b) => (a.activityId < b.activityId ? -1 : 1))
      .map((p) => ({
        activityId: p.activityId,
        title: p.title,
        category: p.category,
        nominalHours: p.nominalHours,
        ...byProgramme.get(programmeIndex.get(p.activityId)!)!.figures(),
      })),
  };
}

/**
 * The statistics as CSV in chunks (RFC 4180): one line per figure row — the total, each category,
 * each staff group, each category × staff group, each org unit, each programme.
 */
export function* programmeStatisticsCsv(s: ProgrammeStatistics): Generator<string> {
  const header = [
    'dimension',
    'category',
    'staff_group',
    'org_unit',
    'programme',
    'programmes',
    'participants',
    'attendances',
    'hours',
    'from',
    'to',
    'time_zone',
    'hours_rule',
  ];
  const line = (cells: string[], f: ProgrammeFigures) =>
    `${[
      ...cells,
      String(f.programmes),
      String(f.participants),
      String(f.attendances),
      String(f.hours),
      s.window.from,
      s.window.to,
      s.window.timeZone,
      s.hoursRule,
    ]
      .map(csvCell)
      .join(',')}\r\n`;
  yield `${header.join(',')}\r\n${line(['total', '', '', '', ''], s.totals)}`;
  let chunk = '';
  for (const [c, f] of Object.entries(s.byCategory)) chunk += line(['category', c, '', '', ''], f);
  for (const [g, f] of Object.entries(s.byStaffGroup)) chunk += line(['staff_group', '', g, '', ''], f);
  for (const [c, groups] of Object.entries(s.byCategoryAndStaffGroup))
    for (const [g, f] of Object.entries(groups)) chunk += line(['category_staff_group', c, g, '', ''], f);
  yield chunk;
  chunk = '';
  for (const [u, f] of Object.entries(s.byOrgUnit)) chunk += line(['org_unit', '', '', u, ''], f);
  yield chunk;
  chunk = '';
  let n = 0;
  for (const p of s.programmes) {
    chunk += line(['programme', p.category, '', '', p.activityId], p);
    if (++n % 500 === 0) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}

function csvCell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}
