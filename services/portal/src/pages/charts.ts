import type { CompletionReport, CompletionWeek } from '@lrs/training';
import { type Html, html } from '../html';
import type { Translator } from '../i18n';
import type { DashboardRow } from './dashboard';

/**
 * Server-rendered charts (inline SVG, no script). The picture is for eyes (aria-hidden); each
 * chart carries its data as a captioned table, so a screen reader reads the same figures.
 */
function figure(id: string, title: string, svg: Html, table: Html, tr: Translator): Html {
  return html`<figure class="chart-figure" aria-labelledby="${id}-title"><figcaption id="${id}-title">${title}</figcaption>
${svg}
<details class="chart-data"><summary>${tr.t('chartData')}</summary>${table}</details></figure>`;
}

/** Completion rate per org unit on a full 0–100% scale (a short bar never looks like a long one). */
export function completionByUnitChart(rows: DashboardRow[], tr: Translator, max = 30): Html {
  const shown = rows.filter((r) => r.kind === 'org-unit').slice(0, max);
  if (shown.length === 0) return html``;
  const rowH = 24;
  const labelW = 130;
  const plotW = 250;
  const top = 22;
  const width = labelW + plotW + 56;
  const height = top + shown.length * rowH + 8;
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  const svg = html`<svg class="chart" aria-hidden="true" focusable="false" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}">
${ticks.map((t) => {
  const x = labelW + Math.round(t * plotW);
  return html`<line class="grid" x1="${x}" y1="${top - 4}" x2="${x}" y2="${height - 4}"></line><text class="tick" x="${x}" y="12" text-anchor="middle">${tr.pct(t)}</text>`;
})}
${shown.map((r, i) => {
  const y = top + i * rowH;
  const w = Math.round(Math.min(1, Math.max(0, r.rate)) * plotW);
  return html`<text x="${labelW - 8}" y="${y + 15}" text-anchor="end">${r.name.length > 16 ? `${r.name.slice(0, 15)}…` : r.name}</text><rect class="bar-bg" x="${labelW}" y="${y + 4}" width="${plotW}" height="14"></rect><rect class="bar-fill" x="${labelW}" y="${y + 4}" width="${w}" height="14"></rect><text x="${labelW + plotW + 6}" y="${y + 15}">${tr.pct(r.rate)}</text>`;
})}
</svg>`;
  const table = html`<table class="chart-table"><caption>${tr.t('chartCompletionByUnit')}</caption><thead><tr><th scope="col">${tr.t('orgUnit')}</th><th scope="col" class="num">${tr.t('population')}</th><th scope="col" class="num">${tr.t('completed')}</th><th scope="col" class="num">${tr.t('completionRate')}</th></tr></thead><tbody>
${shown.map((r) => html`<tr><th scope="row">${r.name}</th><td class="num">${tr.num(r.population)}</td><td class="num">${tr.num(r.completed)}</td><td class="num">${tr.pct(r.rate)}</td></tr>`)}</tbody></table>`;
  return figure('chart-units', tr.t('chartCompletionByUnit'), svg, table, tr);
}

