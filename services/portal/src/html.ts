import { LOCALE_NAMES, LOCALES, type Localized, type MessageKey, type Translator } from './i18n';
import type { PortalUser } from './session';

/** Escapes text for HTML element content and double-quoted attributes. */
export function esc(value: unknown): string {
  return String(value ?? '')
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/** A tagged template whose interpolations are escaped unless wrapped in `raw()`. */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}
export const raw = (text: string) => new Html(text);
export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? '');
  });
  return new Html(out);
}
function render(value: unknown): string {
  if (value instanceof Html) return value.text;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === null || value === undefined || value === false) return '';
  return esc(value);
}

/**
 * A message with ICU placeholders filled: text values and the message's own text are escaped,
 * Html values kept as they are; numbers follow the locale's plural and number rules.
 */
export function fill(tr: Translator, key: MessageKey, vars: Record<string, string | number | Html>): Html {
  return new Html(
    tr
      .parts<Html>(key, vars)
      .map((part) => (part instanceof Html ? part.text : esc(part)))
      .join(''),
  );
}

/** A text from data (a title's language map) marked with its language when not the page's. */
export function inLanguage(value: Localized | null, fallback: string): Html {
  if (!value) return html`${fallback}`;
  return value.lang ? html`<span lang="${value.lang}">${value.text}</span>` : html`${value.text}`;
}

export interface PageOptions {
  title: string;
  tr: Translator;
  user: PortalUser | null;
  csrf: string;
  body: Html;
  /** Print pages drop the navigation. */
  bare?: boolean;
}

export function page(o: PageOptions): string {
  const { tr, user } = o;
  const nav = o.bare
    ? ''
    : html`<header class="top">
  <a class="brand" href="/">${tr.t('appName')}</a>
  <nav aria-label="main"><ul>
    ${user?.officialId ? html`<li><a href="/me">${tr.t('myTraining')}</a></li>` : ''}
    ${user && (user.roles.includes('policy-unit') || user.roles.includes('auditor') || user.roles.includes('admin')) ? html`<li><a href="/dashboard">${tr.t('dashboard')}</a></li><li><a href="/officials">${tr.t('officialsList')}</a></li><li><a href="/cohort">${tr.t('cohortTitle')}</a></li><li><a href="/programmes">${tr.t('programmeStatistics')}</a></li><li><a href="/duties">${tr.t('reportingDuties')}</a></li><li><a href="/audit">${tr.t('audit')}</a></li><li><a href="/audit/snapshots">${tr.t('snapshotList')}</a></li>` : ''}
    ${user ? html`<li><a href="/profile">${tr.t('profile')}</a></li>` : ''}
    <li><a href="/verify">${tr.t('verify')}</a></li>
    ${
      user
        ? html`<li><form method="post" action="/signout"><input type="hidden" name="csrf" value="${o.csrf}"><button type="submit" class="link">${tr.t('signOut')} (${user.name})</button></form></li>`
        : html`<li><a href="/signin">${tr.t('signIn')}</a></li>`
    }
  </ul></nav>
  <form method="get" action="/lang" class="lang"><label for="lang">${tr.t('language')}</label>
    <select id="lang" name="lang">${LOCALES.map((l) => html`<option value="${l}" lang="${l}"${raw(l === tr.locale ? ' selected' : '')}>${LOCALE_NAMES[l]}</option>`)}</select>
    <button type="submit">${tr.t('apply')}</button></form>
</header>`;
  return `<!doctype html>
<html lang="${esc(tr.locale)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(o.title)} · ${esc(tr.t('appName'))}</title>
<link rel="stylesheet" href="/portal/static/portal.css">
<script src="/portal/static/portal.js" defer></script>
</head>
<body>
<a class="skip" href="#main">${esc(tr.t('skipToContent'))}</a>
${nav}
<main id="main" tabindex="-1">
<h1>${esc(o.title)}</h1>
${o.body.text}
</main>
${o.bare ? '' : `<footer class="zone"><p>${esc(tr.t('timesShownIn', { zone: tr.zoneName() }))}</p></footer>`}
</body>
</html>`;
}

