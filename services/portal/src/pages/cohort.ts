import { type CsvValue, csvWriter } from '@lrs/http';
import type { CohortTrainee, CohortView, CompletionStatus, Policy, RequirementProgress } from '@lrs/training';
import { type Html, html, inLanguage, raw } from '../html';
import type { Localized, MessageKey, Translator } from '../i18n';
import { personName } from '../person-name';
import { PAGE_SIZE, parseListQuery, STATUSES } from './officials';

const COHORT_SORTS = ['name', 'orgUnit', 'hours', 'status'] as const;
type CohortSort = (typeof COHORT_SORTS)[number];

export interface CohortFilter {
  q: string;
  status: CompletionStatus | null;
  sort: CohortSort;
  dir: 'asc' | 'desc';
  page: number;
}

export function parseCohortFilter(query: Record<string, unknown>): CohortFilter {
  return parseListQuery(query, COHORT_SORTS);
}

export interface CohortRow extends CohortTrainee {
  orgUnitName: string;
}

/** What the cohort page and its export show: the view, the filtered rows, and how to name things. */
export interface CohortPageView {
  view: CohortView;
  rows: CohortRow[];
  filter: CohortFilter;
  /** The policy choices of the reader's jurisdiction (its own first). */
  policies: { policyId: string; title: Localized | null }[];
  policyTitle: Localized | null;
  /** The requirements shown as columns: the leaves of the tree (hours, meetings, the defence). */
  requirements: {
    id: string;
    kind: RequirementProgress['kind'];
    category?: string;
    title: Localized | null;
  }[];
}

/** The trainees that pass the filter, in the chosen order (names, not ids). */
export function filterTrainees(
  view: CohortView,
  unitNames: Map<string, string>,
  f: CohortFilter,
): CohortRow[] {
  const q = f.q.toLocaleLowerCase();
  const rows: CohortRow[] = [];
  for (const t of view.trainees) {
    if (f.status && t.status !== f.status) continue;
    if (q && !t.name.toLocaleLowerCase().includes(q) && !t.officialId.toLocaleLowerCase().includes(q))
      continue;
    rows.push({ ...t, orgUnitName: unitNames.get(t.orgUnit) ?? t.orgUnit });
  }
  const collator = new Intl.Collator(undefined, { numeric: true });
  const sign = f.dir === 'asc' ? 1 : -1;
  const key = (r: CohortRow): string | number =>
    f.sort === 'orgUnit'
      ? r.orgUnitName
      : f.sort === 'hours'
        ? r.earnedHours
        : f.sort === 'status'
          ? STATUSES.indexOf(r.status)
          : r.name;
  return rows.sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    const d = typeof ka === 'number' ? ka - (kb as number) : collator.compare(ka, kb as string);
    return d !== 0 ? sign * d : a.officialId.localeCompare(b.officialId);
  });
}

/** The requirement node's own title in the policy document, if it has one. */
export function requirementTitleOf(policy: Policy, id: string): Record<string, string> | undefined {
  const find = (node: unknown): Record<string, string> | undefined => {
    if (!node || typeof node !== 'object') return undefined;
    const n = node as { id?: string; title?: Record<string, string>; all_of?: unknown[]; any_of?: unknown[] };
    if (n.id === id) return n.title;
    for (const child of [...(n.all_of ?? []), ...(n.any_of ?? [])]) {
      const t = find(child);
      if (t) return t;
    }
    return undefined;
  };
  return find(policy.requirement);
}

/** The leaves of the requirement tree, as the view's summary lists them. */
export const requirementLeaves = (view: CohortView) =>
  view.summary.requirements.filter((r) => r.kind !== 'all_of' && r.kind !== 'any_of');

const name = (l: Localized | null, fallback: string): string => l?.text ?? fallback;

/** "148 of 220 hours", "22 of 30", "passed": what a requirement's progress reads as. */
export function progressText(r: RequirementProgress, tr: Translator): string {
  if (r.kind === 'passed') return r.met ? tr.t('passedDone') : tr.t('passedNotYet');
  if (r.kind === 'min_hours') return tr.t('hoursOf', { earned: r.earned, required: r.required });
  return tr.t('countOf', { earned: r.earned, required: r.required });
}

function progressCell(r: RequirementProgress, label: string, tr: Translator): Html {
  const text = progressText(r, tr);
  if (r.kind === 'passed')
    return html`<span class="badge${raw(r.met ? ' status-completed' : '')}" data-met="${String(r.met)}">${text}</span>`;
  const max = r.required > 0 ? r.required : 1;
  const now = Math.min(r.earned, max);
  const width = Math.round((now / max) * 100);
  const pending = r.pending ?? 0;
  const pendingWidth = Math.min(100 - width, Math.round((pending / max) * 100));
  return html`<span class="figure">${text}</span>
<div class="bar${raw(r.met ? ' met' : '')}" role="progressbar" aria-label="${label}" aria-valuemin="0" aria-valuemax="${max}" aria-valuenow="${now}" aria-valuetext="${text}"><svg viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true" focusable="false"><rect width="${width}" height="10"></rect>${pendingWidth > 0 ? html`<rect class="pending" x="${width}" width="${pendingWidth}" height="10"></rect>` : ''}</svg></div>
${pending > 0 ? html`<span class="pending-note" data-pending="${pending}">${tr.t('pendingHours', { hours: pending })}</span>` : ''}`;
}