/** How many officials earned how many hours: one-hour bins up to the requirement and a bit, then "more". */
export function hoursDistributionChart(report: CompletionReport, tr: Translator): Html {
  if (report.rows.length === 0) return html``;
  const top = Math.max(8, Math.ceil(Math.max(...report.rows.map((r) => r.earnedHours))));
  const last = Math.min(top, 16);
  const bins = Array.from({ length: last + 1 }, (_, i) => ({
    from: i,
    to: i === last ? null : i + 1,
    count: 0,
  }));
  for (const r of report.rows) bins[Math.min(last, Math.floor(r.earnedHours))]!.count++;
  const most = Math.max(...bins.map((b) => b.count), 1);
  const barW = 30;
  const plotH = 160;
  const left = 44;
  const width = left + bins.length * (barW + 6) + 10;
  const height = plotH + 48;
  const label = (b: (typeof bins)[number]) =>
    b.to === null ? `≥ ${tr.num(b.from)}` : `${tr.num(b.from)}–${tr.num(b.to)}`;
  const svg = html`<svg class="chart" aria-hidden="true" focusable="false" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}">
<line class="axis" x1="${left - 4}" y1="${plotH + 8}" x2="${width - 6}" y2="${plotH + 8}"></line>
<text class="tick" x="${left - 8}" y="16" text-anchor="end">${tr.num(most)}</text><text class="tick" x="${left - 8}" y="${plotH + 8}" text-anchor="end">0</text>
${bins.map((b, i) => {
  const h = Math.round((b.count / most) * plotH);
  const x = left + i * (barW + 6);
  return html`<rect class="bar-fill" x="${x}" y="${plotH + 8 - h}" width="${barW}" height="${h}"></rect><text class="tick" x="${x + barW / 2}" y="${plotH + 24}" text-anchor="middle">${b.to === null ? `${b.from}+` : b.from}</text>`;
})}
<text class="tick" x="${(left + width) / 2}" y="${plotH + 42}" text-anchor="middle">${tr.t('earnedHours')}</text>
</svg>`;
  const table = html`<table class="chart-table"><caption>${tr.t('chartHours')}</caption><thead><tr><th scope="col">${tr.t('earnedHours')}</th><th scope="col" class="num">${tr.t('population')}</th></tr></thead><tbody>
${bins.map((b) => html`<tr><th scope="row">${label(b)}</th><td class="num">${tr.num(b.count)}</td></tr>`)}</tbody></table>`;
  return figure('chart-hours', tr.t('chartHours'), svg, table, tr);
}

/**
 * Completion over the period week by week (issue 22): the share of the officials due who had
 * completed by the end of each ISO week, on a full 0–100% scale; the table lists every week.
 */
export function completionByWeekChart(weeks: CompletionWeek[], tr: Translator): Html {
  if (weeks.length === 0) return html``;
  const left = 48;
  const plotW = Math.max(260, Math.min(530, weeks.length * 10));
  const plotH = 160;
  const top = 12;
  const width = left + plotW + 16;
  const height = top + plotH + 40;
  const x = (i: number) => left + (weeks.length === 1 ? plotW : Math.round((i / (weeks.length - 1)) * plotW));
  const y = (rate: number) => top + Math.round((1 - Math.min(1, Math.max(0, rate))) * plotH);
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  // About six date labels along the axis, the first and the last week included.
  const every = Math.max(1, Math.ceil(weeks.length / 6));
  const labelled = weeks.map((_, i) => i).filter((i) => i % every === 0 || i === weeks.length - 1);
  if (labelled.length > 2 && labelled.at(-1)! - labelled.at(-2)! < every) labelled.splice(-2, 1);
  // The last label ends at the axis's end, so it is not cut off (the first has the left margin).
  const anchor = (i: number) => (i > 0 && i === weeks.length - 1 ? 'end' : 'middle');
  const line = weeks.map((w, i) => `${i === 0 ? 'M' : 'L'}${x(i)} ${y(w.rate)}`).join(' ');
  const svg = html`<svg class="chart" aria-hidden="true" focusable="false" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}">
${ticks.map((t) => html`<line class="grid" x1="${left}" y1="${y(t)}" x2="${left + plotW}" y2="${y(t)}"></line><text class="tick" x="${left - 6}" y="${y(t) + 4}" text-anchor="end">${tr.pct(t)}</text>`)}
<line class="axis" x1="${left}" y1="${top + plotH}" x2="${left + plotW}" y2="${top + plotH}"></line>
<path class="trend" d="${line}"></path>
${labelled.map((i) => html`<text class="tick week" x="${x(i)}" y="${top + plotH + 18}" text-anchor="${anchor(i)}">${tr.day(weeks[i]!.from)}</text>`)}
</svg>`;
  const table = html`<table class="chart-table"><caption>${tr.t('chartCompletionByWeek')}</caption><thead><tr><th scope="col">${tr.t('week')}</th><th scope="col" class="num">${tr.t('completedInWeek')}</th><th scope="col" class="num">${tr.t('completedByWeekEnd')}</th><th scope="col" class="num">${tr.t('completionRate')}</th></tr></thead><tbody>
${weeks.map((w) => html`<tr><th scope="row">${w.week} (${tr.day(w.from)} – ${tr.day(w.to)})</th><td class="num">${tr.num(w.completed)}</td><td class="num">${tr.num(w.cumulative)}</td><td class="num">${tr.pct(w.rate)}</td></tr>`)}</tbody></table>`;
  return figure('chart-weeks', tr.t('chartCompletionByWeek'), svg, table, tr);
}
