import { randomUUID } from 'node:crypto';
import { HttpProblem } from '@lrs/http';
import type { CompletionReport, ReportRow } from '@lrs/training';
import express, { type Request, type RequestHandler, type Response } from 'express';
import { DateTime } from 'luxon';
import { fill, type Html, html, inLanguage, raw } from '../html';
import type { Localized, MessageKey, Translator } from '../i18n';
import { personNames } from '../person-name';
import type { PortalContext } from '../portal-context';
import type { PortalUser } from '../session';
import type {
  AuditCause,
  AuditCutOff,
  AuditDiff,
  AuditDutyList,
  AuditManifest,
  AuditProgrammeSnapshot,
  AuditReplayJob,
  AuditReplayReport,
  AuditReportSide,
  AuditSnapshot,
  AuditSnapshotList,
  AuditSnapshotSummary,
  AuditTotals,
  AuditVerification,
} from './audit-api';
import { filterOfficials, type ListView, officialsCsv, officialsListPage, parseFilter } from './officials';

export interface AuditPageDeps {
  context: (req: Request, res: Response) => Promise<PortalContext>;
  send: (res: Response, ctx: PortalContext, title: string, body: Html) => unknown;
  requireUser: (
    req: Request,
    res: Response,
    ctx: PortalContext,
  ) => ctx is PortalContext & { user: PortalUser };
  checkCsrf: (req: Request) => void;
  form: RequestHandler;
  /** Published policies with their current period: the choices of the compare and snapshot forms. */
  policies: (
    user: PortalUser,
  ) => { policyId: string; period: string; title: Record<string, string> | null }[];
  /** Officials' names by id (changes name people, not only ids). */
  officialNames: () => Map<string, string>;
  /** The official a snapshot row names (by pseudonym, decision 077): their id now (the pseudonym once erased). */
  officialOfSnapshotKey: (key: string) => string;
  /** The catalog title of an activity in the reader's language, else null. */
  activityTitle: (activityId: string, tr: Translator) => Localized | null;
  /** Org units' names by id (the live registry's). */
  unitNames: () => Map<string, string>;
  /** The org units a user may filter by: a policy unit's jurisdiction's, everyone else's all; by name. */
  unitChoices: (user: PortalUser) => { id: string; name: string }[];
  /** The due date (YYYY-MM-DD, the policy's day) of a policy version's period, else null (dueDates). */
  dueDay: (policyId: string, version: number, period: string) => string | null;
}

/**
 * Calls the audit JSON API (services/audit) on this same server with the user's token, so the
 * API's own authorisation decides; the portal only renders what it answers. The request goes to
 * the address the browser's connection arrived on, which is this server whatever HOST is.
 */