export const CSS = `
:root{--fg:#1a1a1a;--muted:#4a4a4a;--bg:#fff;--accent:#0b57a4;--ok:#1d6b2f;--warn:#8a4b00;--bad:#a31515;--line:#ccc}
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI","Noto Sans",sans-serif;color:var(--fg);background:var(--bg)}
:lang(ko),[lang|=ko]{font-family:"Noto Sans CJK KR","Noto Sans KR","Malgun Gothic","Apple SD Gothic Neo",sans-serif}
:lang(zh-Hant),[lang=zh-TW],[lang=zh-HK],[lang=zh-MO]{font-family:"Noto Sans CJK TC","Noto Sans TC","Microsoft JhengHei","PingFang TC",sans-serif}
:lang(zh-Hans),[lang=zh-CN],[lang=zh-SG],[lang=zh]{font-family:"Noto Sans CJK SC","Noto Sans SC","Microsoft YaHei","PingFang SC",sans-serif}
:lang(vi){font-family:"Noto Sans","Segoe UI",system-ui,sans-serif}
a{color:var(--accent)}
a:focus-visible,button:focus-visible,select:focus-visible,input:focus-visible,textarea:focus-visible,summary:focus-visible,main:focus-visible{outline:3px solid #0b3d91;outline-offset:2px;box-shadow:0 0 0 5px #fff}
.skip{position:absolute;left:-999px}.skip:focus{left:8px;top:8px;background:#fff;padding:4px}
header.top{display:flex;flex-wrap:wrap;gap:8px 16px;align-items:center;padding:8px 16px;border-bottom:2px solid var(--accent)}
header .brand{font-weight:700;text-decoration:none}
header nav ul{display:flex;flex-wrap:wrap;gap:4px 16px;list-style:none;margin:0;padding:0}
header form{display:inline;margin:0}
.lang{margin-left:auto}
button,.button{font:inherit;padding:6px 12px;border:1px solid var(--accent);background:var(--accent);color:#fff;border-radius:4px;cursor:pointer;text-decoration:none;display:inline-block}
button.link{background:none;border:none;color:var(--accent);text-decoration:underline;padding:0}
main{padding:16px;max-width:1100px;margin:0 auto}
h1{font-size:1.5rem}
label{display:block;font-weight:600;margin-top:8px}
input,select,textarea{font:inherit;padding:6px;border:1px solid #767676;border-radius:4px;max-width:100%}
textarea{width:100%}
.warning{border:2px solid var(--warn);color:var(--warn);padding:8px;border-radius:4px;font-weight:600}
.error{border:2px solid var(--bad);color:var(--bad);padding:8px;border-radius:4px}
.ok{border:2px solid var(--ok);color:var(--ok);padding:8px;border-radius:4px}
.table-wrap{overflow-x:auto}
table{border-collapse:collapse;width:100%;margin:8px 0}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid var(--line);vertical-align:top}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
tr.withdrawn td{color:var(--muted);text-decoration:line-through}
tr.withdrawn td.mark{text-decoration:none}
.badge{display:inline-block;padding:0 6px;border-radius:8px;border:1px solid currentColor;font-size:.85em;text-decoration:none}
.status-completed{color:var(--ok)}.status-overdue{color:var(--bad)}.status-in_progress{color:var(--warn)}
.req{margin:12px 0}
.bar{height:14px;background:#e6e6e6;border-radius:7px;overflow:hidden;border:1px solid #999}
.bar svg{display:block;width:100%;height:100%}
.bar rect{fill:var(--accent)}
.bar.met rect{fill:var(--ok)}
.bar rect.pending{fill:#9bbbe0}
.pending-note{display:block;color:var(--warn);font-size:.9em}
.progress-cell{min-width:160px}.progress-cell .figure{display:block;white-space:nowrap}
ul.plain{list-style:none;margin:0;padding:0}
label.inline{display:inline;margin:0}
.programme-window fieldset p{margin:8px 0 0}
.badge.duty-late{color:var(--bad)}.badge.duty-fulfilled-on-time{color:var(--ok)}.badge.duty-due{color:var(--warn)}
.chart{max-width:100%;height:auto}
.chart text{font-size:12px;fill:var(--fg)}
.chart .grid{stroke:#c8c8c8;stroke-width:1}.chart .axis{stroke:var(--muted)}
.chart .bar-bg{fill:#eef2f7}.chart .bar-fill{fill:var(--accent)}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(320px,1fr));gap:16px;align-items:start}
.chart-figure{margin:8px 0}.chart-figure figcaption{font-weight:600;margin-bottom:4px}
.chart-data summary{cursor:pointer;color:var(--accent);min-height:24px}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:4px 12px}
dl.facts dt{font-weight:600}
.certificate{border:6px double var(--accent);padding:32px;text-align:center;max-width:760px;margin:0 auto}
.certificate .code{font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:1.6em;letter-spacing:.08em;font-weight:700;margin:0}
.certificate dl.issued{justify-content:center;text-align:left;max-width:420px;margin:16px auto}
.verify-box{display:flex;gap:16px;align-items:center;justify-content:center;flex-wrap:wrap;text-align:left;margin-top:16px}
.verify-box .qr svg{width:140px;height:140px;display:block}
.verify-url{word-break:break-all}
.users li{margin:4px 0}
.help{color:var(--muted);margin:4px 0}
.hash{font-family:monospace;font-size:.85em;word-break:break-all}
progress{width:100%;max-width:480px;height:18px;display:block}
.sides{display:grid;grid-template-columns:repeat(auto-fit,minmax(280px,1fr));gap:0 24px}
tr.changed td{font-weight:700}
ol.changes>li{margin:8px 0;padding-bottom:8px;border-bottom:1px solid var(--line)}
ol.changes p{margin:0 0 4px}
caption{text-align:left;font-weight:600;padding:4px 0}
fieldset.cut-off{border:1px solid var(--line);border-radius:4px;margin:8px 0;padding:8px 12px}
.date-time{display:flex;gap:8px 16px;flex-wrap:wrap}
.list-filters{display:flex;flex-wrap:wrap;gap:8px 16px;align-items:flex-end}
.list-filters label{margin-top:0}
.trail a{display:inline-block;padding:4px 2px;min-height:24px}
.pager p{display:flex;gap:16px;align-items:center;flex-wrap:wrap}
table.officials td:first-child,.badge,table.officials td:last-child{white-space:nowrap}
@media (max-width:600px){
  main{padding:8px}
  th,td{padding:4px}
  table.responsive thead{display:none}
  table.responsive tr{display:block;border-bottom:1px solid var(--line);padding:4px 0}
  table.responsive td{display:flex;justify-content:space-between;border:none;padding:2px 4px}
  table.responsive td::before{content:attr(data-label);font-weight:600;margin-right:8px}
  .lang{margin-left:0}
}
footer.zone{max-width:1100px;margin:0 auto;padding:8px 16px;color:var(--muted);font-size:.9em}
@media print{header.top,footer.zone,.noprint,.skip{display:none}.certificate{border-color:#000}}
`;