function query(base: URLSearchParams, f: CohortFilter, changes: Record<string, string | null>): string {
  const q = new URLSearchParams(base);
  if (f.q) q.set('q', f.q);
  if (f.status) q.set('status', f.status);
  if (f.sort !== 'name') q.set('sort', f.sort);
  if (f.dir !== 'asc') q.set('dir', f.dir);
  if (f.page > 1) q.set('page', String(f.page));
  for (const [k, v] of Object.entries(changes)) v === null ? q.delete(k) : q.set(k, v);
  return q.toString();
}

export function cohortPage(v: CohortPageView, tr: Translator): Html {
  const { view, rows, filter: f } = v;
  // 50 a page, as the list of officials: a city-wide policy has thousands of trainees.
  const pages = Math.max(1, Math.ceil(rows.length / PAGE_SIZE));
  const page = Math.min(f.page, pages);
  const shown = rows.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE);
  const pageLink = (n: number, key: MessageKey, rel: string) =>
    html`<a href="/cohort?${query(base, f, { page: String(n) })}" rel="${rel}">${tr.t(key)}</a>`;
  const base = new URLSearchParams({ policy: view.policyId, period: view.period });
  const option = (value: string, label: string, selected: boolean) =>
    html`<option value="${value}"${raw(selected ? ' selected' : '')}>${label}</option>`;
  const sortLink = (key: CohortSort, label: string, numeric = false) => {
    const next = f.sort === key && f.dir === 'asc' ? 'desc' : 'asc';
    const aria = f.sort === key ? (f.dir === 'asc' ? 'ascending' : 'descending') : 'none';
    const arrow = f.sort === key ? (f.dir === 'asc' ? ' ▲' : ' ▼') : '';
    return html`<th scope="col"${raw(numeric ? ' class="num"' : '')} aria-sort="${aria}"><a href="/cohort?${query(base, f, { sort: key, dir: next, page: null })}" data-sort="${key}">${label}${arrow}</a></th>`;
  };
  const reqName = (r: CohortPageView['requirements'][number]) => name(r.title, r.id);
  const s = view.summary;
  const due = html`<time datetime="${view.dueDate}">${tr.day(view.dueDate)}</time>`;
  return html`<form method="get" action="/cohort" class="filters list-filters" role="search">
<div><label for="policy">${tr.t('policy')}</label><select id="policy" name="policy">${v.policies.map((p) => option(p.policyId, name(p.title, p.policyId), p.policyId === view.policyId))}</select></div>
<div><label for="period">${tr.t('period')}</label><input id="period" name="period" value="${view.period}" size="12"></div>
<div><label for="q">${tr.t('search')}</label><input id="q" name="q" type="search" value="${f.q}" autocomplete="off"></div>
<div><label for="status">${tr.t('status')}</label><select id="status" name="status">${option('', tr.t('all'), !f.status)}${STATUSES.map((st) => option(st, tr.label('status', st), f.status === st))}</select></div>
<div><button type="submit">${tr.t('show')}</button></div>
</form>
<p class="who">${inLanguage(v.policyTitle, view.policyId)} · ${tr.t('period')} ${view.period} · ${tr.t('lastDay')}: <time datetime="${view.lastDay}">${tr.day(view.lastDay)}</time> · ${tr.t('due')}: ${due}</p>
<p class="${view.closed ? 'warning' : 'help'}" role="note" data-closed="${String(view.closed)}">${view.closed ? tr.t('windowClosed', { day: tr.day(view.lastDay) }) : tr.t('windowOpen', { day: tr.day(view.lastDay) })}</p>
<section aria-labelledby="cohort-summary"><h2 id="cohort-summary">${tr.t('cohortSummary')}</h2>
<dl class="facts summary"><dt>${tr.t('trainees')}</dt><dd class="trainees">${tr.num(s.trainees)}</dd>
${STATUSES.filter((st) => s.byStatus[st] > 0).map((st) => html`<dt>${tr.label('status', st)}</dt><dd data-status="${st}">${tr.num(s.byStatus[st])}</dd>`)}
<dt>${tr.t('pendingTotal')}</dt><dd class="pending-total">${tr.t('pendingTotalText', { hours: s.pendingHours, count: s.pendingTrainees })}</dd></dl>
<div class="table-wrap"><table class="responsive cohort-requirements"><caption>${tr.t('captionRequirements')}</caption>
<thead><tr><th scope="col">${tr.t('requirement')}</th><th scope="col" class="num">${tr.t('required')}</th><th scope="col" class="num">${tr.t('metBy')}</th><th scope="col" class="num">${tr.t('earnedTotal')}</th></tr></thead><tbody>
${v.requirements.map((r) => {
  const sr = s.requirements.find((x) => x.id === r.id)!;
  return html`<tr data-requirement="${r.id}"><td data-label="${tr.t('requirement')}">${inLanguage(r.title, r.id)}</td><td class="num" data-label="${tr.t('required')}">${r.kind === 'passed' ? tr.t('passedDone') : tr.num(sr.required)}</td><td class="num met" data-label="${tr.t('metBy')}">${tr.t('metOf', { met: sr.met, total: s.trainees })}</td><td class="num" data-label="${tr.t('earnedTotal')}">${r.kind === 'passed' ? '—' : tr.num(sr.earnedTotal)}</td></tr>`;
})}</tbody></table></div></section>
<h2>${tr.t('trainees')}</h2>
<p class="result-count" role="status"><strong data-total="${rows.length}">${tr.t('traineeCount', { count: rows.length })}</strong>${rows.length !== s.trainees ? html` (${tr.t('ofTotal', { total: s.trainees })})` : ''} · ${tr.t('asOf', { at: tr.dateTime(view.asOf) })}</p>
<p><a class="button" id="export-cohort" href="/cohort.csv?${query(base, f, { page: null })}" download>${tr.t('exportTrainees', { count: rows.length })}</a></p>
${
  rows.length === 0
    ? html`<p>${tr.t('noData')}</p>`
    : html`<div class="table-wrap"><table class="responsive cohort">