export async function auditApi<T>(
  req: Request,
  user: PortalUser,
  path: string,
  init: { method?: string; body?: unknown } = {},
): Promise<T> {
  let address = req.socket.localAddress ?? '127.0.0.1';
  if (address.startsWith('::ffff:') && address.includes('.')) address = address.slice(7);
  const host = address.includes(':') ? `[${address}]` : address;
  const response = await fetch(`http://${host}:${req.socket.localPort}/api${path}`, {
    method: init.method ?? 'GET',
    headers: {
      authorization: `Bearer ${user.token}`,
      accept: 'application/json',
      ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  const body = (await response.json().catch(() => null)) as Record<string, unknown> | null;
  if (response.status === 404 && !body?.error)
    throw new HttpProblem(404, 'portal.audit.unavailable', 'the audit service is not available');
  if (!response.ok) {
    const error = (body?.error ?? {}) as { rule?: string; message?: string };
    // The API accepts only tokens its own verifier knows (LRS_JWT_*): say so instead of a bare 401.
    const message =
      response.status === 401
        ? `the audit API did not accept your sign-in (${error.message ?? 'unauthenticated'}); its tokens must come from the identity provider the API trusts (with the development sign-in, set LRS_JWT_HS256_SECRET)`
        : (error.message ?? `audit API answered ${response.status}`);
    throw new HttpProblem(response.status, error.rule ?? 'portal.audit', message);
  }
  return (body ?? {}) as T;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_CHANGES_SHOWN = 200;

/**
 * Who took a snapshot, by name: the name older snapshots recorded, the credential's name the API
 * resolves, the reader's own name when they took it; else their id (decision 078: a snapshot
 * records its taker's id only).
 */
const takerName = (s: { takenBy: string; takenByName?: string | null }, user: PortalUser): string =>
  s.takenByName ?? (s.takenBy === user.principal.id ? user.name : s.takenBy);

const str = (value: unknown) => (typeof value === 'string' ? value.trim() : '');

/** One side of a comparison: a snapshot id (a UUID), else an instant; empty `to` means now. */
function sideParams(q: URLSearchParams, name: 'from' | 'to', value: string): void {
  if (value === '') return;
  q.set(UUID.test(value) ? `${name}Snapshot` : name, value);
}

function cutOffFacts(cutOff: AuditCutOff, tr: Translator): Html {
  return html`<dt>${tr.t('cutOffAt')}</dt><dd><time datetime="${cutOff.asOf}">${tr.dateTime(cutOff.asOf)}</time> <code>${cutOff.asOf}</code></dd>
<dt>${tr.t('logPosition')}</dt><dd class="position">${cutOff.position}</dd>
<dt>${tr.t('lastRecorded')}</dt><dd><time datetime="${cutOff.recorded}">${tr.dateTime(cutOff.recorded)}</time></dd>`;
}

/** A programme-statistics snapshot (decision 051): its window, cut-off, hashes and totals. */
function programmeSnapshotFacts(s: AuditProgrammeSnapshot, tr: Translator): Html {
  const id = encodeURIComponent(s.snapshotId);
  return html`<dl class="facts snapshot"><dt>${tr.t('snapshotId')}</dt><dd><code id="snapshot-id">${s.snapshotId}</code></dd>
<dt>${tr.t('window')}</dt><dd>${tr.t('windowText', { from: tr.day(s.window.from), to: tr.day(s.window.to), zone: s.window.timeZone })}${s.window.policyId ? html` · ${s.window.policyId} ${s.window.period ?? ''}` : ''}</dd>
${s.jurisdiction ? html`<dt>${tr.t('jurisdiction')}</dt><dd>${s.jurisdiction}</dd>` : ''}
${cutOffFacts(s.cutOff, tr)}
<dt>${tr.t('fingerprint')}</dt><dd><code class="hash">${s.fingerprint}</code></dd>
<dt>${tr.t('reportHash')}</dt><dd><code class="hash">${s.reportHash}</code></dd>
${(['programmes', 'participants', 'attendances', 'hours'] as const).map((k) => html`<dt>${tr.t(`figure.${k}`)}</dt><dd data-figure="${k}">${tr.num(s.totals[k])}</dd>`)}
<dt>${tr.t('takenBy')}</dt><dd>${s.takenBy} · <time datetime="${s.takenAt}">${tr.dateTime(s.takenAt)}</time></dd></dl>
<p><a class="button" id="verify-snapshot" href="/audit/snapshot?id=${id}">${tr.t('verifyButton')}</a>
<a class="button" href="/reports/snapshots/${id}.json" download>${tr.t('download')}</a></p>`;
}

function manifestSection(m: AuditManifest, tr: Translator): Html {
  return html`<section aria-labelledby="manifest"><h2 id="manifest">${tr.t('manifest')}</h2>
<dl class="facts manifest">${cutOffFacts(m.cutOff, tr)}
<dt>${tr.t('eventsRead')}</dt><dd>${tr.num(m.eventsRead)}</dd>
<dt>${tr.t('policiesAtCutOff')}</dt><dd>${m.policies.map((p) => html`<span>${p.policyId} v${p.versions.join(', v')}${p.inForce !== null ? html` (${tr.t('inForce')}: v${p.inForce})` : ''}</span> `)}</dd>
<dt>${tr.t('catalog')}</dt><dd>${tr.num(m.catalog.entries)} · <code class="hash">${m.catalog.version}</code></dd>
<dt>${tr.t('registry')}</dt><dd>${tr.num(m.registry?.officials)} ${tr.t('officials')} · ${tr.num(m.registry?.orgUnits)} ${tr.t('orgUnits')} · ${tr.num(m.registry?.identifiers)} ${tr.t('identifiers')}</dd>
<dt>${tr.t('replayedAt')}</dt><dd><time datetime="${m.replayedAt}">${tr.dateTime(m.replayedAt)}</time></dd></dl>
<div class="table-wrap"><table class="responsive fingerprints"><caption>${tr.t('fingerprint')}</caption><thead><tr><th scope="col">${tr.t('readModel')}</th><th scope="col" class="num">${tr.t('version')}</th><th scope="col" class="num">${tr.t('eventsRead')}</th><th scope="col" class="num">${tr.t('logPosition')}</th><th scope="col">SHA-256</th></tr></thead><tbody>
${m.projections.map(
  (p) =>
    html`<tr data-projection="${p.name}"><td data-label="${tr.t('readModel')}">${p.name}</td><td class="num" data-label="${tr.t('version')}">${p.version}</td><td class="num" data-label="${tr.t('eventsRead')}">${tr.num(p.eventsRead)}</td><td class="num" data-label="${tr.t('logPosition')}">${p.position ?? '—'}</td><td data-label="SHA-256"><code class="hash fingerprint">${p.fingerprint}</code></td></tr>`,
)}
</tbody></table></div></section>`;
}

function causeText(c: AuditCause, tr: Translator, title: (id: string) => Html): Html {
  const sid = (id: string) => html`<code class="hash">${id}</code>`;
  switch (c.kind) {
    case 'late-arrival':
      return fill(tr, 'cause.late-arrival', {
        activity: title(c.activityId),
        learnt: tr.dateTime(c.timestamp),
        recorded: tr.dateTime(c.recorded),
        source: c.source,
        statement: sid(c.statementId),
      });
    case 'new-statement':
      return fill(tr, 'cause.new-statement', {
        activity: title(c.activityId),
        learnt: tr.dateTime(c.timestamp),
        recorded: tr.dateTime(c.recorded),
        statement: sid(c.statementId),
      });
    case 'void':
      return fill(tr, 'cause.void', {
        activity: title(c.activityId),
        at: tr.dateTime(c.voidedAt),
        who: c.who ?? '—',
        statement: sid(c.statementId),
        by: sid(c.voidedBy),
      });
    case 'identifier-linked':
    case 'identifier-unlinked':
      return fill(tr, `cause.${c.kind}`, { identifier: c.identifier, count: c.statements.length });
    case 'org-unit-move':
      return fill(tr, 'cause.org-unit-move', { from: c.from ?? '—', to: c.to ?? '—' });
    case 'registry-change':
      return fill(tr, 'cause.registry-change', { fields: c.fields.join(', ') });
    case 'exemption-change':
      return fill(tr, 'cause.exemption-change', {});
    case 'policy-version':
      return fill(tr, 'cause.policy-version', { from: String(c.from), to: String(c.to) });
    case 'catalog-change':
      return fill(tr, 'cause.catalog-change', { activity: title(c.activityId) });
    case 'deadline-passed':
      return fill(tr, 'cause.deadline-passed', { at: tr.dateTime(c.overdueAfter) });
    default:
      return html`${(c as { kind: string }).kind}`;
  }
}

function sideSummary(label: string, s: AuditReportSide, tr: Translator): Html {
  return html`<section class="side"><h3>${label}</h3><dl class="facts">${cutOffFacts(s.cutOff, tr)}
${s.snapshotId ? html`<dt>${tr.t('snapshotId')}</dt><dd><a href="/audit/snapshots/${s.snapshotId}"><code>${s.snapshotId}</code></a></dd>` : ''}
<dt>${tr.t('policyVersion')}</dt><dd>v${s.version}</dd><dt>${tr.t('population')}</dt><dd>${tr.num(s.population)}</dd></dl></section>`;
}

function diffSection(
  d: AuditDiff,
  tr: Translator,
  title: (id: string) => Html,
  names: Map<string, string>,
): Html {
  const statuses = Object.keys({ ...d.from.totals, ...d.to.totals }) as (keyof AuditDiff['from']['totals'])[];
  const hours = (h: Record<string, number> | null) =>
    h === null
      ? '—'
      : Object.entries(h)
          .map(([k, v]) => `${tr.label('category', k)} ${tr.num(v)}`)
          .join(', ') || '0';
  const shown = d.changes.slice(0, MAX_CHANGES_SHOWN);
  return html`<div class="sides">${sideSummary(tr.t('from'), d.from, tr)}${sideSummary(tr.t('to'), d.to, tr)}</div>
<div class="table-wrap"><table class="responsive totals"><caption>${tr.t('totalsByStatus')}</caption><thead><tr><th scope="col">${tr.t('status')}</th><th scope="col" class="num">${tr.t('from')}</th><th scope="col" class="num">${tr.t('to')}</th></tr></thead><tbody>
${statuses.map((s) => {
  const a = d.from.totals[s] ?? 0;
  const b = d.to.totals[s] ?? 0;
  return html`<tr data-status="${s}"${raw(a !== b ? ' class="changed"' : '')}><td data-label="${tr.t('status')}">${tr.label('status', s)}</td><td class="num" data-label="${tr.t('from')}">${tr.num(a)}</td><td class="num" data-label="${tr.t('to')}">${tr.num(b)}</td></tr>`;
})}
</tbody></table></div>
<h2 id="changes">${tr.t('differences')} <span class="count">(${tr.num(d.changes.length)})</span></h2>
${
  d.changes.length === 0
    ? html`<p class="no-changes">${tr.t('noChanges')}</p>`
    : html`<ol class="changes" aria-labelledby="changes">${shown.map(
        (c) => html`<li class="change" data-official="${c.officialId}">
<p><a href="/officials/${encodeURIComponent(c.officialId)}">${names.get(c.officialId) ?? c.officialId}</a> <small>${c.officialId}</small>:
<span class="badge status-${c.status.from ?? 'none'}">${tr.label('status', c.status.from)}</span> → <span class="badge status-${c.status.to ?? 'none'}">${tr.label('status', c.status.to)}</span>
· ${tr.t('hours')}: ${c.earnedHours.from === null ? '—' : tr.num(c.earnedHours.from)} → ${c.earnedHours.to === null ? '—' : tr.num(c.earnedHours.to)}
<small>(${hours(c.hours.from)} → ${hours(c.hours.to)})</small></p>
<ul class="causes">${c.causes.length === 0 ? html`<li>${tr.t('noCause')}</li>` : c.causes.map((cause) => html`<li data-cause="${cause.kind}">${causeText(cause, tr, title)}</li>`)}</ul></li>`,
      )}</ol>${d.changes.length > shown.length ? html`<p>${fill(tr, 'moreChanges', { count: d.changes.length - shown.length })}</p>` : ''}`
}`;
}

function verificationSection(v: AuditVerification, tr: Translator): Html {
  return html`${
    v.matches
      ? html`<p class="ok" role="status" data-result="matches">${tr.t('snapshotReproduces')}</p>`
      : v.rulesChanged
        ? html`<div role="status" data-result="rules-changed"><p>${fill(tr, 'snapshotRulesChanged', { from: String(v.rulesChanged.from), to: String(v.rulesChanged.to), count: tr.num(v.rulesChanged.officials.length) })}</p>
<ul lang="en">${v.rulesChanged.changes.flatMap((c) => c.changes.map((text) => html`<li>${c.release}: ${text}</li>`))}</ul></div>`
        : html`<p class="error" role="alert" data-result="differs">${tr.t('snapshotDiffers')} ${v.alarm ?? ''}</p>`
  }
<div class="table-wrap"><table class="responsive verification"><caption>${tr.t('verifySnapshot')}</caption><thead><tr><td></td><th scope="col">${tr.t('asRecorded')}</th><th scope="col">${tr.t('replayedNow')}</th></tr></thead><tbody>
<tr><th scope="row">${tr.t('fingerprint')}</th><td data-label="${tr.t('asRecorded')}"><code class="hash">${v.expected.fingerprint}</code></td><td data-label="${tr.t('replayedNow')}"><code class="hash">${v.actual.fingerprint}</code></td></tr>
<tr><th scope="row">${tr.t('reportHash')}</th><td data-label="${tr.t('asRecorded')}"><code class="hash">${v.expected.reportHash}</code></td><td data-label="${tr.t('replayedNow')}"><code class="hash">${v.actual.reportHash}</code></td></tr>
<tr><th scope="row">${tr.t('eventsRead')}</th><td data-label="${tr.t('asRecorded')}">${tr.num(v.expected.eventsRead)}</td><td data-label="${tr.t('replayedNow')}">${tr.num(v.actual.eventsRead)}</td></tr>
<tr><th scope="row">${tr.t('logPosition')}</th><td data-label="${tr.t('asRecorded')}">${v.expected.position}</td><td data-label="${tr.t('replayedNow')}">${v.actual.position}</td></tr>
</tbody></table></div>
${
  v.differences.length > 0
    ? html`<h2>${tr.t('differences')}</h2><ul class="differences">${v.differences.slice(0, MAX_CHANGES_SHOWN).map((x) => html`<li><strong>${x.what}</strong>: <code>${JSON.stringify(x.expected)}</code> → <code>${JSON.stringify(x.actual)}</code></li>`)}</ul>`
    : ''
}
<p><small>${tr.t('verifiedAt')}: <time datetime="${v.verifiedAt}">${tr.dateTime(v.verifiedAt)}</time></small></p>`;
}

/**
 * Cut-off fields: a date and a time in the reader's time zone (named), or an ISO 8601 instant
 * typed as text, which wins when given.
 */
function cutOffFields(id: string, tr: Translator): Html {
  const now = DateTime.now().setZone(tr.timeZone);
  return html`<fieldset class="cut-off"><legend>${tr.t('cutOffAt')}</legend>
<div class="date-time"><div><label for="${id}-date">${tr.t('date')}</label><input type="date" id="${id}-date" name="asOfDate" value="${now.toFormat('yyyy-MM-dd')}"></div>
<div><label for="${id}-time">${tr.t('time')}</label><input type="time" id="${id}-time" name="asOfTime" step="1" value="${now.toFormat('HH:mm:ss')}"></div></div>
<p class="help" id="${id}-zone">${tr.t('timeZone')}: <strong>${tr.zoneName()}</strong></p>
<label for="${id}">${tr.t('cutOff')}</label><input id="${id}" name="asOf" size="32" aria-describedby="${id}-help" placeholder="2025-12-15T18:00:00+09:00">
<p id="${id}-help" class="help">${tr.t('cutOffIsoHelp')}</p></fieldset>`;
}

/** The cut-off a form asked for: the ISO text when given, else the date and time in the reader's zone. */
function cutOffOf(body: Record<string, unknown>, tr: Translator): string {
  if (body.now === '1') return new Date().toISOString();
  const iso = str(body.asOf);
  if (iso) return iso;
  const date = str(body.asOfDate);
  const time = str(body.asOfTime) || '23:59:59';
  const at = DateTime.fromISO(`${date}T${time}`, { zone: tr.timeZone });
  if (!date || !at.isValid)
    throw new HttpProblem(
      400,
      'portal.audit.cut-off',
      'choose a date and a time, or type an ISO 8601 instant',
    );
  return at.toISO({ suppressMilliseconds: true }) ?? '';
}

const SNAPSHOTS_PAGE_SIZE = 25;
const SNAPSHOT_FILTERS = ['kind', 'policy', 'period', 'orgUnit', 'duty'] as const;

/**
 * A snapshot's recorded rows as a report the list of officials reads: its totals as recorded, hours
 * and staff groups summed from its rows (the snapshot keeps rows and totals, not the aggregates).
 */
function reportOfSnapshot(
  s: AuditSnapshot,
  rows: ReportRow[],
  unitNames: Map<string, string>,
): CompletionReport {
  const hoursByCategory: Record<string, number> = {};
  const byStaffGroup: CompletionReport['byStaffGroup'] = {};
  const byOrgUnit: CompletionReport['byOrgUnit'] = {};
  const zero = () => ({ not_started: 0, in_progress: 0, completed: 0, overdue: 0, exempt: 0 });
  for (const r of rows) {
    for (const [c, h] of Object.entries(r.hours)) hoursByCategory[c] = (hoursByCategory[c] ?? 0) + h;
    byStaffGroup[r.staffGroup] ??= { counts: zero(), hoursByCategory: {} };
    byStaffGroup[r.staffGroup]!.counts[r.status] += 1;
    byOrgUnit[r.orgUnit] ??= { name: unitNames.get(r.orgUnit) ?? null, counts: zero(), hoursByCategory: {} };
    const u = byOrgUnit[r.orgUnit]!;
    u.counts[r.status] += 1;
  }
  return {
    policyId: s.policyId,
    version: s.version,
    period: s.period,
    orgUnit: s.orgUnit,
    jurisdiction: s.jurisdiction,
    asOf: s.cutOff.asOf,
    position: s.cutOff.position,
    population: s.population,
    totals: s.totals,
    hoursByCategory,
    byStaffGroup,
    byOrgUnit,
    rows,
  } as CompletionReport;
}

/** A report's officials as the list of officials shows them (the same columns, filters and CSV). */
function reportListView(
  report: CompletionReport,
  names: Map<string, string>,
  unitNames: Map<string, string>,
  query: Record<string, unknown>,
  due: string,
  path: string,
  base: URLSearchParams,
): ListView {
  const filter = parseFilter(query);
  const units = Object.entries(report.byOrgUnit)
    .map(([id, u]) => ({ id, name: u.name ?? unitNames.get(id) ?? id }))
    .sort((a, b) => a.name.localeCompare(b.name));
  const names2 = new Map(units.map((u) => [u.id, u.name]));
  const inUnit = filter.unit ? (u: string) => u === filter.unit : null;
  const rows = filterOfficials(report, names, names2, inUnit, filter);
  return { report, rows, filter, base, units, due, path };
}

function totalsTable(totals: AuditTotals, tr: Translator): Html {
  return html`<div class="table-wrap"><table class="responsive totals report-totals"><caption>${tr.t('totalsByStatus')}</caption><thead><tr><th scope="col">${tr.t('status')}</th><th scope="col" class="num">${tr.t('officials')}</th></tr></thead><tbody>
${Object.entries(totals).map(([k, v]) => html`<tr data-status="${k}"><td data-label="${tr.t('status')}">${tr.label('status', k)}</td><td class="num" data-label="${tr.t('officials')}">${tr.num(v)}</td></tr>`)}
</tbody></table></div>`;
}

/** Comparisons with now run in the background: the page shows progress instead of waiting 6–14 s. */
interface CompareJob {
  owner: string;
  startedMs: number;
  finishedMs: number | null;
  diff: AuditDiff | null;
  error: unknown;
}
const COMPARE_KEEP_MS = 30 * 60_000;
const MAX_COMPARE_JOBS = 500;

export function auditRoutes(d: AuditPageDeps): express.Router {
  const router = express.Router();
  const compareJobs = new Map<string, CompareJob>();

  const policySelect = (id: string, tr: Translator, user: PortalUser) => {
    const choices = d.policies(user);
    return html`<label for="${id}">${tr.t('policy')}</label><select id="${id}" name="policy" required>${choices.map((p) => html`<option value="${p.policyId}">${inLanguage(tr.localized(p.title), p.policyId)}</option>`)}</select>
<label for="${id}-period">${tr.t('period')}</label><input id="${id}-period" name="period" required value="${choices[0]?.period ?? ''}" size="10">`;
  };

  const takeSnapshotSection = (ctx: PortalContext & { user: PortalUser }, tr: Translator) =>
    html`<section aria-labelledby="take"><h2 id="take">${tr.t('takeSnapshot')}</h2>
<form method="post" action="/audit/snapshots"><input type="hidden" name="csrf" value="${ctx.csrf}">${policySelect('snap-policy', tr, ctx.user)}
<p><button type="submit" name="now" value="1" id="snapshot-now">${tr.t('snapshotNow')}</button></p>
${cutOffFields('snap-asOf', tr)}
<p><button type="submit">${tr.t('takeSnapshotButton')}</button></p></form></section>`;

  router.get('/audit', async (req, res) => {
    const ctx = await d.context(req, res);
    if (!d.requireUser(req, res, ctx)) return;
    const { tr } = ctx;
    // Listing replays first also asks the API whether this user may audit at all (403 otherwise).
    const { replays } = await auditApi<{ replays: AuditReplayJob[] }>(req, ctx.user, '/audits/replays');
    const recent = [...replays].reverse().slice(0, 10);
    d.send(
      res,
      ctx,
      tr.t('audit'),
      html`<section aria-labelledby="start"><h2 id="start">${tr.t('startReplay')}</h2>
<form method="post" action="/audit/replays"><input type="hidden" name="csrf" value="${ctx.csrf}">
<p class="help">${tr.t('cutOffHelp')}</p>
${cutOffFields('asOf', tr)}
<p><button type="submit">${tr.t('replay')}</button></p></form>
${
  recent.length > 0
    ? html`<div class="table-wrap"><table class="responsive replays"><caption>${tr.t('recentReplays')}</caption><thead><tr><th scope="col">${tr.t('cutOffAt')}</th><th scope="col">${tr.t('status')}</th><th scope="col">${tr.t('requestedBy')}</th></tr></thead><tbody>
${recent.map((j) => html`<tr><td data-label="${tr.t('cutOffAt')}"><a href="/audit/replays/${j.id}">${tr.dateTime(j.cutOff.asOf)}</a></td><td data-label="${tr.t('status')}">${tr.t(`replay.${j.state}`)}</td><td data-label="${tr.t('requestedBy')}">${j.requestedBy}</td></tr>`)}
</tbody></table></div>`
    : ''
}</section>
<section aria-labelledby="compare"><h2 id="compare">${tr.t('compare')}</h2>
<form method="get" action="/audit/diff">${policySelect('diff-policy', tr, ctx.user)}
<label for="from">${tr.t('fromField')}</label><input id="from" name="from" required size="40" aria-describedby="side-help">
<label for="to">${tr.t('toField')}</label><input id="to" name="to" size="40" aria-describedby="side-help">
<p id="side-help" class="help">${tr.t('sideHelp')}</p>
<p><button type="submit">${tr.t('compareButton')}</button></p></form></section>
${takeSnapshotSection(ctx, tr)}
<p><a href="/audit/snapshots" id="all-snapshots">${tr.t('snapshotList')}</a></p>
<section aria-labelledby="verify-snapshot"><h2 id="verify-snapshot">${tr.t('verifySnapshot')}</h2>
<form method="get" action="/audit/snapshot"><label for="snapshot">${tr.t('snapshotId')}</label><input id="snapshot" name="id" required size="40">
<button type="submit">${tr.t('verifyButton')}</button></form></section>`,
    );
  });

  router.post('/audit/replays', d.form, async (req, res) => {
    d.checkCsrf(req);
    const ctx = await d.context(req, res);
    if (!d.requireUser(req, res, ctx)) return;
    const asOf = cutOffOf(req.body as Record<string, unknown>, ctx.tr);
    const job = await auditApi<AuditReplayJob>(req, ctx.user, '/audits/replays', {
      method: 'POST',
      body: { asOf },
    });
    res.redirect(303, `/audit/replays/${encodeURIComponent(job.id)}`);
  });

  router.get('/audit/replays/:id', async (req, res, next) => {
    if (req.params.id.endsWith('.csv')) return next();
    const ctx = await d.context(req, res);
    if (!d.requireUser(req, res, ctx)) return;
    const { tr } = ctx;
    const job = await auditApi<AuditReplayJob>(
      req,
      ctx.user,
      `/audits/replays/${encodeURIComponent(req.params.id)}`,
    );
    const { done, total, projection, eventsRead } = job.progress;
    const running = job.state === 'queued' || job.state === 'running';
    const ratio = total > 0 ? Math.min(1, done / total) : 1;
    const compare = new URLSearchParams({ from: job.cutOff.asOf });
    const first = d.policies(ctx.user)[0];
    if (first) {
      compare.set('policy', first.policyId);
      compare.set('period', first.period);
    }
    d.send(
      res,
      ctx,
      tr.t('replay'),
      html`<dl class="facts"><dt>${tr.t('status')}</dt><dd><strong class="replay-state" data-state="${job.state}">${tr.t(`replay.${job.state}`)}</strong></dd>
${cutOffFacts(job.cutOff, tr)}
<dt>${tr.t('requestedBy')}</dt><dd>${job.requestedBy} · <time datetime="${job.requestedAt}">${tr.dateTime(job.requestedAt)}</time></dd></dl>
<div${raw(running ? ` data-poll="/audit/replays/${encodeURIComponent(job.id)}/progress"` : '')}><p><label for="progress">${tr.t('replayProgress')}</label>
<progress id="progress" max="${total}" value="${Math.min(done, total)}" aria-describedby="progress-text">${tr.pct(ratio)}</progress>
<span id="progress-text" class="progress-text" aria-live="polite">${fill(tr, 'progressText', { pct: tr.pct(ratio), events: tr.num(eventsRead), projection: projection ?? '—' })}</span></p>
${running ? html`<p>${tr.t('inProgressNote')} <a href="/audit/replays/${encodeURIComponent(job.id)}" class="noscript-refresh">${tr.t('refresh')}</a></p>` : ''}</div>
${job.error ? html`<p class="error" role="alert">${job.error}</p>` : ''}
${job.manifest ? html`${manifestSection(job.manifest, tr)}<p><a class="button" href="/audit/diff?${compare.toString()}">${tr.t('compareWithNow')}</a></p>` : ''}
${job.state === 'completed' ? await replayReportSection(req, ctx, job) : ''}`,
    );
  });

  /** The completion report the finished replay reproduces, in the list of officials' columns. */
  const replayReport = async (req: Request, ctx: PortalContext & { user: PortalUser }, id: string) => {
    const q = new URLSearchParams();
    const policy = str(req.query.policy) || d.policies(ctx.user)[0]?.policyId || '';
    if (policy) q.set('policy', policy);
    const period = str(req.query.period);
    if (period) q.set('period', period);
    const answer = await auditApi<AuditReplayReport>(
      req,
      ctx.user,
      `/audits/replays/${encodeURIComponent(id)}/report?${q.toString()}`,
    );
    const r = answer.report;
    const base = new URLSearchParams({ policy: r.policyId, period: r.period });
    const view = reportListView(
      r,
      new Map(Object.entries(answer.names)),
      d.unitNames(),
      req.query as Record<string, unknown>,
      ctx.tr.day(r.dueDate),
      `/audit/replays/${encodeURIComponent(id)}`,
      base,
    );
    return { answer, view };
  };

  const replayReportSection = async (
    req: Request,
    ctx: PortalContext & { user: PortalUser },
    job: AuditReplayJob,
  ): Promise<Html> => {
    const { tr } = ctx;
    let shown: Awaited<ReturnType<typeof replayReport>> | null = null;
    let problem: HttpProblem | null = null;
    try {
      shown = await replayReport(req, ctx, job.id);
    } catch (error) {
      // A policy or period the replay cannot report on is said here; the manifest above stays.
      if (!(error instanceof HttpProblem) || error.status >= 500 || error.status === 401) throw error;
      problem = error;
    }
    const r = shown?.answer.report;
    const policyId = r?.policyId ?? str(req.query.policy);
    const form = html`<form method="get" action="/audit/replays/${encodeURIComponent(job.id)}" class="filters">
<label for="report-policy">${tr.t('policy')}</label><select id="report-policy" name="policy">${d.policies(ctx.user).map((p) => html`<option value="${p.policyId}"${raw(p.policyId === policyId ? ' selected' : '')}>${inLanguage(tr.localized(p.title), p.policyId)}</option>`)}</select>
<label for="report-period">${tr.t('period')}</label><input id="report-period" name="period" value="${r?.period ?? str(req.query.period)}" size="10">
<button type="submit">${tr.t('show')}</button></form>`;
    if (!shown || !r)
      return html`<section aria-labelledby="reproduced"><h2 id="reproduced">${tr.t('reproducedReport')}</h2>${form}
<p class="error" role="alert" data-rule="${problem?.rule ?? ''}">${tr.has(`error.${problem?.rule}`) ? tr.t(`error.${problem?.rule}` as MessageKey) : tr.t('error.other')} <span lang="en">${problem?.message ?? ''}</span></p></section>`;
    return html`<section aria-labelledby="reproduced"><h2 id="reproduced">${tr.t('reproducedReport')}</h2>${form}
<p class="as-of">${tr.t('reproducedAsOf', { at: tr.dateTime(shown.answer.cutOff.asOf), zone: tr.zoneName() })}</p>
<dl class="facts"><dt>${tr.t('population')}</dt><dd class="report-population">${tr.num(r.population)}</dd><dt>${tr.t('policyVersion')}</dt><dd>v${r.version}</dd></dl>
${totalsTable(r.totals, tr)}
${officialsListPage(shown.view, tr)}</section>`;
  };

  router.get('/audit/replays/:id.csv', async (req, res) => {
    const ctx = await d.context(req, res);
    if (!d.requireUser(req, res, ctx)) return;
    const { view } = await replayReport(req, ctx, req.params.id);
    res.type('text/csv; charset=utf-8');
    res.setHeader(
      'Content-Disposition',
      `attachment; filename="replay-${view.report.policyId}-${view.report.period}-${req.params.id.slice(0, 8)}.csv"`,
    );
    res.send(officialsCsv(view, ctx.tr));
  });

  // What the replay page's script polls to update its progress in place (no page reloads).
  router.get('/audit/replays/:id/progress', async (req, res) => {
    const ctx = await d.context(req, res);
    if (!ctx.user) return res.status(401).json({ error: 'signed out' });
    const { tr } = ctx;
    const job = await auditApi<AuditReplayJob>(
      req,
      ctx.user,
      `/audits/replays/${encodeURIComponent(req.params.id)}`,
    );
    const { done, total, projection, eventsRead } = job.progress;
    const ratio = total > 0 ? Math.min(1, done / total) : 1;
    res.json({
      finished: !(job.state === 'queued' || job.state === 'running'),
      max: total,
      value: Math.min(done, total),
      text: tr.t('progressText', {
        pct: tr.pct(ratio),
        events: tr.num(eventsRead),
        projection: projection ?? '—',
      }),
    });
  });

  router.get('/audit/diff', async (req, res) => {
    const ctx = await d.context(req, res);
    if (!d.requireUser(req, res, ctx)) return;
    const q = new URLSearchParams();
    for (const name of ['policy', 'period', 'orgUnit', 'official'] as const) {
      const v = str(req.query[name]);
      if (v !== '') q.set(name, v);
    }
    sideParams(q, 'from', str(req.query.from));
    sideParams(q, 'to', str(req.query.to));
    const now = Date.now();
    for (const [id, j] of compareJobs) if (now - j.startedMs > COMPARE_KEEP_MS) compareJobs.delete(id);
    if (compareJobs.size >= MAX_COMPARE_JOBS)
      throw new HttpProblem(503, 'portal.audit.busy', 'too many comparisons are running; try again shortly');
    const id = randomUUID();
    const job: CompareJob = {
      owner: ctx.user.principal.id,
      startedMs: now,
      finishedMs: null,
      diff: null,
      error: null,
    };
    compareJobs.set(id, job);
    const running = auditApi<AuditDiff>(req, ctx.user, `/audits/diff?${q.toString()}`).then(
      (diff) => {
        job.diff = diff;
        job.finishedMs = Date.now();
      },
      (error: unknown) => {
        job.error = error;
        job.finishedMs = Date.now();
      },
    );
    // A quick comparison shows at once; a slow one shows its progress page.
    await Promise.race([running, new Promise((resolve) => setTimeout(resolve, 300))]);
    res.redirect(303, `/audit/compare/${id}`);
  });

  const compareJob = (req: Request, ctx: PortalContext & { user: PortalUser }): CompareJob => {
    const job = compareJobs.get(String(req.params.id));
    if (!job || job.owner !== ctx.user.principal.id)
      throw new HttpProblem(
        404,
        'portal.audit.compare.unknown',
        'no such comparison (they are kept 30 minutes)',
      );
    return job;
  };

  router.get('/audit/compare/:id', async (req, res) => {
    const ctx = await d.context(req, res);
    if (!d.requireUser(req, res, ctx)) return;
    const job = compareJob(req, ctx);
    const { tr } = ctx;
    if (job.error) throw job.error;
    if (!job.diff) {
      const seconds = Math.round((Date.now() - job.startedMs) / 1000);
      return d.send(
        res,
        ctx,
        tr.t('compare'),
        html`<div data-poll="/audit/compare/${req.params.id}/status"><p><label for="progress">${tr.t('compareProgress')}</label>
<progress id="progress" aria-describedby="progress-text"></progress>
<span id="progress-text" class="progress-text" aria-live="polite">${tr.t('compareRunning', { seconds })}</span></p>
<p>${tr.t('compareNote')} <a href="/audit/compare/${req.params.id}" class="noscript-refresh">${tr.t('refresh')}</a></p></div>`,
      );
    }
    const diff = job.diff;
    const title = (id: string) => inLanguage(d.activityTitle(id, tr), id);
    d.send(
      res,
      ctx,
      tr.t('compare'),
      html`<p>${tr.t('policy')}: <strong>${diff.policyId}</strong> · ${tr.t('period')}: <strong>${diff.period}</strong>${diff.orgUnit ? html` · ${tr.t('orgUnit')}: ${diff.orgUnit}` : ''}</p>
${diffSection(diff, tr, title, personNames(d.officialNames(), tr))}`,
    );
  });

  router.get('/audit/compare/:id/status', async (req, res) => {
    const ctx = await d.context(req, res);
    if (!ctx.user) return res.status(401).json({ error: 'signed out' });
    const job = compareJob(req, ctx as PortalContext & { user: PortalUser });
    res.json({
      finished: job.finishedMs !== null,
      text: ctx.tr.t('compareRunning', { seconds: Math.round((Date.now() - job.startedMs) / 1000) }),
    });
  });

  router.post('/audit/snapshots', d.form, async (req, res) => {
    d.checkCsrf(req);
    const ctx = await d.context(req, res);
    if (!d.requireUser(req, res, ctx)) return;
    const body = req.body as Record<string, unknown>;
    const snapshot = await auditApi<AuditSnapshot>(req, ctx.user, '/reports/snapshots', {
      method: 'POST',
      body: { policy: str(body.policy), period: str(body.period), asOf: cutOffOf(body, ctx.tr) },
    });
    res.redirect(303, `/audit/snapshots/${encodeURIComponent(snapshot.snapshotId)}`);
  });

  /** A completion-status snapshot's recorded rows as the list of officials shows them. */
  const snapshotView = (req: Request, ctx: PortalContext, s: AuditSnapshot): ListView | null => {
    if (s.kind === 'programme-statistics' || !s.rows) return null;
    const unitNames = d.unitNames();
    const due = d.dueDay(s.policyId, s.version, s.period);
    const rows = s.rows.map((r) => ({ ...r, officialId: d.officialOfSnapshotKey(r.officialId) }));
    return reportListView(
      reportOfSnapshot(s, rows, unitNames),
      d.officialNames(),
      unitNames,
      req.query as Record<string, unknown>,
      due ? ctx.tr.day(due) : '—',
      `/audit/snapshots/${encodeURIComponent(s.snapshotId)}`,
      new URLSearchParams(),
    );
  };
  const loadSnapshot = (req: Request, user: PortalUser, id: string) =>
    auditApi<AuditSnapshot>(req, user, `/reports/snapshots/${encodeURIComponent(id)}`);

  // What the list's "download" gives: a completion snapshot's rows as CSV, programme statistics as JSON.
  router.get('/audit/snapshots/:id.csv', async (req, res) => {
    const ctx = await d.context(req, res);
    if (!d.requireUser(req, res, ctx)) return;
    const s = await loadSnapshot(req, ctx.user, req.params.id);
    const view = snapshotView(req, ctx, s);
    if (!view)
      throw new HttpProblem(
        404,
        'portal.audit.snapshot.no-rows',
        'this snapshot keeps no rows of officials (programme statistics, or rows too large to keep): download its JSON',
      );
    res.type('text/csv; charset=utf-8');
    res.setHeader(
      'Content-Disposition',
      `attachment; filename="snapshot-${s.policyId}-${s.period}-${s.snapshotId.slice(0, 8)}.csv"`,
    );
    res.send(officialsCsv(view, ctx.tr));
  });

  router.get('/audit/snapshots/:id.json', async (req, res) => {
    const ctx = await d.context(req, res);
    if (!d.requireUser(req, res, ctx)) return;
    const s = await loadSnapshot(req, ctx.user, req.params.id);
    res.setHeader('Content-Disposition', `attachment; filename="snapshot-${s.snapshotId}.json"`);
    res.type('application/json').send(JSON.stringify(s, null, 2));
  });

  router.get('/audit/snapshots/:id', async (req, res, next) => {
    if (/\.(csv|json)$/.test(req.params.id)) return next();
    const ctx = await d.context(req, res);
    if (!d.requireUser(req, res, ctx)) return;
    const { tr } = ctx;
    const any = (await loadSnapshot(req, ctx.user, req.params.id)) as AuditSnapshot | AuditProgrammeSnapshot;
    if (any.kind === 'programme-statistics') {
      d.send(res, ctx, tr.t('programmeSnapshot'), programmeSnapshotFacts(any as AuditProgrammeSnapshot, tr));
      return;
    }
    const s = any as AuditSnapshot;
    const compare = new URLSearchParams({ from: s.snapshotId });
    const view = snapshotView(req, ctx, s);
    const programme = s.kind === 'programme-statistics';
    d.send(
      res,
      ctx,
      tr.t('snapshot'),
      html`<dl class="facts snapshot"><dt>${tr.t('snapshotId')}</dt><dd><code id="snapshot-id">${s.snapshotId}</code></dd>
<dt>${tr.t('snapshotKind')}</dt><dd>${tr.t(programme ? 'kind.programme-statistics' : 'kind.completion-status')}</dd>
${programme ? '' : html`<dt>${tr.t('policy')}</dt><dd>${inLanguage(tr.localized(d.policies(ctx.user).find((p) => p.policyId === s.policyId)?.title), s.policyId)} v${s.version}</dd><dt>${tr.t('period')}</dt><dd>${s.period}</dd>`}
${s.orgUnit ? html`<dt>${tr.t('orgUnit')}</dt><dd>${d.unitNames().get(s.orgUnit) ?? s.orgUnit}</dd>` : ''}
${cutOffFacts(s.cutOff, tr)}
<dt>${tr.t('fingerprint')}</dt><dd><code class="hash">${s.fingerprint}</code></dd>
<dt>${tr.t('reportHash')}</dt><dd><code class="hash">${s.reportHash}</code></dd>
${programme ? '' : html`<dt>${tr.t('population')}</dt><dd>${tr.num(s.population)}</dd>`}
<dt>${tr.t('takenBy')}</dt><dd>${takerName(s, ctx.user)} · <time datetime="${s.takenAt}">${tr.dateTime(s.takenAt)}</time></dd></dl>
<p><a class="button" id="verify-snapshot" href="/audit/snapshot?id=${encodeURIComponent(s.snapshotId)}">${tr.t('verifyButton')}</a>
${programme ? '' : html`<a class="button" href="/audit/diff?${compare.toString()}">${tr.t('compareWithNow')}</a>`}
<a class="button" id="download-json" href="/audit/snapshots/${encodeURIComponent(s.snapshotId)}.json" download>${tr.t('downloadJson')}</a></p>
${
  programme
    ? ''
    : html`<section aria-labelledby="snapshot-rows"><h2 id="snapshot-rows">${tr.t('snapshotRows')}</h2>
<p class="as-of">${tr.t('reproducedAsOf', { at: tr.dateTime(s.cutOff.asOf), zone: tr.zoneName() })}</p>
${totalsTable(s.totals, tr)}
${view ? officialsListPage(view, tr) : html`<p>${tr.t('snapshotNoRows')}</p>`}</section>`
}`,
    );
  });

  // Every snapshot the user may see: filtered, newest first, paged (GET /api/reports/snapshots).
  router.get('/audit/snapshots', async (req, res) => {
    const ctx = await d.context(req, res);
    if (!d.requireUser(req, res, ctx)) return;
    const { tr } = ctx;
    const q = new URLSearchParams();
    const chosen: Record<string, string> = {};
    for (const name of SNAPSHOT_FILTERS) {
      const v = str(req.query[name]);
      chosen[name] = v;
      if (v !== '') q.set(name, v);
    }
    const pageAsked = str(req.query.page);
    if (pageAsked !== '') q.set('page', pageAsked);
    q.set('pageSize', String(SNAPSHOTS_PAGE_SIZE));
    const list = await auditApi<AuditSnapshotList>(req, ctx.user, `/reports/snapshots?${q.toString()}`);
    const { duties } = await auditApi<AuditDutyList>(req, ctx.user, '/reports/duties');
    const dutyChoices = [...new Map(duties.map((x) => [x.dutyId, x.title ?? x.dutyId])).entries()];
    const policies = d.policies(ctx.user);
    const unitNames = d.unitNames();
    const pages = Math.max(1, Math.ceil(list.total / list.pageSize));
    const option = (value: string, label: Html | string, selected: boolean) =>
      html`<option value="${value}"${raw(selected ? ' selected' : '')}>${label}</option>`;
    const pageLink = (n: number, key: 'previousPage' | 'nextPage', rel: string) => {
      const p = new URLSearchParams();
      for (const name of SNAPSHOT_FILTERS) if (chosen[name]) p.set(name, chosen[name]!);
      p.set('page', String(n));
      return html`<a href="/audit/snapshots?${p.toString()}" rel="${rel}">${tr.t(key)}</a>`;
    };
    const title = (s: AuditSnapshotSummary) => inLanguage(tr.localized(s.policyTitle), s.policyId ?? '—');
    d.send(
      res,
      ctx,
      tr.t('snapshotList'),
      html`<form method="get" action="/audit/snapshots" class="filters list-filters" role="search">
<div><label for="f-kind">${tr.t('snapshotKind')}</label><select id="f-kind" name="kind">${option('', tr.t('all'), !chosen.kind)}${option('completion-status', tr.t('kind.completion-status'), chosen.kind === 'completion-status')}${option('programme-statistics', tr.t('kind.programme-statistics'), chosen.kind === 'programme-statistics')}</select></div>
<div><label for="f-policy">${tr.t('policy')}</label><select id="f-policy" name="policy">${option('', tr.t('all'), !chosen.policy)}${policies.map((p) => option(p.policyId, inLanguage(tr.localized(p.title), p.policyId), chosen.policy === p.policyId))}</select></div>
<div><label for="f-period">${tr.t('period')}</label><input id="f-period" name="period" value="${chosen.period ?? ''}" size="10"></div>
<div><label for="f-unit">${tr.t('orgUnit')}</label><select id="f-unit" name="orgUnit">${option('', tr.t('all'), !chosen.orgUnit)}${d.unitChoices(ctx.user).map((u) => option(u.id, u.name, chosen.orgUnit === u.id))}</select></div>
<div><label for="f-duty">${tr.t('reportingDuty')}</label><select id="f-duty" name="duty">${option('', tr.t('all'), !chosen.duty)}${dutyChoices.map(([id, name]) => option(id, name, chosen.duty === id))}</select></div>
<div><button type="submit">${tr.t('filter')}</button></div></form>
<p class="result-count" role="status"><strong data-total="${list.total}">${tr.t('snapshotCount', { count: list.total })}</strong> · ${tr.t('timesInZone', { zone: tr.zoneName() })}</p>
${
  list.snapshots.length === 0
    ? html`<p>${tr.t('noData')}</p>`
    : html`<div class="table-wrap"><table class="responsive snapshots"><caption>${tr.t('captionSnapshots', { page: list.page, pages })}</caption>
<thead><tr><th scope="col">${tr.t('policy')}</th><th scope="col">${tr.t('period')}</th><th scope="col">${tr.t('orgUnit')}</th><th scope="col">${tr.t('cutOffAt')}</th><th scope="col">${tr.t('takenBy')}</th><th scope="col">${tr.t('fingerprint')}</th><th scope="col">${tr.t('actions')}</th></tr></thead><tbody>
${list.snapshots.map((s) => {
  const id = encodeURIComponent(s.snapshotId);
  const period = s.period ?? (s.window ? `${s.window.from} – ${s.window.to}` : '—');
  return html`<tr data-snapshot="${s.snapshotId}" data-kind="${s.kind}"><td data-label="${tr.t('policy')}">${title(s)}${s.kind === 'programme-statistics' ? html` <span class="badge">${tr.t('kind.programme-statistics')}</span>` : ''}${s.duty ? html`<br><small>${tr.t('reportingDuty')}: ${dutyChoices.find(([x]) => x === s.duty)?.[1] ?? s.duty}</small>` : ''}</td>
<td data-label="${tr.t('period')}">${period}</td><td data-label="${tr.t('orgUnit')}">${s.orgUnit ? (unitNames.get(s.orgUnit) ?? s.orgUnit) : tr.t('wholeJurisdiction')}</td>
<td data-label="${tr.t('cutOffAt')}"><time datetime="${s.cutOff.asOf}">${tr.dateTime(s.cutOff.asOf)}</time></td>
<td data-label="${tr.t('takenBy')}">${takerName(s, ctx.user)}</td>
<td data-label="${tr.t('fingerprint')}"><code class="hash" title="${s.fingerprint}">${s.fingerprint.slice(0, 12)}</code></td>
<td data-label="${tr.t('actions')}"><a href="/audit/snapshots/${id}">${tr.t('view')}</a> · <a href="/audit/snapshot?id=${id}">${tr.t('verifyButton')}</a> · <a href="/audit/snapshots/${id}.${s.kind === 'programme-statistics' ? 'json' : 'csv'}" download>${tr.t('download')}</a></td></tr>`;
})}
</tbody></table></div>
<nav aria-label="${tr.t('pagination')}" class="pager"><p>${list.page > 1 ? pageLink(list.page - 1, 'previousPage', 'prev') : ''} <span aria-current="page">${tr.t('pageInfo', { page: list.page, pages })}</span> ${list.page < pages ? pageLink(list.page + 1, 'nextPage', 'next') : ''}</p></nav>`
}
${takeSnapshotSection(ctx, tr)}`,
    );
  });

  router.get('/audit/snapshot', async (req, res) => {
    const ctx = await d.context(req, res);
    if (!d.requireUser(req, res, ctx)) return;
    const id = str(req.query.id);
    const v = await auditApi<AuditVerification>(
      req,
      ctx.user,
      `/reports/snapshots/${encodeURIComponent(id)}/verify`,
    );
    d.send(
      res,
      ctx,
      ctx.tr.t('verifySnapshot'),
      html`<p>${ctx.tr.t('snapshotId')}: <a href="/audit/snapshots/${encodeURIComponent(v.snapshotId)}"><code>${v.snapshotId}</code></a></p>
${verificationSection(v, ctx.tr)}`,
    );
  });
  return router;
}
