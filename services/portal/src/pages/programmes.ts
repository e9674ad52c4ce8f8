import { csvWriter } from '@lrs/http';
import type { ProgrammeFigures, ProgrammeStatistics } from '@lrs/training';
import { type Html, html, inLanguage, raw } from '../html';
import type { Localized, Translator } from '../i18n';

/** What the programme statistics page was asked: a policy period, or from/to dates in a zone. */
export interface ProgrammeQuery {
  policy: string;
  period: string;
  from: string;
  to: string;
  timeZone: string;
  /** Which of the two the reader chose. */
  by: 'period' | 'dates';
}

export interface ProgrammesView {
  query: ProgrammeQuery;
  policies: { policyId: string; title: Localized | null }[];
  /** Null when the request could not be answered; `problem` then says why. */
  statistics: ProgrammeStatistics | null;
  problem: { rule: string; message: string; text: string } | null;
  /** When the figures were read (the read model had caught up with the log). */
  asOf: string;
  /** A category's name for people (a message, else the catalog's title, else the id). */
  categoryTitle: (category: string) => Localized | null;
  /** Policy units and auditors may freeze these figures (the audit API's roles). */
  mayTakeSnapshot: boolean;
  csrf: string;
}

const FIGURES = ['programmes', 'participants', 'attendances', 'hours'] as const;

function figureCells(f: ProgrammeFigures, tr: Translator): Html {
  return html`${FIGURES.map((k) => html`<td class="num" data-label="${tr.t(`figure.${k}`)}" data-figure="${k}">${tr.num(f[k])}</td>`)}`;
}
const figureHeads = (tr: Translator) =>
  html`${FIGURES.map((k) => html`<th scope="col" class="num">${tr.t(`figure.${k}`)}</th>`)}`;

function table(
  cls: string,
  caption: string,
  head: string,
  rows: { key: string; label: Html; figures: ProgrammeFigures }[],
  totals: ProgrammeFigures | null,
  tr: Translator,
): Html {
  return html`<div class="table-wrap"><table class="responsive ${cls}"><caption>${caption}</caption>
<thead><tr><th scope="col">${head}</th>${figureHeads(tr)}</tr></thead>
<tbody>${rows.map((r) => html`<tr data-key="${r.key}"><th scope="row" data-label="${head}">${r.label}</th>${figureCells(r.figures, tr)}</tr>`)}</tbody>
${totals ? html`<tfoot><tr class="total"><th scope="row">${tr.t('total')}</th>${figureCells(totals, tr)}</tr></tfoot>` : ''}
</table></div>`;
}

/** The window as a query string (also the snapshot form's hidden fields). */
export function windowParams(q: ProgrammeQuery): URLSearchParams {
  return q.by === 'dates'
    ? new URLSearchParams({ from: q.from, to: q.to, timeZone: q.timeZone })
    : new URLSearchParams({ policy: q.policy, period: q.period });
}

export function windowText(s: ProgrammeStatistics, tr: Translator): string {
  return tr.t('windowText', {
    from: tr.day(s.window.from),
    to: tr.day(s.window.to),
    zone: s.window.timeZone,
  });
}

const byName = (a: { sort: string }, b: { sort: string }) => a.sort.localeCompare(b.sort);

