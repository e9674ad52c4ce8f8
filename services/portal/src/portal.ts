import { type JwtVerifier, type Principal, principalKey } from '@lrs/auth';
import { type Config, dataDirKey } from '@lrs/config';
import { HttpProblem } from '@lrs/http';
import type { RunningReadModel } from '@lrs/projections';
import {
  assertMayAsk,
  assertMayRead,
  buildTranscript,
  type CompletionReader,
  completionReport,
  completionWeeks,
  dueDates,
  type LedgerReader,
  officialCompletions,
  periodById,
  periodFor,
  policiesInScope,
  reportScope,
  termTitles,
} from '@lrs/training';
import express, { type NextFunction, type Request, type Response } from 'express';
import QRCode from 'qrcode';
import { CertificateCodes, CertificateIndex, normalizeShortCode } from './certificate-code';
import { CSS, esc, type Html, html, inLanguage, JS, page, raw } from './html';
import {
  isLocale,
  LANGUAGE_TAGS,
  LOCALE_NAMES,
  LOCALES,
  type Locale,
  negotiateLocale,
  Translator,
  validZone,
} from './i18n';
import { OidcSignIn } from './oidc';
import { auditRoutes } from './pages/audit';
import { completionByUnitChart, completionByWeekChart, hoursDistributionChart } from './pages/charts';
import {
  dashboardCsv,
  dashboardRows,
  SORT_KEYS,
  type SortKey,
  sortHeader,
  sortRows,
} from './pages/dashboard';
import { personalDataSection, policyTitle, progressSection, transcriptSection } from './pages/my-training';
import {
  filterOfficials,
  type ListView,
  officialsCsv,
  officialsListPage,
  parseFilter,
} from './pages/officials';
import { chooseScopedPolicy, reportRoutes } from './pages/reports';
import { personName, personNames } from './person-name';
import type { PortalContext } from './portal-context';
import { type PortalUser, parseCookies, Sessions, safeNext, tokenExpiresMs, userOfClaims } from './session';
import type { SessionStore } from './session-store';

export interface PortalDeps {
  config: Config;
  jwt: JwtVerifier | null;
  /** The transcripts and completion read models, read only through their readers. */
  transcripts: RunningReadModel<LedgerReader>;
  completion: RunningReadModel<CompletionReader>;
  /**
   * The personal-data export (services/privacy, decision 070), injected by the composition root:
   * the page's "Download my data" links download through the same function as the API.
   */
  personalData?: PersonalDataDownload;
  /**
   * Sessions and profiles (decision 061), opened by the composition root so that it can close
   * them and forget an erased official's rows; opened here from the data directory when absent.
   */
  sessionStore?: SessionStore;
}

/** One person's data as a download: `query` holds format (json, csv) and, for csv, kind. */
export type PersonalDataDownload = (
  principal: Principal,
  officialId: string,
  query: Record<string, unknown>,
) => Promise<{ contentType: string; filename: string; body: string }>;

// No inline script or style anywhere: pages only load /portal/static/*.
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'; connect-src 'self'";

/** The portal key: LRS_PORTAL_SECRET, else a random key kept (0600) in the data directory. */
export function portalSecret(config: Config): string {
  return config.portal?.secret ?? dataDirKey(config.dataDir, 'portal-secret');
}

