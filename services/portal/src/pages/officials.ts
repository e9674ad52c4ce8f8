import { csvWriter } from '@lrs/http';
import type { CompletionReport, CompletionStatus, ReportRow } from '@lrs/training';
import { type Html, html, inLanguage, raw } from '../html';
import type { MessageKey, Translator } from '../i18n';
import { personName } from '../person-name';

export const STATUSES: readonly CompletionStatus[] = [
  'not_started',
  'in_progress',
  'completed',
  'overdue',
  'exempt',
];
export const PAGE_SIZE = 50;
const LIST_SORTS = ['name', 'id', 'orgUnit', 'hours', 'status'] as const;
type ListSort = (typeof LIST_SORTS)[number];

/** What a list of officials is narrowed by: all from the query string, all optional. */
export interface OfficialFilter {
  q: string;
  status: CompletionStatus | null;
  staffGroup: string | null;
  /** Officials of this org unit's subtree (the report's own scope is the dashboard's unit). */
  unit: string | null;
  sort: ListSort;
  dir: 'asc' | 'desc';
  page: number;
}

export interface OfficialListRow extends ReportRow {
  name: string;
  orgUnitName: string;
}

const str = (v: unknown) => (typeof v === 'string' ? v.trim() : '');

/**
 * What every paged list of people reads from its query: the search text, a status, one of the
 * list's sort keys, the direction and the page (the officials list and the cohort share it).
 */
export function parseListQuery<S extends string>(
  query: Record<string, unknown>,
  sorts: readonly S[],
): { q: string; status: CompletionStatus | null; sort: S; dir: 'asc' | 'desc'; page: number } {
  const status = str(query.status);
  const sort = str(query.sort);
  const page = Number.parseInt(str(query.page), 10);
  return {
    q: str(query.q).slice(0, 100),
    status: (STATUSES as readonly string[]).includes(status) ? (status as CompletionStatus) : null,
    sort: (sorts as readonly string[]).includes(sort) ? (sort as S) : sorts[0]!,
    dir: query.dir === 'desc' ? 'desc' : 'asc',
    page: Number.isFinite(page) && page > 0 ? page : 1,
  };
}

export function parseFilter(query: Record<string, unknown>): OfficialFilter {
  return {
    ...parseListQuery(query, LIST_SORTS),
    staffGroup: str(query.staffGroup) || null,
    unit: str(query.unit) || null,
  };
}

/** Every official of the report that passes the filter, with names, in the chosen order. */
export function filterOfficials(
  report: CompletionReport,
  names: Map<string, string>,
  unitNames: Map<string, string>,
  inUnit: ((orgUnit: string) => boolean) | null,
  f: OfficialFilter,
): OfficialListRow[] {
  const q = f.q.toLocaleLowerCase();
  const out: OfficialListRow[] = [];
  for (const r of report.rows) {
    if (f.status && r.status !== f.status) continue;
    if (f.staffGroup && r.staffGroup !== f.staffGroup) continue;
    if (inUnit && !inUnit(r.orgUnit)) continue;
    const name = names.get(r.officialId) ?? r.officialId;
    if (q && !name.toLocaleLowerCase().includes(q) && !r.officialId.toLocaleLowerCase().includes(q)) continue;
    out.push({ ...r, name, orgUnitName: unitNames.get(r.orgUnit) ?? r.orgUnit });
  }
  const sign = f.dir === 'asc' ? 1 : -1;
  const key = (r: OfficialListRow): string | number =>
    f.sort === 'id'
      ? r.officialId
      : f.sort === 'orgUnit'
        ? r.orgUnitName
        : f.sort === 'hours'
          ? r.earnedHours
          : f.sort === 'status'
            ? STATUSES.indexOf(r.status)
            : r.name;
  const collator = new Intl.Collator(undefined, { numeric: true });
  return out.sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    const d = typeof ka === 'number' ? ka - (kb as number) : collator.compare(ka, kb as string);
    return d !== 0 ? sign * d : a.officialId.localeCompare(b.officialId);
  });
}