export function programmesPage(v: ProgrammesView, tr: Translator): Html {
  const q = v.query;
  const option = (value: string, label: string, selected: boolean) =>
    html`<option value="${value}"${raw(selected ? ' selected' : '')}>${label}</option>`;
  const s = v.statistics;
  const params = windowParams(q);
  const form = html`<form method="get" action="/programmes" class="programme-window">
<fieldset class="cut-off"><legend>${tr.t('windowChoice')}</legend>
<p><input type="radio" id="by-period" name="by" value="period"${raw(q.by === 'period' ? ' checked' : '')}> <label class="inline" for="by-period">${tr.t('byPolicyPeriod')}</label></p>
<div class="list-filters"><div><label for="policy">${tr.t('policy')}</label><select id="policy" name="policy">${v.policies.map((p) => option(p.policyId, p.title?.text ?? p.policyId, p.policyId === q.policy))}</select></div>
<div><label for="period">${tr.t('period')}</label><input id="period" name="period" value="${q.period}" size="12"></div></div>
<p><input type="radio" id="by-dates" name="by" value="dates"${raw(q.by === 'dates' ? ' checked' : '')}> <label class="inline" for="by-dates">${tr.t('byDates')}</label></p>
<div class="list-filters"><div><label for="from">${tr.t('fromDate')}</label><input id="from" name="from" type="date" value="${q.from}"></div>
<div><label for="to">${tr.t('toDate')}</label><input id="to" name="to" type="date" value="${q.to}"></div>
<div><label for="timeZone">${tr.t('timeZone')}</label><input id="timeZone" name="timeZone" value="${q.timeZone}" size="20" autocomplete="off"></div></div>
</fieldset>
<p><button type="submit">${tr.t('show')}</button></p></form>`;
  if (!s)
    return html`${form}<p class="error" role="alert" data-rule="${v.problem?.rule ?? ''}">${v.problem?.text ?? tr.t('noData')}</p>
${v.problem ? html`<details><summary>${tr.t('technicalDetail')}</summary><p lang="en"><code>${v.problem.rule}</code>: ${v.problem.message}</p></details>` : ''}`;
  const categories = Object.entries(s.byCategory)
    .map(([k, f]) => {
      const title = v.categoryTitle(k);
      return { key: k, label: inLanguage(title, k), sort: title?.text ?? k, figures: f };
    })
    .sort(byName);
  const groups = Object.entries(s.byStaffGroup)
    .map(([k, f]) => {
      const title = tr.term('staffGroup', k);
      return { key: k, label: inLanguage(title, k), sort: title.text, figures: f };
    })
    .sort(byName);
  const units = Object.entries(s.byOrgUnit)
    .map(([k, f]) => ({ key: k, label: html`${f.name ?? k}`, sort: f.name ?? k, figures: f }))
    .sort(byName);
  const programmes = s.programmes
    .map((p) => {
      const title = tr.localized(p.title);
      return {
        key: p.activityId,
        label: inLanguage(title, p.activityId),
        sort: title?.text ?? p.activityId,
        figures: p,
      };
    })
    .sort(byName);
  const win = windowText(s, tr);
  return html`${form}
<p class="who" data-window="${s.window.from}/${s.window.to}">${tr.t('window')}: ${win}${s.window.policyId ? html` · ${tr.t('policy')} ${s.window.policyId} ${s.window.period ?? ''}` : ''}</p>
<dl class="facts summary programme-totals">${FIGURES.map((k) => html`<dt>${tr.t(`figure.${k}`)}</dt><dd data-figure="${k}">${tr.num(s.totals[k])}</dd>`)}</dl>
<p class="help">${tr.t('hoursRuleNote')} ${tr.t('asOf', { at: tr.dateTime(v.asOf) })}</p>
<p><a class="button" id="export-programmes" href="/programmes.csv?${params.toString()}" download>${tr.t('exportCsv')}</a></p>
${
  v.mayTakeSnapshot
    ? html`<form method="post" action="/programmes/snapshot" class="noprint"><input type="hidden" name="csrf" value="${v.csrf}">
${[...params.entries()].map(([k, val]) => html`<input type="hidden" name="${k}" value="${val}">`)}
<p id="snapshot-help" class="help">${tr.t('programmeSnapshotHelp')}</p>
<p><button type="submit" id="take-programme-snapshot" aria-describedby="snapshot-help">${tr.t('takeSnapshotButton')}</button></p></form>`
    : ''
}
<h2>${tr.t('byCategory')}</h2>
${table('by-category', tr.t('captionByCategory', { window: win }), tr.t('category'), categories, s.totals, tr)}
<h2>${tr.t('byStaffGroup')}</h2>
${table('by-staff-group', tr.t('captionByStaffGroup', { window: win }), tr.t('staffGroup'), groups, s.totals, tr)}
<h2>${tr.t('byOrgUnit')}</h2>
<p class="help">${tr.t('orgUnitSubtreeNote')}</p>
${table('by-org-unit', tr.t('captionByOrgUnit', { window: win }), tr.t('orgUnit'), units, null, tr)}
<h2>${tr.t('programmesList')}</h2>
${table('programmes', tr.t('captionProgrammes', { window: win }), tr.t('title'), programmes, s.totals, tr)}`;
}

/** The statistics as CSV for a spreadsheet: one line per category, staff group and org unit, then the total. */
export function programmesCsv(
  s: ProgrammeStatistics,
  asOf: string,
  categoryTitle: (category: string) => Localized | null,
  tr: Translator,
): string {
  const line = (section: string, key: string, label: string, f: ProgrammeFigures) => [
    section,
    key,
    label,
    ...FIGURES.map((k) => f[k]),
  ];
  return csvWriter({
    preamble: [
      tr.t('asOfWindowLine', { at: tr.dateTime(asOf), window: windowText(s, tr) }),
      tr.t('hoursRuleNote'),
    ],
    header: [tr.t('section'), 'ID', tr.t('name'), ...FIGURES.map((k) => tr.t(`figure.${k}`))],
    rows: [
      ...Object.entries(s.byCategory).map(([k, f]) =>
        line(tr.t('category'), k, categoryTitle(k)?.text ?? k, f),
      ),
      ...Object.entries(s.byStaffGroup).map(([k, f]) =>
        line(tr.t('staffGroup'), k, tr.label('staffGroup', k), f),
      ),
      ...Object.entries(s.byOrgUnit).map(([k, f]) => line(tr.t('orgUnit'), k, f.name ?? k, f)),
      line(tr.t('total'), '', tr.t('total'), s.totals),
    ],
  });
}
