import type { OfficialCompletion, RequirementResult, Transcript } from '@lrs/training';
import { type Html, html, inLanguage, raw } from '../html';
import type { Translator } from '../i18n';

/** The policy's title in the reader's language, else English, else any (marked with its language). */
export function policyTitle(c: OfficialCompletion, tr: Translator): Html {
  return inLanguage(tr.localized(c.policy.title as Record<string, string> | undefined), c.policyId);
}

/** The policy's title as plain text (page titles, CSV). */
export function policyTitleText(c: OfficialCompletion, tr: Translator): string {
  return tr.localized(c.policy.title as Record<string, string> | undefined)?.text ?? c.policyId;
}

/** The leaves of a requirement tree: what a bar can show (basic 2.5 / 3 h). */
function leaves(r: RequirementResult): RequirementResult[] {
  return r.children && r.children.length > 0 ? r.children.flatMap(leaves) : [r];
}

function requirementTitle(c: OfficialCompletion, id: string, tr: Translator): Html {
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
  return inLanguage(tr.localized(find(c.policy.requirement)), id);
}

export function progressSection(completions: OfficialCompletion[], officialId: string, tr: Translator): Html {
  if (completions.length === 0) return html`<p>${tr.t('noData')}</p>`;
  return html`${completions.map((c) => {
    const status = c.status;
    return html`<section class="policy" aria-labelledby="p-${c.policyId}">
  <h2 id="p-${c.policyId}">${policyTitle(c, tr)} <small>(${c.period})</small></h2>
  <p>${tr.t('status')}: <span class="badge status-${status}" data-status="${status}">${tr.label('status', status)}</span>
   · ${tr.t('due')}: <time datetime="${c.dueDate}">${tr.day(c.dueDate)}</time></p>
  ${leaves(c.requirement).map((r) => {
    const ratio = r.required > 0 ? Math.min(1, r.earned / r.required) : 1;
    const label = requirementTitle(c, r.id, tr);
    const unit = r.kind === 'min_hours' ? ` ${tr.t('hours')}` : '';
    return html`<div class="req" data-requirement="${r.id}">
    <div id="r-${c.policyId}-${r.id}">${label}: <strong class="figure">${tr.num(r.earned)} / ${tr.num(r.required)}${unit}</strong></div>
    <div class="bar${raw(r.met ? ' met' : '')}" role="progressbar" aria-labelledby="r-${c.policyId}-${r.id}" aria-valuemin="0" aria-valuemax="${r.required}" aria-valuenow="${Math.min(r.earned, r.required)}" aria-valuetext="${tr.num(r.earned)} / ${tr.num(r.required)}${unit}"><svg viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true"><rect width="${Math.round(ratio * 100)}" height="10"></rect></svg></div>
  </div>`;
  })}
  ${
    c.status === 'completed'
      ? html`<p><a class="button" href="/officials/${encodeURIComponent(officialId)}/certificate?policy=${encodeURIComponent(c.policyId)}&amp;period=${encodeURIComponent(c.period)}">${tr.t('printCertificate')}</a></p>`
      : ''
  }
</section>`;
  })}`;
}

export function transcriptSection(transcript: Transcript, tr: Translator): Html {
  const entries = [...transcript.entries].sort((a, b) => b.start.localeCompare(a.start));
  return html`<section aria-labelledby="transcript"><h2 id="transcript">${tr.t('transcript')}</h2>
<div class="table-wrap"><table class="responsive transcript">
<caption>${tr.t('transcript')}</caption>
<thead><tr><th scope="col">${tr.t('date')}</th><th scope="col">${tr.t('title')}</th><th scope="col">${tr.t('modality')}</th><th scope="col">${tr.t('status')}</th><th scope="col" class="num">${tr.t('credited')}</th></tr></thead>
<tbody>
${entries.map((e) => {
  const withdrawn = e.status === 'withdrawn';
  return html`<tr${raw(withdrawn ? ' class="withdrawn"' : '')} data-activity="${e.activity.id}">
<td data-label="${tr.t('date')}"><time datetime="${e.start}">${tr.date(e.start)}</time></td>
<td data-label="${tr.t('title')}">${inLanguage(tr.localized(e.activity.title), e.activity.id)}</td>
<td data-label="${tr.t('modality')}">${tr.label('modality', e.modality)}</td>
<td data-label="${tr.t('status')}" class="mark">${withdrawn ? html`<span class="badge status-overdue">${tr.t('withdrawn')}</span>` : tr.label('entryStatus', e.status)}</td>
<td data-label="${tr.t('credited')}" class="num">${tr.num(e.credit.hours)}</td></tr>`;
})}
</tbody>
<tfoot><tr><th scope="row" colspan="4">${tr.t('total')}</th><td class="num total">${tr.num(transcript.totalCreditedHours)}</td></tr></tfoot>
</table></div></section>`;
}

/** The kinds of records of the personal-data export (services/privacy EXPORT_KINDS). */
const DATA_KINDS = [
  'registry',
  'org-unit-history',
  'exemptions',
  'statements',
  'documents',
  'rosters',
  'transcript',
  'completion',
  'certificates',
  'snapshots',
] as const;

/** "Your data": download everything held about oneself, as JSON or one CSV file per kind. */
export function personalDataSection(officialId: string, tr: Translator): Html {
  const base = `/officials/${encodeURIComponent(officialId)}/personal-data`;
  return html`<section class="noprint" aria-labelledby="personal-data">
<h2 id="personal-data">${tr.t('personalData')}</h2>
<p>${tr.t('personalDataHelp')}</p>
<p><a class="button" id="download-my-data" href="${base}?format=json" download>${tr.t('downloadMyDataJson')}</a></p>
<p id="csv-kinds">${tr.t('downloadCsvHeading')}</p>
<ul aria-labelledby="csv-kinds">${DATA_KINDS.map(
    (kind) =>
      html`<li><a href="${base}?format=csv&amp;kind=${kind}" download>${tr.t(`dataKind.${kind}`)}</a></li>`,
  )}</ul>
</section>`;
}
