import { HttpProblem } from '@lrs/http';
import express, { type Request, type RequestHandler, type Response } from 'express';
import { type Html, html } from '../html';
import type { PortalContext } from '../portal';
import type { PortalUser } from '../session';

export interface AuditPageDeps {
  context: (req: Request, res: Response) => Promise<PortalContext>;
  send: (
    res: Response,
    ctx: PortalContext,
    title: string,
    body: Html,
    extra?: { refreshSeconds?: number },
  ) => unknown;
  requireUser: (
    req: Request,
    res: Response,
    ctx: PortalContext,
  ) => ctx is PortalContext & { user: PortalUser };
  checkCsrf: (req: Request) => void;
  form: RequestHandler;
}

/**
 * Calls the audit JSON API (services/audit) on this same server with the user's token, so the
 * API's own authorisation decides; the portal only renders what it answers.
 */
async function auditApi(
  req: Request,
  user: PortalUser,
  path: string,
  init: { method?: string; body?: unknown } = {},
) {
  const port = req.socket.localPort;
  const response = await fetch(`http://127.0.0.1:${port}/api${path}`, {
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
    throw new HttpProblem(
      response.status,
      error.rule ?? 'portal.audit',
      error.message ?? `audit API answered ${response.status}`,
    );
  }
  return body ?? {};
}

const json = (value: unknown) => html`<pre class="json">${JSON.stringify(value, null, 2)}</pre>`;

export function auditRoutes(d: AuditPageDeps): express.Router {
  const router = express.Router();

  router.get('/audit', async (req, res) => {
    const ctx = await d.context(req, res);
    if (!d.requireUser(req, res, ctx)) return;
    const { tr } = ctx;
    d.send(
      res,
      ctx,
      tr.t('audit'),
      html`<section><h2>${tr.t('startReplay')}</h2>
<form method="post" action="/audit/replays"><input type="hidden" name="csrf" value="${ctx.csrf}">
<label for="asOf">${tr.t('cutOff')}</label><input id="asOf" name="asOf" required placeholder="2025-06-30T23:59:59+09:00" size="32">
<button type="submit">${tr.t('replay')}</button></form></section>
<section><h2>${tr.t('compare')}</h2>
<form method="get" action="/audit/diff">
<label for="policy">${tr.t('policy')}</label><input id="policy" name="policy" required>
<label for="period">${tr.t('period')}</label><input id="period" name="period" required>
<label for="from">From (ISO 8601)</label><input id="from" name="from" required size="32">
<label for="to">To (ISO 8601, empty = now)</label><input id="to" name="to" size="32">
<p><button type="submit">${tr.t('compare')}</button></p></form></section>
<section><h2>${tr.t('verifySnapshot')}</h2>
<form method="get" action="/audit/snapshot"><label for="snapshot">Snapshot id</label><input id="snapshot" name="id" required>
<button type="submit">${tr.t('verifyButton')}</button></form></section>`,
    );
  });

  router.post('/audit/replays', d.form, async (req, res) => {
    d.checkCsrf(req);
    const ctx = await d.context(req, res);
    if (!d.requireUser(req, res, ctx)) return;
    const asOf = String((req.body as Record<string, unknown>).asOf ?? '');
    const job = await auditApi(req, ctx.user, '/audits/replays', { method: 'POST', body: { asOf } });
    res.redirect(303, `/audit/replays/${encodeURIComponent(String(job.id))}`);
  });

  router.get('/audit/replays/:id', async (req, res) => {
    const ctx = await d.context(req, res);
    if (!d.requireUser(req, res, ctx)) return;
    const job = await auditApi(req, ctx.user, `/audits/replays/${encodeURIComponent(req.params.id)}`);
    const progress = (job.progress ?? {}) as { done?: number; total?: number };
    const running = job.state !== 'completed' && job.state !== 'failed' && job.state !== 'cancelled';
    const manifest = job.manifest as Record<string, unknown> | null;
    d.send(
      res,
      ctx,
      `${ctx.tr.t('replay')} ${String(job.id)}`,
      html`<p>${ctx.tr.t('status')}: <strong class="replay-state">${String(job.state)}</strong></p>
<p><label for="progress">Progress</label><progress id="progress" max="${progress.total ?? 1}" value="${progress.done ?? 0}">${progress.done ?? 0} / ${progress.total ?? '?'}</progress></p>
${running ? html`<p>${ctx.tr.t('inProgressNote')}</p>` : ''}
${manifest ? html`<h2>${ctx.tr.t('fingerprint')}</h2><p class="fingerprint"><code>${JSON.stringify(manifest.fingerprint ?? manifest.fingerprints ?? '')}</code></p><h2>${ctx.tr.t('manifest')}</h2>${json(manifest)}` : ''}
${job.error ? html`<p class="error">${String(job.error)}</p>` : ''}`,
      running ? { refreshSeconds: 2 } : {},
    );
  });

  router.get('/audit/diff', async (req, res) => {
    const ctx = await d.context(req, res);
    if (!d.requireUser(req, res, ctx)) return;
    const q = new URLSearchParams();
    for (const name of ['policy', 'period', 'from', 'to', 'orgUnit', 'official']) {
      const v = req.query[name];
      if (typeof v === 'string' && v !== '') q.set(name, v);
    }
    const diff = await auditApi(req, ctx.user, `/audits/diff?${q.toString()}`);
    const changes = (diff.changes ?? diff.differences ?? []) as Record<string, unknown>[];
    d.send(
      res,
      ctx,
      ctx.tr.t('compare'),
      html`${Array.isArray(changes) && changes.length > 0 ? html`<ul class="diff">${changes.slice(0, 200).map((c) => html`<li>${String(c.explanation ?? c.reason ?? c.officialId ?? '')} ${json(c)}</li>`)}</ul>` : ''}
<h2>Diff</h2>${json(diff)}`,
    );
  });

  router.get('/audit/snapshot', async (req, res) => {
    const ctx = await d.context(req, res);
    if (!d.requireUser(req, res, ctx)) return;
    const id = typeof req.query.id === 'string' ? req.query.id : '';
    const result = await auditApi(req, ctx.user, `/reports/snapshots/${encodeURIComponent(id)}/verify`);
    d.send(res, ctx, ctx.tr.t('verifySnapshot'), json(result));
  });
  return router;
}
