import { csvWriter } from '@lrs/http';
import type { CompletionReport, CompletionStatus } from '@lrs/training';
import { type Html, html, raw } from '../html';
import type { Translator } from '../i18n';

type Counts = Record<CompletionStatus, number>;

/** One line of the dashboard table: an org unit below the current one, or an official at a leaf. */
export interface DashboardRow {
  kind: 'org-unit' | 'official';
  id: string;
  name: string;
  population: number;
  completed: number;
  overdue: number;
  exempt: number;
  /** Completed over those who must complete (exempt officials are not counted). */
  rate: number;
  status?: CompletionStatus;
  earnedHours?: number;
}

export const SORT_KEYS = ['name', 'population', 'rate', 'overdue'] as const;
export type SortKey = (typeof SORT_KEYS)[number];

const rateOf = (c: Counts, population: number) => {
  const due = population - c.exempt;
  return due > 0 ? c.completed / due : 1;
};

/** What the dashboard shows for a report: child units of `current` (or the officials of a leaf unit). */
export function dashboardRows(
  report: CompletionReport,
  children: { id: string; name: string }[],
  current: string | null,
  names: Map<string, string> = new Map(),
): DashboardRow[] {
  if (current !== null && children.length === 0) {
    return report.rows
      .filter((r) => r.orgUnit === current)
      .map((r) => ({
        kind: 'official',
        id: r.officialId,
        name: names.get(r.officialId) ?? r.officialId,
        population: 1,
        completed: r.status === 'completed' ? 1 : 0,
        overdue: r.status === 'overdue' ? 1 : 0,
        exempt: r.status === 'exempt' ? 1 : 0,
        rate: r.status === 'completed' || r.status === 'exempt' ? 1 : 0,
        status: r.status,
        earnedHours: r.earnedHours,
      }));
  }
  const out: DashboardRow[] = [];
  for (const child of children) {
    const unit = report.byOrgUnit[child.id];
    if (!unit) continue;
    const population = Object.values(unit.counts).reduce((a, b) => a + b, 0);
    out.push({
      kind: 'org-unit',
      id: child.id,
      name: unit.name ?? child.name,
      population,
      completed: unit.counts.completed,
      overdue: unit.counts.overdue,
      exempt: unit.counts.exempt,
      rate: rateOf(unit.counts, population),
    });
  }
  return out;
}

export function sortRows(rows: DashboardRow[], key: SortKey, dir: 'asc' | 'desc'): DashboardRow[] {
  const sign = dir === 'asc' ? 1 : -1;
  return [...rows].sort((a, b) => {
    const d = key === 'name' ? a.name.localeCompare(b.name) : a[key] - b[key];
    return d !== 0 ? sign * d : a.id.localeCompare(b.id);
  });
}

/** CSV of exactly the rows on screen, in the on-screen order, headers in the reader's language. */
export function dashboardCsv(report: CompletionReport, rows: DashboardRow[], tr: Translator): string {
  return csvWriter({
    preamble: [
      tr.t('asOfLine', { at: tr.dateTime(report.asOf), policy: report.policyId, period: report.period }),
    ],
    header: [
      rows[0]?.kind === 'official' ? tr.t('officialId') : tr.t('orgUnit'),
      tr.t('name'),
      tr.t('population'),
      tr.t('completed'),
      tr.t('overdue'),
      tr.label('status', 'exempt'),
      tr.t('completionRate'),
      tr.t('status'),
    ],
    rows: rows.map((r) => [
      r.id,
      r.name,
      r.population,
      r.completed,
      r.overdue,
      r.exempt,
      Math.round(r.rate * 10000) / 10000,
      r.status ? tr.label('status', r.status) : '',
    ]),
  });
}

export function sortHeader(
  label: string,
  key: SortKey,
  current: SortKey,
  dir: 'asc' | 'desc',
  base: URLSearchParams,
  numeric = false,
): Html {
  const next = key === current && dir === 'asc' ? 'desc' : 'asc';
  const params = new URLSearchParams(base);
  params.set('sort', key);
  params.set('dir', next);
  const aria = key === current ? (dir === 'asc' ? 'ascending' : 'descending') : 'none';
  const arrow = key === current ? (dir === 'asc' ? ' ▲' : ' ▼') : '';
  return html`<th scope="col"${raw(numeric ? ' class="num"' : '')} aria-sort="${aria}"><a href="/dashboard?${params.toString()}" data-sort="${key}">${label}${arrow}</a></th>`;
}