// Progressive enhancement only: every page works without it (no inline script: CSP script-src 'self').
export const JS = `
(function () {
  try {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (zone && document.cookie.indexOf('portal_tz=' + encodeURIComponent(zone)) < 0)
      document.cookie = 'portal_tz=' + encodeURIComponent(zone) + '; Path=/; SameSite=Strict; Max-Age=31536000';
  } catch (e) {}
})();
// Progress in place: a [data-poll] block asks its URL each second and updates its bar and text;
// when the job has finished the page is loaded once to show the result. No page reloads itself.
(function () {
  var box = document.querySelector('[data-poll]');
  if (!box || !window.fetch) return;
  var refresh = box.querySelector('.noscript-refresh');
  if (refresh) refresh.hidden = true;
  var bar = box.querySelector('progress');
  var text = box.querySelector('.progress-text');
  function tick() {
    fetch(box.getAttribute('data-poll'), { headers: { accept: 'application/json' }, credentials: 'same-origin' })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (s) {
        if (!s) return;
        if (bar && typeof s.max === 'number' && s.max > 0) { bar.max = s.max; bar.value = Math.min(s.value, s.max); }
        if (text && s.text && text.textContent !== s.text) text.textContent = s.text;
        if (s.finished) window.location.reload(); else setTimeout(tick, 1000);
      })
      .catch(function () { setTimeout(tick, 3000); });
  }
  setTimeout(tick, 500);
})();
document.addEventListener('click', function (e) {
  var t = e.target;
  if (t && t.matches && t.matches('[data-print]')) { e.preventDefault(); window.print(); }
});
`;