<caption>${tr.t('captionCohort', { period: view.period, page, pages })}</caption>
<thead><tr>${sortLink('name', tr.t('name'))}${sortLink('orgUnit', tr.t('orgUnit'))}
${v.requirements.map((r) => html`<th scope="col">${inLanguage(r.title, r.id)}</th>`)}
${sortLink('status', tr.t('status'))}<th scope="col">${tr.t('due')}</th></tr></thead>
<tbody>${shown.map(
        (
          t,
        ) => html`<tr data-official="${t.officialId}"><td data-label="${tr.t('name')}"><a href="/officials/${encodeURIComponent(t.officialId)}">${personName(t.officialId, t.name, tr)}</a></td>
<td data-label="${tr.t('orgUnit')}">${t.orgUnitName}</td>
${v.requirements.map((r) => {
  const p = t.requirements.find((x) => x.id === r.id);
  return html`<td class="progress-cell" data-requirement="${r.id}" data-label="${reqName(r)}">${p ? progressCell(p, `${personName(t.officialId, t.name, tr)}: ${reqName(r)}`, tr) : '—'}</td>`;
})}
<td data-label="${tr.t('status')}"><span class="badge status-${t.status}" data-status="${t.status}">${tr.label('status', t.status)}</span></td><td data-label="${tr.t('due')}">${due}</td></tr>`,
      )}</tbody></table></div>
${pages > 1 ? html`<nav aria-label="${tr.t('pagination')}" class="pager"><p>${page > 1 ? pageLink(page - 1, 'previousPage', 'prev') : ''} <span aria-current="page">${tr.t('pageInfo', { page, pages })}</span> ${page < pages ? pageLink(page + 1, 'nextPage', 'next') : ''}</p></nav>` : ''}`
}`;
}

/** The filtered trainees as CSV: headers in the reader's language, an "as of" line first. */
export function cohortCsv(v: CohortPageView, tr: Translator): string {
  const { view } = v;
  return csvWriter({
    preamble: [tr.t('asOfLine', { at: tr.dateTime(view.asOf), policy: view.policyId, period: view.period })],
    header: [
      tr.t('name'),
      tr.t('officialId'),
      tr.t('orgUnit'),
      tr.t('staffGroup'),
      ...v.requirements.flatMap((r) =>
        r.kind === 'passed'
          ? [name(r.title, r.id)]
          : [
              tr.t('requirementEarned', { requirement: name(r.title, r.id) }),
              tr.t('requirementRequired', { requirement: name(r.title, r.id) }),
            ],
      ),
      tr.t('pendingHoursHeader'),
      tr.t('status'),
      tr.t('due'),
    ],
    rows: v.rows.map((t) => [
      personName(t.officialId, t.name, tr),
      t.officialId,
      t.orgUnitName,
      tr.label('staffGroup', t.staffGroup),
      ...v.requirements.flatMap((r): CsvValue[] => {
        const p = t.requirements.find((x) => x.id === r.id);
        if (!p) return r.kind === 'passed' ? [''] : ['', ''];
        return r.kind === 'passed' ? [progressText(p, tr)] : [p.earned, p.required];
      }),
      t.pending.hours,
      tr.label('status', t.status),
      view.dueDate,
    ]),
  });
}