/** The categories a report counts hours in, in a stable order. */
export const categoriesOf = (report: CompletionReport) => Object.keys(report.hoursByCategory).sort();

function listQuery(base: URLSearchParams, f: OfficialFilter, changes: Record<string, string | null>) {
  const q = new URLSearchParams(base);
  if (f.q) q.set('q', f.q);
  if (f.status) q.set('status', f.status);
  if (f.staffGroup) q.set('staffGroup', f.staffGroup);
  if (f.unit) q.set('unit', f.unit);
  if (f.sort !== 'name') q.set('sort', f.sort);
  if (f.dir !== 'asc') q.set('dir', f.dir);
  if (f.page > 1) q.set('page', String(f.page));
  for (const [k, v] of Object.entries(changes)) v === null ? q.delete(k) : q.set(k, v);
  return q.toString();
}

export interface ListView {
  report: CompletionReport;
  rows: OfficialListRow[];
  filter: OfficialFilter;
  /** policy, period (and the dashboard's org unit) as query parameters. */
  base: URLSearchParams;
  units: { id: string; name: string }[];
  /** The due date, the last day that counts, as text. */
  due: string;
  /** Where the list lives (its filters, sorting and pages link there, its CSV at `<path>.csv`); default /officials. */
  path?: string;
}

export function officialsListPage(v: ListView, tr: Translator): Html {
  const { filter: f, rows, report } = v;
  const path = v.path ?? '/officials';
  const pages = Math.max(1, Math.ceil(rows.length / PAGE_SIZE));
  const page = Math.min(f.page, pages);
  const shown = rows.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE);
  const categories = categoriesOf(report);
  const groups = Object.keys(report.byStaffGroup).sort();
  const option = (value: string, label: string, selected: boolean) =>
    html`<option value="${value}"${raw(selected ? ' selected' : '')}>${label}</option>`;
  const sortLink = (key: ListSort, label: string, numeric = false) => {
    const next = f.sort === key && f.dir === 'asc' ? 'desc' : 'asc';
    const aria = f.sort === key ? (f.dir === 'asc' ? 'ascending' : 'descending') : 'none';
    const arrow = f.sort === key ? (f.dir === 'asc' ? ' ▲' : ' ▼') : '';
    return html`<th scope="col"${raw(numeric ? ' class="num"' : '')} aria-sort="${aria}"><a href="${path}?${listQuery(v.base, f, { sort: key, dir: next, page: null })}">${label}${arrow}</a></th>`;
  };
  const pageLink = (n: number, key: MessageKey, rel: string) =>
    html`<a href="${path}?${listQuery(v.base, f, { page: String(n) })}" rel="${rel}">${tr.t(key)}</a>`;
  return html`<form method="get" action="${path}" class="filters list-filters" role="search">
${[...v.base.entries()].map(([k, val]) => html`<input type="hidden" name="${k}" value="${val}">`)}
<div><label for="q">${tr.t('search')}</label><input id="q" name="q" type="search" value="${f.q}" autocomplete="off"></div>
<div><label for="status">${tr.t('status')}</label><select id="status" name="status">${option('', tr.t('all'), !f.status)}${STATUSES.map((s) => option(s, tr.label('status', s), f.status === s))}</select></div>
<div><label for="staffGroup">${tr.t('staffGroup')}</label><select id="staffGroup" name="staffGroup">${option('', tr.t('all'), !f.staffGroup)}${groups.map((g) => option(g, tr.label('staffGroup', g), f.staffGroup === g))}</select></div>
<div><label for="unit">${tr.t('orgUnit')}</label><select id="unit" name="unit">${option('', tr.t('wholeJurisdiction'), !f.unit)}${v.units.map((u) => option(u.id, u.name, f.unit === u.id))}</select></div>
<div><button type="submit">${tr.t('filter')}</button></div>
</form>
<p class="result-count" role="status"><strong data-total="${rows.length}">${tr.t('resultCount', { count: rows.length })}</strong> · ${tr.t('asOf', { at: tr.dateTime(report.asOf) })} · ${tr.t('due')}: ${v.due}</p>
<p><a class="button" id="export-officials" href="${path}.csv?${listQuery(v.base, f, { page: null })}" download>${tr.t('exportAll', { count: rows.length })}</a></p>
${
  rows.length === 0
    ? html`<p>${tr.t('noData')}</p>`
    : html`<div class="table-wrap"><table class="responsive officials">
