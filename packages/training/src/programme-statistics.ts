// Programme statistics (TRAINING-DOMAIN, "A department's staff-development year"): the department
// reports counts, not individual compliance — per programme category, staff group and org unit,
// the programmes held, the participants, the attendances and the hours of a period. Rules in
// decision 050.
import { BadRequest, Forbidden } from '@lrs/http';
import { DateTime, IANAZone } from 'luxon';
import { type AttendanceEntry, type LedgerReader, orgUnitOn, staffGroupOn } from './ledger';
import { periodById, periodIdFormat, versionInForce } from './periods';
import type { Policy } from './policy';
import type { CatalogEntry } from './reference-data';

export { ATTENDANCE_VERBS } from './ledger';
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
  | 'orgTree'
  | 'catalogRevisions'
  | 'catalogEntry'
  | 'officialSummaries'
  | 'allHistories'
  | 'activityNumbers'
  | 'attendancesByOfficial'
  | 'attendanceEntries'
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

/**
 * Figures being counted. Attendances arrive official by official (all of one official's before the
 * next's), so a participant is counted when a cell first sees a new official; programmes are
 * marked in a bitmap of the programmes in scope.
 */
class Cell {
  private readonly held: Uint8Array;
  private programmes = 0;
  private lastOfficial = -1;
  private participants = 0;
  attendances = 0;
  /** Hundredths of an hour, integers, so sums do not drift. */
  private hundredths = 0;
  constructor(programmeCount: number) {
    this.held = new Uint8Array(programmeCount);
  }
  add(official: number, programme: number, attendances: number, hundredths: number): void {
    if (this.held[programme] === 0) {
      this.held[programme] = 1;
      this.programmes++;
    }
    if (this.lastOfficial !== official) {
      this.lastOfficial = official;
      this.participants++;
    }
    this.attendances += attendances;
    this.hundredths += hundredths;
  }
  figures(): ProgrammeFigures {
    return {
      programmes: this.programmes,
      participants: this.participants,
      attendances: this.attendances,
      hours: this.hundredths / 100,
    };
  }
}

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
  const summaries = reader.officialSummaries();
  const officials = new Map<string, { index: number; staffGroup: string }>();
  for (const o of summaries)
    if (scope.jurisdiction === null || o.jurisdiction === scope.jurisdiction)
      officials.set(o.officialId, { index: officials.size, staffGroup: o.staffGroup });
  // As the completion report: a policy unit asking for a unit with none of its officials is refused.
  if (
    scope.jurisdiction !== null &&
    subtree !== null &&
    !summaries.some((o) => o.jurisdiction === scope.jurisdiction && subtree.has(o.orgUnit))
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
  // Per activity number (the ledger's, decision 056): its programme in scope, or -1.
  const numbers = reader.activityNumbers();
  let highest = 0;
  for (const no of numbers.values()) highest = Math.max(highest, no);
  const programmeOf = new Int32Array(highest + 1).fill(-1);
  for (const [activityId, programme] of programmeIndex) {
    const no = numbers.get(activityId);
    if (no !== undefined) programmeOf[no] = programme;
  }
  const programmeHundredths = programmeList.map((p) => Math.round((p.nominalHours ?? 0) * 100));
  const categories = [...new Set(programmeList.map((p) => p.category))];
  const categoryOf = programmeList.map((p) => categories.indexOf(p.category));

  const { startMs, endMs } = windowMillis(window);
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

  const newCell = () => new Cell(programmeList.length);
  const total = newCell();
  const byCategory = categories.map(newCell);
  const byProgramme = programmeList.map(newCell);
  const byGroup = new Map<string, { cell: Cell; byCategory: Cell[] }>();
  const groupCells = (group: string) => {
    let cells = byGroup.get(group);
    if (!cells) {
      cells = { cell: newCell(), byCategory: categories.map(newCell) };
      byGroup.set(group, cells);
    }
    return cells;
  };
  const byUnit = new Map<string, Cell>();
  // Per org unit, the cells it counts in: itself and its ancestors within the scope's subtree
  // (each unit counts its subtree); none when the unit is outside the scope.
  const unitCells = new Map<string | null, Cell[] | null>();
  const cellsOfUnit = (unit: string | null): Cell[] | null => {
    let cells = unitCells.get(unit);
    if (cells === undefined) {
      if (subtree !== null && (unit === null || !subtree.has(unit))) cells = null;
      else {
        cells = [];
        if (unit !== null)
          for (const u of tree.ancestry(unit)) {
            if (subtree !== null && !subtree.has(u)) break;
            let cell = byUnit.get(u);
            if (!cell) {
              cell = newCell();
              byUnit.set(u, cell);
            }
            cells.push(cell);
          }
      }
      unitCells.set(unit, cells);
    }
    return cells;
  };
  /** One official's attendances of a programme while in `unit` and `group`, in every figure. */
  const count = (official: number, programme: number, units: Cell[], group: string, attendances: number) => {
    const hundredths = programmeHundredths[programme]! * attendances;
    const category = categoryOf[programme]!;
    const groupCell = groupCells(group);
    total.add(official, programme, attendances, hundredths);
    byCategory[category]!.add(official, programme, attendances, hundredths);
    groupCell.cell.add(official, programme, attendances, hundredths);
    groupCell.byCategory[category]!.add(official, programme, attendances, hundredths);
    byProgramme[programme]!.add(official, programme, attendances, hundredths);
    for (const cell of units) cell.add(official, programme, attendances, hundredths);
  };

  // Officials arrive one by one, each with their programmes aggregated (decision 056). The org unit
  // and staff group are those in effect on the attendance's learning date (TRAINING-DOMAIN,
  // Transcript entry: org unit at the time; decision 057): for an official whose unit and group
  // stay the same over the whole window that is one answer; otherwise each entry (official ×
  // programme × registration) is placed on the date of its first attendance in the window.
  const histories = reader.allHistories();
  const none = { orgUnits: [], staffGroups: [] };
  for (const { officialId, attendances } of reader.attendancesByOfficial(startMs, endMs)) {
    const official = officials.get(officialId);
    if (official === undefined) continue;
    const history = histories.get(officialId) ?? none;
    const groupOn = (date: string) => staffGroupOn(history.staffGroups, date) ?? official.staffGroup;
    if (
      sameThroughout(history.orgUnits, orgUnitOn, window) &&
      sameThroughout(history.staffGroups, staffGroupOn, window)
    ) {
      const units = cellsOfUnit(orgUnitOn(history.orgUnits, window.from));
      if (units === null) continue;
      const group = groupOn(window.from);
      for (let i = 0; i < attendances.length; i += 2) {
        const programme = programmeOf[attendances[i]!] ?? -1;
        if (programme >= 0) count(official.index, programme, units, group, attendances[i + 1]!);
      }
      continue;
    }
    const entries: AttendanceEntry[] = reader.attendanceEntries(officialId, startMs, endMs);
    for (const e of entries) {
      const programme = programmeOf[e.activityNo] ?? -1;
      if (programme < 0) continue;
      const day = dayOf(e.firstMs);
      const units = cellsOfUnit(orgUnitOn(history.orgUnits, day));
      if (units !== null) count(official.index, programme, units, groupOn(day), e.attendances);
    }
  }
  if (total.attendances === 0)
    throw new BadRequest({
      rule: 'training.report.no-data',
      message: `no attendance of a catalog programme from ${window.from} to ${window.to} (${window.timeZone}) in this scope`,
      pointer: pointers.window ?? (window.period !== null ? '/query/period' : '/query/from'),
    });

  const byKey = <T>(keys: Iterable<string>, f: (key: string) => T): Record<string, T> =>
    Object.fromEntries([...keys].sort().map((k) => [k, f(k)]));
  const held = (cells: Cell[]) =>
    new Map(categories.flatMap((c, i) => (cells[i]!.attendances > 0 ? [[c, cells[i]!] as const] : [])));
  const categoryCells = held(byCategory);
  const byCategoryAndStaffGroup: Record<string, Record<string, ProgrammeFigures>> = {};
  for (const category of [...categories].sort())
    for (const group of [...byGroup.keys()].sort()) {
      const cell = byGroup.get(group)!.byCategory[categories.indexOf(category)]!;
      if (cell.attendances === 0) continue;
      byCategoryAndStaffGroup[category] ??= {};
      byCategoryAndStaffGroup[category][group] = cell.figures();
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
    byCategory: byKey(categoryCells.keys(), (k) => categoryCells.get(k)!.figures()),
    byStaffGroup: byKey(byGroup.keys(), (k) => byGroup.get(k)!.cell.figures()),
    byCategoryAndStaffGroup,
    byOrgUnit: byKey(byUnit.keys(), (k) => ({
      name: tree.names.get(k) ?? null,
      ...byUnit.get(k)!.figures(),
    })),
    programmes: programmeList
      .map((p, i) => ({ p, cell: byProgramme[i]! }))
      .filter(({ cell }) => cell.attendances > 0)
      .sort((a, b) => (a.p.activityId < b.p.activityId ? -1 : 1))
      .map(({ p, cell }) => ({
        activityId: p.activityId,
        title: p.title,
        category: p.category,
        nominalHours: p.nominalHours,
        ...cell.figures(),
      })),
  };
}

/**
 * Whether a history names the same value on every day of the window: no dated spell starting
 * inside it changes what is in effect (`on` is orgUnitOn or staffGroupOn).
 */
function sameThroughout<S extends { from: string | null }>(
  history: readonly S[],
  on: (history: readonly S[], date: string) => string | null,
  window: StatisticsWindow,
): boolean {
  if (history.length <= 1) return true;
  const first = on(history, window.from);
  return history.every(
    (s) => s.from === null || s.from <= window.from || s.from > window.to || on(history, s.from) === first,
  );
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