/** The server-rendered portal: mount at `/` after the JSON APIs. */
export function portalRouter(deps: PortalDeps): express.Router {
  const secret = portalSecret(deps.config);
  const sessions = new Sessions(deps.config, deps.jwt, secret, Date.now, deps.sessionStore);
  const oidc = deps.config.portal?.oidc ? new OidcSignIn(deps.config.portal.oidc) : null;
  const codes = new CertificateCodes(secret);
  const certificates = new CertificateIndex(
    codes,
    () => deps.completion.reader().allRows(),
    () => deps.completion.running.position()?.commit.toString() ?? '',
  );
  const router = express.Router();
  const form = express.urlencoded({ extended: false, limit: '64kb' });

  router.get('/portal/static/portal.css', (_req, res) => {
    res.type('text/css').setHeader('Cache-Control', 'public, max-age=3600').send(CSS);
  });
  router.get('/portal/static/portal.js', (_req, res) => {
    res.type('text/javascript').setHeader('Cache-Control', 'public, max-age=3600').send(JS);
  });

  // The zone of the reader's first own policy (decision 059), else of the first policy.
  const organisationZone = (user: PortalUser | null): string | undefined => {
    const reader = deps.transcripts.reader();
    const jurisdiction = user?.roles.includes('policy-unit') ? (user.principal.jurisdiction ?? null) : null;
    const [own] = jurisdiction ? policiesInScope(reader, jurisdiction).values() : [];
    return (own?.[own.length - 1] ?? reader.policies()[0])?.timeZone;
  };
  // Category and staff-group titles from the reader's policies, its own jurisdiction's first (decision 076).
  const readerTerms = (user: PortalUser | null) => {
    const jurisdiction = user?.roles.includes('policy-unit') ? (user.principal.jurisdiction ?? null) : null;
    const scoped = policiesInScope(deps.transcripts.reader(), jurisdiction);
    return termTitles([...scoped.values()].map((versions) => versions[versions.length - 1]!));
  };
  const context = async (req: Request, res: Response): Promise<PortalContext> => {
    res.setHeader('Content-Security-Policy', CSP);
    res.setHeader('Referrer-Policy', 'same-origin');
    res.setHeader('Cache-Control', 'no-store');
    const user = sessions.userOf(req);
    const cookies = parseCookies(req.headers.cookie);
    const profile = user ? sessions.store.profile(principalKey(user.principal)) : null;
    // The language: the profile's (kept on the server, decision 062), else the browser's choice
    // (/lang cookie), else Accept-Language.
    const chosen = profile?.locale ?? cookies.portal_lang;
    const locale: Locale = isLocale(chosen) ? chosen : negotiateLocale(req.headers['accept-language']);
    return {
      user,
      tr: new Translator(locale, zoneOf(req, user, profile?.timeZone ?? null)).withTerms(() =>
        readerTerms(user),
      ),
      csrf: sessions.csrfOf(req, res),
    };
  };
  /**
   * The user's time zone: the one chosen in their profile, else the identity provider's zoneinfo
   * claim, else the browser's (portal.js sets portal_tz), else the first policy's (the organisation's).
   */
  const zoneOf = (req: Request, user: PortalUser | null, chosen: string | null): string => {
    return (
      validZone(chosen) ??
      validZone(user?.zoneinfo) ??
      validZone(parseCookies(req.headers.cookie).portal_tz) ??
      organisationZone(user) ??
      'UTC'
    );
  };
  const send = (res: Response, ctx: PortalContext, title: string, body: Html, extra = {}) =>
    res.type('html').send(page({ title, tr: ctx.tr, user: ctx.user, csrf: ctx.csrf, body, ...extra }));
  const requireUser = (
    req: Request,
    res: Response,
    ctx: PortalContext,
  ): ctx is PortalContext & { user: PortalUser } => {
    if (ctx.user) return true;
    res.redirect(303, `/signin?next=${encodeURIComponent(req.originalUrl)}`);
    return false;
  };
  const checkCsrf = (req: Request) => {
    if (!sessions.csrfValid(req, (req.body as Record<string, unknown> | undefined)?.csrf))
      throw new HttpProblem(
        403,
        'portal.csrf',
        'the form is stale or came from another site; reload and retry',
      );
  };

  router.get('/', async (req, res) => {
    const ctx = await context(req, res);
    if (!requireUser(req, res, ctx)) return;
    if (ctx.user.officialId) return res.redirect(303, '/me');
    return res.redirect(303, '/dashboard');
  });

  router.get('/lang', (req, res) => {
    const lang = req.query.lang;
    if (isLocale(lang)) {
      res.append('Set-Cookie', `portal_lang=${lang}; Path=/; SameSite=Strict; Max-Age=31536000`);
      // A signed-in user's choice sticks to them on every device (their profile).
      const user = sessions.userOf(req);
      if (user)
        sessions.store.saveProfile(
          principalKey(user.principal),
          { locale: lang },
          Date.now(),
          user.officialId,
        );
    }
    const back = req.get('referer');
    let next = '/';
    try {
      const url = back ? new URL(back) : null;
      if (url && url.host === req.get('host')) next = safeNext(url.pathname + url.search);
    } catch {
      next = '/';
    }
    res.redirect(303, next);
  });

  // Sign-in: OpenID Connect at the organisation's identity provider when configured (LRS_OIDC_*);
  // a pasted IdP token otherwise; the labelled development sign-in only when LRS_DEV_SIGNIN=true.
  const signInPage = (
    res: Response,
    ctx: PortalContext,
    next: string,
    message: { text: string; kind: 'error' | 'ok' } | null,
    status = 200,
  ) => {
    const { tr } = ctx;
    res.status(status);
    const tokenForm = html`<form method="post" action="/signin">
<input type="hidden" name="csrf" value="${ctx.csrf}"><input type="hidden" name="next" value="${next}">
<label for="token">${tr.t('tokenLabel')}</label>
<p id="token-help">${tr.t('signInHelp')}</p>
<textarea id="token" name="token" rows="5" required aria-describedby="token-help" autocomplete="off"></textarea>
<p><button type="submit">${tr.t('signIn')}</button></p></form>`;
    send(
      res,
      ctx,
      tr.t('signIn'),
      html`${message ? html`<p class="${message.kind}" role="${message.kind === 'error' ? 'alert' : 'status'}">${message.text}</p>` : ''}
${
  oidc
    ? html`<p>${tr.t('signInIntro')}</p><p><a class="button" id="signin-oidc" href="/signin/oidc?next=${encodeURIComponent(next)}">${tr.t('signInWithOrg')}</a></p>`
    : deps.jwt
      ? tokenForm
      : ''
}
${sessions.devSignIn ? html`<p class="warning" role="note"><a href="/dev/signin?next=${encodeURIComponent(next)}">${tr.t('devSignIn')}</a> — ${tr.t('devSignInWarning')}</p>` : ''}`,
    );
  };

  router.get('/signin', async (req, res) => {
    const ctx = await context(req, res);
    const next = safeNext(req.query.next);
    const message =
      req.query.error === '1'
        ? { text: ctx.tr.t('tokenRejected'), kind: 'error' as const }
        : req.query.out === '1'
          ? { text: ctx.tr.t('signedOut'), kind: 'ok' as const }
          : null;
    signInPage(res, ctx, next, message);
  });
  router.post('/signin', form, async (req, res) => {
    checkCsrf(req);
    const body = req.body as Record<string, unknown>;
    const token = typeof body.token === 'string' ? body.token.trim() : '';
    const next = safeNext(body.next);
    const user = token ? await sessions.verify(token) : null;
    if (!user) return res.redirect(303, `/signin?error=1&next=${encodeURIComponent(next)}`);
    sessions.signIn(req, res, user, tokenExpiresMs(token));
    return res.redirect(303, next);
  });

  router.get('/signin/oidc', async (req, res, next) => {
    if (!oidc) return next();
    res.setHeader('Cache-Control', 'no-store');
    await oidc.start(req, res, safeNext(req.query.next));
  });

  router.get('/signin/callback', async (req, res, next) => {
    if (!oidc) return next();
    const ctx = await context(req, res);
    const outcome = await oidc.callback(req, res);
    const { tr } = ctx;
    if (!outcome.ok) {
      const key =
        outcome.reason === 'denied'
          ? 'signInDenied'
          : outcome.reason === 'stale'
            ? 'signInStale'
            : 'signInFailed';
      return signInPage(
        res,
        ctx,
        '/',
        { text: tr.t(key), kind: 'error' },
        outcome.reason === 'denied' ? 403 : 401,
      );
    }
    let user: PortalUser;
    try {
      user = userOfClaims(oidc.mapClaims(outcome.claims), outcome.idToken, deps.config.baseUrl);
    } catch {
      return signInPage(res, ctx, '/', { text: tr.t('signInFailed'), kind: 'error' }, 401);
    }
    if (user.roles.length === 0)
      return signInPage(res, ctx, '/', { text: tr.t('signInNoRole'), kind: 'error' }, 403);
    // An official the registry does not know has no training record to show: say so, no session.
    if (user.officialId && !deps.transcripts.reader().official(user.officialId))
      return signInPage(
        res,
        ctx,
        '/',
        { text: tr.t('signInUnknownOfficial', { id: user.officialId }), kind: 'error' },
        403,
      );
    sessions.signIn(req, res, user, tokenExpiresMs(outcome.idToken));
    // The browser arrived from the identity provider (a cross-site redirect): a same-site page
    // moves it on, so the SameSite=Strict session cookie goes with the next request.
    res
      .type('html')
      .send(
        `<!doctype html><html lang="${ctx.tr.locale}"><head><meta charset="utf-8"><meta http-equiv="refresh" content="0;url=${esc(outcome.next)}"><title>${esc(tr.t('signIn'))}</title></head><body><p><a href="${esc(outcome.next)}">${esc(tr.t('continue'))}</a></p></body></html>`,
      );
  });

  router.post('/signout', form, async (req, res) => {
    checkCsrf(req);
    const user = sessions.signOut(req, res);
    // Signed in at the identity provider: end its session too (RP-initiated logout), so signing
    // in again asks for credentials there; it sends the browser back to /signin?out=1.
    const end = oidc && user && oidc.issued(user.claims) ? await oidc.endSessionUrl(user.token) : null;
    if (!end) return res.redirect(303, '/signin?out=1');
    // Through a page, not a redirect: the form's CSP (form-action 'self') forbids a form's redirect
    // to another origin, and a page may be navigated on (meta refresh) wherever it points.
    const ctx = await context(req, res);
    res
      .type('html')
      .send(
        `<!doctype html><html lang="${ctx.tr.locale}"><head><meta charset="utf-8"><meta http-equiv="refresh" content="0;url=${esc(end)}"><title>${esc(ctx.tr.t('signOut'))}</title></head><body><main><p><a href="${esc(end)}">${esc(ctx.tr.t('signOutAtProvider'))}</a></p></main></body></html>`,
      );
  });

  // The user's profile: their time zone and language, kept on the server (decision 062).
  const profilePage = (
    res: Response,
    ctx: PortalContext & { user: PortalUser },
    chosenZone: string,
    message: { text: string; kind: 'error' | 'ok' } | null,
    status = 200,
  ) => {
    const { tr } = ctx;
    res.status(status);
    const zones = Intl.supportedValuesOf('timeZone');
    send(
      res,
      ctx,
      tr.t('profile'),
      html`${message ? html`<p class="${message.kind}" role="${message.kind === 'error' ? 'alert' : 'status'}" id="profile-message">${message.text}</p>` : ''}
<dl class="facts"><dt>${tr.t('name')}</dt><dd>${ctx.user.name}</dd>
<dt>${tr.t('timeZone')}</dt><dd id="current-zone">${tr.zoneName()}</dd>
<dt>${tr.t('nowInZone')}</dt><dd><time datetime="${new Date().toISOString()}">${tr.dateTime(new Date().toISOString())}</time></dd></dl>
<form method="post" action="/profile" class="profile"><input type="hidden" name="csrf" value="${ctx.csrf}">
<p><label for="timeZone">${tr.t('timeZone')}</label>
<input id="timeZone" name="timeZone" list="zones" value="${chosenZone}" required size="32" autocomplete="off" spellcheck="false" aria-describedby="zone-help"${raw(message?.kind === 'error' ? ' aria-invalid="true"' : '')}>
<datalist id="zones">${zones.map((z) => html`<option value="${z}"></option>`)}</datalist></p>
<p id="zone-help" class="help">${tr.t('timeZoneHelp')}</p>
<p><label for="locale">${tr.t('language')}</label>
<select id="locale" name="locale">${LOCALES.map((l) => html`<option value="${l}" lang="${l}"${raw(l === tr.locale ? ' selected' : '')}>${LOCALE_NAMES[l]}</option>`)}</select></p>
<p><button type="submit">${tr.t('save')}</button></p></form>`,
    );
  };

  router.get('/profile', async (req, res) => {
    const ctx = await context(req, res);
    if (!requireUser(req, res, ctx)) return;
    profilePage(
      res,
      ctx,
      ctx.tr.timeZone,
      req.query.saved === '1' ? { text: ctx.tr.t('profileSaved'), kind: 'ok' } : null,
    );
  });

  router.post('/profile', form, async (req, res) => {
    checkCsrf(req);
    const ctx = await context(req, res);
    if (!requireUser(req, res, ctx)) return;
    const body = req.body as Record<string, unknown>;
    const asked = typeof body.timeZone === 'string' ? body.timeZone.trim() : '';
    const zone = validZone(asked);
    const locale = body.locale === undefined ? null : isLocale(body.locale) ? body.locale : undefined;
    if (!zone || locale === undefined)
      return profilePage(
        res,
        ctx,
        asked,
        {
          text: !zone ? ctx.tr.t('timeZoneInvalid', { zone: asked }) : ctx.tr.t('localeInvalid'),
          kind: 'error',
        },
        400,
      );
    sessions.store.saveProfile(
      principalKey(ctx.user.principal),
      { timeZone: zone, ...(locale ? { locale } : {}) },
      Date.now(),
      ctx.user.officialId,
    );
    res.redirect(303, '/profile?saved=1');
  });

  // Development sign-in: 404 unless LRS_DEV_SIGNIN=true, so production has no such page.
  router.get('/dev/signin', async (req, res, next) => {
    if (!sessions.devSignIn) return next();
    const ctx = await context(req, res);
    const reader = deps.transcripts.reader();
    const officials = reader.someOfficials(12);
    const jurisdictions = reader.jurisdictions(5);
    const nextPath = safeNext(req.query.next);
    const button = (value: string, label: string) =>
      html`<li><form method="post" action="/dev/signin"><input type="hidden" name="csrf" value="${ctx.csrf}"><input type="hidden" name="next" value="${nextPath}"><button type="submit" name="user" value="${value}">${label}</button></form></li>`;
    send(
      res,
      ctx,
      ctx.tr.t('devSignIn'),
      html`<p class="warning" role="note">${ctx.tr.t('devSignInWarning')}</p>
<ul class="users">
${officials.map((o) => button(`official:${o.officialId}`, ctx.tr.t('devOfficial', { name: o.name, id: o.officialId })))}
${jurisdictions.map((j) => button(`policy-unit:${j}`, ctx.tr.t('devPolicyUnit', { jurisdiction: j })))}
${button('auditor:auditor', ctx.tr.t('devAuditor'))}
</ul>`,
    );
  });
  router.post('/dev/signin', form, async (req, res, next) => {
    if (!sessions.devSignIn) return next();
    checkCsrf(req);
    const body = req.body as Record<string, unknown>;
    const [role, id] = typeof body.user === 'string' ? body.user.split(/:(.*)/s, 2) : [];
    let token: string;
    if (role === 'official' && id) {
      const official = deps.transcripts.reader().official(id);
      if (!official) throw new HttpProblem(400, 'portal.dev.user', 'no such demo official');
      token = sessions.issueDevToken({
        sub: id,
        name: official.name,
        role: 'official',
        official_id: id,
        jurisdiction: official.jurisdiction,
      });
    } else if (role === 'policy-unit' && id) {
      token = sessions.issueDevToken({
        sub: `policy-unit-${id}`,
        name: `Policy unit ${id}`,
        role: 'policy-unit',
        jurisdiction: id,
      });
    } else if (role === 'auditor') {
      token = sessions.issueDevToken({ sub: 'auditor', name: 'Auditor', role: 'auditor' });
    } else throw new HttpProblem(400, 'portal.dev.user', 'choose a demo user');
    const user = await sessions.verify(token);
    if (!user) throw new HttpProblem(500, 'portal.dev.token', 'the development token did not verify');
    sessions.signIn(req, res, user, tokenExpiresMs(token));
    res.redirect(303, safeNext(body.next));
  });

  router.get('/me', async (req, res) => {
    const ctx = await context(req, res);
    if (!requireUser(req, res, ctx)) return;
    if (!ctx.user.officialId) return res.redirect(303, '/dashboard');
    return res.redirect(303, `/officials/${encodeURIComponent(ctx.user.officialId)}`);
  });

  // My training: progress per requirement and the transcript.
  router.get('/officials/:officialId', async (req, res) => {
    const ctx = await context(req, res);
    if (!requireUser(req, res, ctx)) return;
    const { officialId } = req.params;
    assertMayAsk(ctx.user.principal, officialId);
    await deps.completion.catchUp();
    const reader = deps.transcripts.reader();
    await deps.transcripts.catchUp();
    const official = reader.official(officialId);
    if (!official) throw new HttpProblem(404, 'training.official.unknown', `no official ${officialId}`);
    assertMayRead(ctx.user.principal, official);
    const { completions } = officialCompletions(deps.completion.reader(), official, { atMs: Date.now() });
    const { tr } = ctx;
    const transcript = buildTranscript(reader, official, { languages: LANGUAGE_TAGS[tr.locale] });
    send(
      res,
      { ...ctx, tr },
      `${tr.t('myTraining')} — ${personName(official.officialId, official.name, tr)}`,
      html`<p class="who">${personName(official.officialId, official.name, tr)} · ${reader.orgTree().names.get(official.orgUnit) ?? official.orgUnit} · ${inLanguage(tr.term('staffGroup', official.staffGroup), official.staffGroup)}</p>
<h2>${tr.t('progress')}</h2>
${progressSection(completions, officialId, tr)}
${transcriptSection(transcript, tr)}
${deps.personalData && ctx.user.officialId === officialId ? personalDataSection(officialId, tr) : ''}`,
    );
  });

  // "Download my data": the official's own data, through the privacy service's export.
  router.get('/officials/:officialId/personal-data', async (req, res) => {
    const ctx = await context(req, res);
    if (!requireUser(req, res, ctx)) return;
    if (!deps.personalData)
      throw new HttpProblem(404, 'portal.personal-data', 'no personal-data export here');
    const download = await deps.personalData(
      ctx.user.principal,
      req.params.officialId,
      req.query as Record<string, unknown>,
    );
    res.setHeader('Content-Type', download.contentType);
    res.setHeader('Content-Disposition', `attachment; filename="${download.filename}"`);
    res.setHeader('Cache-Control', 'no-store');
    res.send(download.body);
  });

  router.get('/officials/:officialId/certificate', async (req, res) => {
    const ctx = await context(req, res);
    if (!requireUser(req, res, ctx)) return;
    const { officialId } = req.params;
    assertMayAsk(ctx.user.principal, officialId);
    await deps.completion.catchUp();
    const reader = deps.completion.reader();
    const official = reader.official(officialId);
    if (!official) throw new HttpProblem(404, 'training.official.unknown', `no official ${officialId}`);
    assertMayRead(ctx.user.principal, official);
    const policyId = typeof req.query.policy === 'string' ? req.query.policy : '';
    const period = typeof req.query.period === 'string' ? req.query.period : '';
    const [c] = officialCompletions(reader, official, { atMs: Date.now(), policyId, period }).completions;
    if (c?.status !== 'completed')
      throw new HttpProblem(
        404,
        'portal.certificate.not-completed',
        'no completed requirement for this policy and period',
      );
    const tr = new Translator(ctx.tr.locale, c.policy.timeZone);
    const code = codes.short({ officialId, policyId: c.policyId, period: c.period });
    const verifyUrl = `${deps.config.baseUrl}/verify?code=${code}`;
    const qr = await QRCode.toString(verifyUrl, { type: 'svg', errorCorrectionLevel: 'M', margin: 1 });
    const tree = reader.orgTree();
    const top = tree.ancestry(official.orgUnit).at(-1);
    const issuer = deps.config.portal?.issuer ?? (top ? (tree.names.get(top) ?? top) : '');
    const issued = new Date().toISOString();
    send(
      res,
      { ...ctx, tr },
      tr.t('certificate'),
      html`<div class="certificate">
<p class="name"><strong>${personName(official.officialId, official.name, tr)}</strong> (${official.officialId})</p>
<p>${policyTitle(c, tr)}</p>
<p>${tr.t('period')}: ${c.period} · ${tr.num(c.earnedHours)} ${tr.t('hours')}</p>
<dl class="facts issued"><dt>${tr.t('issuedBy')}</dt><dd class="issuer">${issuer}</dd><dt>${tr.t('issuedOn')}</dt><dd><time datetime="${issued}">${tr.date(issued)}</time></dd></dl>
<div class="verify-box"><div class="qr" role="img" aria-label="${tr.t('qrLabel')}">${raw(qr.replace(/^<svg /, '<svg aria-hidden="true" focusable="false" '))}</div>
<div><p>${tr.t('verificationCode')}</p><p class="code" id="code">${code}</p>
<p>${tr.t('verifyAt')}:<br><a class="verify-url" href="${verifyUrl}">${verifyUrl}</a></p></div></div>
</div>
<p class="noprint"><button type="button" data-print>${tr.t('print')}</button></p>`,
      { bare: true },
    );
  });

  // Public: anyone holding a code can check it; the answer comes from the live completion.
  router.get('/verify', async (req, res) => {
    const ctx = await context(req, res);
    const code = typeof req.query.code === 'string' ? req.query.code : '';
    let result: Html = html``;
    if (code) {
      const short = normalizeShortCode(code);
      const claim = short ? certificates.find(short) : codes.read(code);
      const reader = deps.completion.reader();
      const official = claim ? reader.official(claim.officialId) : undefined;
      if (!claim || !official)
        result = html`<p class="error" role="status" data-result="invalid">${ctx.tr.t('invalid')}</p>`;
      else {
        await deps.completion.catchUp();
        const [c] = officialCompletions(reader, official, {
          atMs: Date.now(),
          policyId: claim.policyId,
          period: claim.period,
        }).completions;
        result =
          c && c.status === 'completed'
            ? html`<p class="ok" role="status" data-result="valid">${ctx.tr.t('valid')}</p>
<dl class="facts"><dt>${ctx.tr.t('official')}</dt><dd>${personName(official.officialId, official.name, ctx.tr)}</dd><dt>${ctx.tr.t('policy')}</dt><dd>${policyTitle(c, ctx.tr)}</dd><dt>${ctx.tr.t('period')}</dt><dd>${c.period}</dd></dl>`
            : html`<p class="error" role="status" data-result="revoked">${ctx.tr.t('revoked')}</p>`;
      }
    }
    send(
      res,
      ctx,
      ctx.tr.t('verify'),
      html`<form method="get" action="/verify"><label for="code">${ctx.tr.t('verificationCode')}</label>
<p id="code-help" class="help">${ctx.tr.t('verifyCodeHelp')}</p>
<input id="code" name="code" value="${code}" size="20" required autocomplete="off" autocapitalize="characters" spellcheck="false" aria-describedby="code-help"> <button type="submit">${ctx.tr.t('verifyButton')}</button></form>${result}`,
    );
  });

  // Completion dashboard for policy units (their jurisdiction), auditors and admins.
  const dashboardData = async (req: Request, ctx: PortalContext & { user: PortalUser }) => {
    const { jurisdiction } = reportScope(ctx.user.principal);
    await deps.completion.catchUp();
    const reader = deps.completion.reader();
    if (reader.policies().length === 0)
      throw new HttpProblem(404, 'portal.dashboard.no-policy', 'no policy is published yet');
    // The reader's own policies only, theirs first (decision 059): never another jurisdiction's.
    const {
      policyId,
      versions,
      scoped: policies,
    } = chooseScopedPolicy(
      reader,
      jurisdiction,
      typeof req.query.policy === 'string' ? req.query.policy : '',
    );
    const latest = versions[versions.length - 1]!;
    const period =
      typeof req.query.period === 'string' && req.query.period
        ? req.query.period
        : (periodFor(latest, Date.now())?.id ?? '');
    const orgUnit = typeof req.query.orgUnit === 'string' && req.query.orgUnit ? req.query.orgUnit : null;
    const report = completionReport(deps.completion, ctx.user.principal, versions, period, orgUnit);
    const children = reader
      .orgUnits()
      .filter((u) => (orgUnit === null ? u.parent === null : u.parent === orgUnit))
      .map((u) => ({ id: u.orgUnitId, name: u.name }));
    const sort: SortKey = (SORT_KEYS as readonly string[]).includes(String(req.query.sort))
      ? (req.query.sort as SortKey)
      : 'name';
    const dir = req.query.dir === 'desc' ? 'desc' : 'asc';
    const names = personNames(reader.officialNames(), ctx.tr);
    const rows = sortRows(dashboardRows(report, children, orgUnit, names), sort, dir);
    const tree = reader.orgTree();
    const trail = orgUnit ? tree.ancestry(orgUnit).reverse() : [];
    // Completion over the period week by week, of the report's officials (issue 22).
    const completedOn = reader.completionDates(report.policyId, report.period);
    const weeks = completionWeeks(
      report.periodStart.slice(0, 10),
      report.lastDay,
      report.rows.flatMap((r) => completedOn.get(r.officialId) ?? []),
      report.population - report.totals.exempt,
    );
    return {
      report,
      weeks,
      rows,
      sort,
      dir,
      policyId,
      period,
      orgUnit,
      trail,
      tree,
      latest,
      policies,
      names,
    } as const;
  };

  /** A list of officials of the dashboard's scope: filtered, with names, unit names and the due date. */
  const listView = async (req: Request, ctx: PortalContext & { user: PortalUser }): Promise<ListView> => {
    const d = await dashboardData(req, ctx);
    const filter = parseFilter(req.query as Record<string, unknown>);
    const subtree = filter.unit && d.tree.has(filter.unit) ? d.tree.subtree(filter.unit) : null;
    const rows = filterOfficials(
      d.report,
      d.names,
      d.tree.names,
      subtree ? (u) => subtree.has(u) : null,
      filter,
    );
    const units = Object.entries(d.report.byOrgUnit)
      .map(([id, u]) => ({ id, name: u.name ?? id }))
      .sort((a, b) => a.name.localeCompare(b.name));
    const reader = deps.completion.reader();
    const first = d.report.rows[0] ? reader.official(d.report.rows[0].officialId) : undefined;
    const [c] = first
      ? officialCompletions(reader, first, { atMs: Date.now(), policyId: d.policyId, period: d.period })
          .completions
      : [];
    const due = c ? ctx.tr.day(c.dueDate) : '—';
    const base = new URLSearchParams({
      policy: d.policyId,
      period: d.period,
      ...(d.orgUnit ? { orgUnit: d.orgUnit } : {}),
    });
    return { report: d.report, rows, filter, base, units, due };
  };

  router.get('/officials', async (req, res) => {
    const ctx = await context(req, res);
    if (!requireUser(req, res, ctx)) return;
    const v = await listView(req, ctx);
    send(res, ctx, ctx.tr.t('officialsList'), officialsListPage(v, ctx.tr));
  });

  router.get('/officials.csv', async (req, res) => {
    const ctx = await context(req, res);
    if (!requireUser(req, res, ctx)) return;
    const v = await listView(req, ctx);
    res.type('text/csv; charset=utf-8');
    res.setHeader(
      'Content-Disposition',
      `attachment; filename="officials-${v.report.policyId}-${v.report.period}.csv"`,
    );
    res.send(officialsCsv(v, ctx.tr));
  });

  router.get('/dashboard', async (req, res) => {
    const ctx = await context(req, res);
    if (!requireUser(req, res, ctx)) return;
    const d = await dashboardData(req, ctx);
    const { tr } = ctx;
    const base = new URLSearchParams({
      policy: d.policyId,
      period: d.period,
      ...(d.orgUnit ? { orgUnit: d.orgUnit } : {}),
    });
    const withSort = new URLSearchParams(base);
    withSort.set('sort', d.sort);
    withSort.set('dir', d.dir);
    const t = d.report.totals;
    const due = d.report.population - t.exempt;
    const overdueAll = d.report.rows.filter((r) => r.status === 'overdue');
    const overdue = overdueAll.slice(0, 10);
    const overdueLink = new URLSearchParams(base);
    overdueLink.set('status', 'overdue');
    const link = (unit: string | null) => {
      const p = new URLSearchParams({
        policy: d.policyId,
        period: d.period,
        ...(unit ? { orgUnit: unit } : {}),
      });
      return `/dashboard?${p.toString()}`;
    };
    send(
      res,
      ctx,
      tr.t('dashboard'),
      html`<form method="get" action="/dashboard" class="filters">
<label for="policy">${tr.t('policy')}</label><select id="policy" name="policy">${[...d.policies.keys()].map((p) => html`<option${raw(p === d.policyId ? ' selected' : '')}>${p}</option>`)}</select>
<label for="period">${tr.t('period')}</label><input id="period" name="period" value="${d.period}" size="10">
${d.orgUnit ? html`<input type="hidden" name="orgUnit" value="${d.orgUnit}">` : ''}
<button type="submit">${tr.t('show')}</button></form>
<nav aria-label="breadcrumb" class="trail"><a href="${link(null)}">${tr.t('up')}: ★</a>${d.trail.map((u) => html` › <a href="${link(u)}">${d.tree.names.get(u) ?? u}</a>`)}</nav>
<dl class="facts summary"><dt>${tr.t('population')}</dt><dd class="population">${tr.num(d.report.population)}</dd>
<dt>${tr.t('completionRate')}</dt><dd class="rate">${tr.pct(due > 0 ? t.completed / due : 1)}</dd>
<dt>${tr.t('completed')}</dt><dd>${tr.num(t.completed)}</dd><dt>${tr.t('overdue')}</dt><dd>${tr.num(t.overdue)}</dd></dl>
<div class="charts">${completionByUnitChart(d.rows, tr)}${hoursDistributionChart(d.report, tr)}${completionByWeekChart(d.weeks, tr)}</div>
<p><a class="button" id="export-csv" href="/dashboard.csv?${withSort.toString()}" download>${tr.t('exportCsv')}</a></p>
<div class="table-wrap"><table class="responsive dashboard"><caption>${d.rows[0]?.kind === 'official' ? tr.t('captionOfficials') : tr.t('captionUnits')}</caption><thead><tr>
${sortHeader(d.rows[0]?.kind === 'official' ? tr.t('official') : tr.t('orgUnit'), 'name', d.sort, d.dir, base)}
${sortHeader(tr.t('population'), 'population', d.sort, d.dir, base, true)}
${sortHeader(tr.t('completionRate'), 'rate', d.sort, d.dir, base, true)}
${sortHeader(tr.t('overdue'), 'overdue', d.sort, d.dir, base, true)}
</tr></thead><tbody>
${d.rows.map(
  (
    r,
  ) => html`<tr data-id="${r.id}"><td data-label="${tr.t('orgUnit')}"><a href="${r.kind === 'official' ? `/officials/${encodeURIComponent(r.id)}` : link(r.id)}">${r.name}</a>${r.status ? html` <span class="badge status-${r.status}">${tr.label('status', r.status)}</span>` : ''}</td>
<td class="num" data-label="${tr.t('population')}">${tr.num(r.population)}</td><td class="num" data-label="${tr.t('completionRate')}">${tr.pct(r.rate)}</td><td class="num" data-label="${tr.t('overdue')}">${tr.num(r.overdue)}</td></tr>`,
)}
</tbody></table></div>
${d.rows[0]?.kind === 'official' && d.orgUnit ? html`<p><a id="unit-officials" href="/officials?${new URLSearchParams({ policy: d.policyId, period: d.period, unit: d.orgUnit }).toString()}">${tr.t('unitOfficials')}</a></p>` : ''}
<h2>${tr.t('staffGroup')}</h2>
<div class="table-wrap"><table class="responsive staff-groups"><caption>${tr.t('captionStaffGroups')}</caption><thead><tr><th scope="col">${tr.t('staffGroup')}</th><th scope="col" class="num">${tr.t('population')}</th><th scope="col" class="num">${tr.t('completionRate')}</th></tr></thead><tbody>
${Object.entries(d.report.byStaffGroup).map(([g, v]) => {
  const pop = Object.values(v.counts).reduce((a, b) => a + b, 0);
  const must = pop - v.counts.exempt;
  return html`<tr><td data-label="${tr.t('staffGroup')}">${inLanguage(tr.term('staffGroup', g), g)}</td><td class="num" data-label="${tr.t('population')}">${tr.num(pop)}</td><td class="num" data-label="${tr.t('completionRate')}">${tr.pct(must > 0 ? v.counts.completed / must : 1)}</td></tr>`;
})}</tbody></table></div>
<h2>${tr.t('hoursByCategory')}</h2>
<dl class="facts">${Object.entries(d.report.hoursByCategory).map(([k, v]) => html`<dt>${tr.label('category', k)}</dt><dd>${tr.num(v)} ${tr.t('hours')}</dd>`)}</dl>
<h2>${tr.t('overdueList')}</h2>
${
  overdue.length === 0
    ? html`<p>${tr.t('noData')}</p>`
    : html`<div class="table-wrap"><table class="responsive overdue"><caption>${tr.t('overdueList')}</caption><thead><tr><th scope="col">${tr.t('name')}</th><th scope="col">${tr.t('orgUnit')}</th><th scope="col" class="num">${tr.t('earnedHours')}</th></tr></thead><tbody>
${overdue.map((r) => html`<tr><td data-label="${tr.t('name')}"><a href="/officials/${encodeURIComponent(r.officialId)}">${d.names.get(r.officialId) ?? r.officialId}</a> <small>${r.officialId}</small></td><td data-label="${tr.t('orgUnit')}">${d.tree.names.get(r.orgUnit) ?? r.orgUnit}</td><td class="num" data-label="${tr.t('earnedHours')}">${tr.num(r.earnedHours)}</td></tr>`)}
</tbody></table></div>`
}
<p><a id="all-overdue" href="/officials?${overdueLink.toString()}">${tr.t('viewAllOverdue', { count: overdueAll.length })}</a> · <a id="all-officials" href="/officials?${base.toString()}">${tr.t('officialsList')} (${tr.t('resultCount', { count: d.report.population })})</a></p>`,
    );
  });

  router.get('/dashboard.csv', async (req, res) => {
    const ctx = await context(req, res);
    if (!requireUser(req, res, ctx)) return;
    const d = await dashboardData(req, ctx);
    res.type('text/csv; charset=utf-8');
    res.setHeader(
      'Content-Disposition',
      `attachment; filename="dashboard-${d.policyId}-${d.period}${d.orgUnit ? `-${d.orgUnit}` : ''}.csv"`,
    );
    res.send(dashboardCsv(d.report, d.rows, ctx.tr));
  });

  router.use(reportRoutes({ context, send, requireUser, checkCsrf, form, completion: deps.completion }));

  router.use(
    auditRoutes({
      context,
      send,
      requireUser,
      checkCsrf,
      form,
      // The reader's jurisdiction's policies, its own first (decision 059).
      policies: (user) => {
        const now = Date.now();
        const { jurisdiction } = reportScope(user.principal);
        return [...policiesInScope(deps.completion.reader(), jurisdiction)].map(([policyId, versions]) => ({
          policyId,
          period: periodFor(versions[versions.length - 1]!, now)?.id ?? '',
          title: (versions[versions.length - 1]!.title as Record<string, string> | undefined) ?? null,
        }));
      },
      unitNames: () => deps.completion.reader().orgTree().names,
      unitChoices: (user) => {
        const reader = deps.completion.reader();
        const tree = reader.orgTree();
        const everyone = user.roles.some((r) => r === 'auditor' || r === 'admin') || !user.jurisdiction;
        const ids = everyone
          ? [...tree.names.keys()]
          : [
              ...new Set(
                reader
                  .officialSummaries()
                  .filter((o) => o.jurisdiction === user.jurisdiction)
                  .flatMap((o) => tree.ancestry(o.orgUnit)),
              ),
            ];
        return ids
          .map((id) => ({ id, name: tree.names.get(id) ?? id }))
          .sort((a, b) => a.name.localeCompare(b.name));
      },
      dueDay: (policyId, version, period) => {
        const policy = deps.completion
          .reader()
          .policies()
          .find((p) => p.policyId === policyId && p.version === version);
        const found = policy ? periodById(policy, period) : null;
        return policy && found ? dueDates(policy, found).dueDate : null;
      },
      officialNames: () => deps.completion.reader().officialNames(),
      officialOfSnapshotKey: (key: string) => deps.completion.reader().officialOfSnapshotKey(key).officialId,
      activityTitle: (activityId, tr) =>
        tr.localized(
          deps.completion.reader().catalogEntry(activityId)?.title as Record<string, string> | undefined,
        ),
    }),
  );

  // An unknown address gets a page in the reader's language (JSON clients keep the JSON 404).
  router.use(async (req: Request, res: Response, next: NextFunction) => {
    if (isApiPath(req.path) || req.accepts(['json', 'html']) !== 'html') return next();
    const ctx = await context(req, res);
    res.status(404);
    send(
      res,
      ctx,
      ctx.tr.t('notFound'),
      html`<p>${ctx.tr.t('notFoundText')}</p><p><a href="/">${ctx.tr.t('home')}</a></p>`,
    );
  });

  // Portal errors render as pages (a 403 says "forbidden"), never as JSON.
  router.use(async (error: unknown, req: Request, res: Response, next: NextFunction) => {
    if (!(error instanceof HttpProblem) || isApiPath(req.path)) return next(error);
    const ctx = await context(req, res);
    const { tr } = ctx;
    const title =
      error.status === 403
        ? tr.t('forbidden')
        : error.status === 404
          ? tr.t('notFound')
          : tr.t('errorTitle', { status: error.status });
    const known = `error.${error.rule}`;
    const explained = tr.has(known)
      ? tr.t(known)
      : error.status === 403
        ? tr.t('forbiddenText')
        : tr.t('error.other');
    res.status(error.status);
    send(
      res,
      ctx,
      title,
      html`<p class="error" role="alert" data-rule="${error.rule}">${error.status === 403 && tr.has(known) ? html`${tr.t('forbiddenText')} ` : ''}${explained}</p>
<details><summary>${tr.t('technicalDetail')}</summary><p lang="en"><code>${error.rule}</code>: ${error.message}</p></details>`,
    );
  });
  return router;
}

const isApiPath = (path: string) =>
  path.startsWith('/api/') ||
  path.startsWith('/xapi/') ||
  path === '/api' ||
  path === '/xapi' ||
  path === '/health';