<caption>${tr.t('captionOfficialsList', { page, pages })}</caption>
<thead><tr>${sortLink('name', tr.t('name'))}${sortLink('id', tr.t('officialId'))}${sortLink('orgUnit', tr.t('orgUnit'))}<th scope="col">${tr.t('staffGroup')}</th>
${categories.map((c) => html`<th scope="col" class="num">${tr.t('hoursCategory', { category: tr.label('category', c) })}</th>`)}
${sortLink('hours', tr.t('earnedHours'), true)}${sortLink('status', tr.t('status'))}<th scope="col">${tr.t('due')}</th></tr></thead>
<tbody>${shown.map(
        (
          r,
        ) => html`<tr data-official="${r.officialId}"><td data-label="${tr.t('name')}"><a href="/officials/${encodeURIComponent(r.officialId)}">${displayName(r, tr)}</a></td>
<td data-label="${tr.t('officialId')}">${r.officialId}</td><td data-label="${tr.t('orgUnit')}">${r.orgUnitName}</td><td data-label="${tr.t('staffGroup')}">${inLanguage(tr.term('staffGroup', r.staffGroup), r.staffGroup)}</td>
${categories.map((c) => html`<td class="num" data-label="${tr.t('hoursCategory', { category: tr.label('category', c) })}">${tr.num(r.hours[c] ?? 0)}</td>`)}
<td class="num" data-label="${tr.t('earnedHours')}">${tr.num(r.earnedHours)}</td><td data-label="${tr.t('status')}"><span class="badge status-${r.status}" data-status="${r.status}">${tr.label('status', r.status)}</span></td><td data-label="${tr.t('due')}">${v.due}</td></tr>`,
      )}</tbody></table></div>
<nav aria-label="${tr.t('pagination')}" class="pager"><p>${page > 1 ? pageLink(page - 1, 'previousPage', 'prev') : ''} <span aria-current="page">${tr.t('pageInfo', { page, pages })}</span> ${page < pages ? pageLink(page + 1, 'nextPage', 'next') : ''}</p></nav>`
}`;
}

/** An official's name as a list shows it: an erased person in words (decision 077), not their pseudonym. */
const displayName = (r: { officialId: string; name: string }, tr: Translator): string =>
  personName(r.officialId, r.name, tr);

/** The whole filtered list as CSV: headers in the reader's language, an "as of" line first. */
export function officialsCsv(v: ListView, tr: Translator): string {
  const categories = categoriesOf(v.report);
  return csvWriter({
    preamble: [
      tr.t('asOfLine', {
        at: tr.dateTime(v.report.asOf),
        policy: v.report.policyId,
        period: v.report.period,
      }),
    ],
    header: [
      tr.t('name'),
      tr.t('officialId'),
      tr.t('orgUnit'),
      tr.t('staffGroup'),
      ...categories.map((c) => tr.t('hoursCategory', { category: tr.label('category', c) })),
      tr.t('earnedHours'),
      tr.t('status'),
      tr.t('due'),
    ],
    rows: v.rows.map((r) => [
      displayName(r, tr),
      r.officialId,
      r.orgUnitName,
      tr.label('staffGroup', r.staffGroup),
      ...categories.map((c) => r.hours[c] ?? 0),
      r.earnedHours,
      tr.label('status', r.status),
      v.due,
    ]),
  });
}
