import { DateTime } from 'luxon';
import { type Html, html } from '../html';
import type { Translator } from '../i18n';
import type { AuditDutyStatus } from './audit-api';

/** The data cut-off as people read it: the day at whose start the data are cut, in the duty's zone. */
export function cutOffDay(d: AuditDutyStatus): string {
  return DateTime.fromISO(d.cutOff, { setZone: true }).setZone(d.window.timeZone).toISODate() ?? d.cutOff;
}

/** Every duty of the reader's jurisdiction, each with its occurrences (latest year first). */
export function dutiesPage(duties: AuditDutyStatus[], tr: Translator): Html {
  if (duties.length === 0) return html`<p>${tr.t('noDuties')}</p>`;
  const byDuty = new Map<string, AuditDutyStatus[]>();
  for (const d of duties) byDuty.set(d.dutyId, [...(byDuty.get(d.dutyId) ?? []), d]);
  return html`<p class="help">${tr.t('dutiesIntro')}</p>
${[...byDuty.values()].map((occurrences) => {
  const first = occurrences[0]!;
  const sorted = [...occurrences].sort((a, b) => b.year - a.year);
  const heading = first.title ?? first.dutyId;
  return html`<section class="duty" data-duty="${first.dutyId}" aria-labelledby="duty-${first.dutyId}">
<h2 id="duty-${first.dutyId}">${heading}</h2>
<p class="who">${first.policyId ? tr.t('dutyOfPolicy', { policy: first.policyId }) : tr.t('dutyOfJurisdiction', { jurisdiction: first.jurisdiction ?? '—' })} · ${tr.t('reportsLabel')}: ${first.reports.map((k) => tr.t(`reportKind.${k}`)).join(', ')} · ${tr.t('timeZone')}: ${first.window.timeZone}</p>
<div class="table-wrap"><table class="responsive duties"><caption>${tr.t('captionDuty', { duty: heading })}</caption>
<thead><tr><th scope="col">${tr.t('occurrence')}</th><th scope="col">${tr.t('windowCovered')}</th><th scope="col">${tr.t('dataCutOff')}</th><th scope="col">${tr.t('dueLastDay')}</th><th scope="col">${tr.t('state')}</th><th scope="col">${tr.t('snapshots')}</th></tr></thead>
<tbody>${sorted.map(
    (d) => html`<tr data-occurrence="${d.occurrenceId}" data-state="${d.state}">
<th scope="row" data-label="${tr.t('occurrence')}">${d.year}</th>
<td data-label="${tr.t('windowCovered')}"><time datetime="${d.window.from}">${tr.day(d.window.from)}</time> – <time datetime="${d.window.to}">${tr.day(d.window.to)}</time></td>
<td data-label="${tr.t('dataCutOff')}">${tr.t('cutOffStartOf', { day: tr.day(cutOffDay(d)) })}</td>
<td data-label="${tr.t('dueLastDay')}"><time datetime="${d.dueBy}">${tr.day(d.dueBy)}</time></td>
<td data-label="${tr.t('state')}"><span class="badge duty-${d.state}">${tr.t(`dutyState.${d.state}`)}</span>${d.takenAt ? html`<br><small>${tr.t('takenAt', { at: tr.dateTime(d.takenAt) })}</small>` : ''}</td>
<td data-label="${tr.t('snapshots')}">${d.snapshots.length === 0 ? '—' : html`<ul class="plain">${d.snapshots.map((s) => snapshotItem(s, tr))}</ul>`}</td></tr>`,
  )}</tbody></table></div></section>`;
})}`;
}

function snapshotItem(s: AuditDutyStatus['snapshots'][number], tr: Translator): Html {
  const kind = tr.t(`reportKind.${s.kind}`);
  if (!s.snapshotId)
    return html`<li>${kind}: ${tr.t('noSnapshot')}${s.reason ? html` (<span lang="en">${s.reason}</span>)` : ''}</li>`;
  const id = encodeURIComponent(s.snapshotId);
  return html`<li data-snapshot="${s.snapshotId}">${kind}: <a href="/audit/snapshots/${id}">${tr.t('snapshot')}</a> · <a href="/reports/snapshots/${id}.json" download>${tr.t('download')}</a> · <a href="/audit/snapshot?id=${id}" class="verify-link">${tr.t('verifyButton')}</a></li>`;
}
