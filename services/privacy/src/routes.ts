import type { CredentialRegistry, JwtVerifier } from '@lrs/auth';
import { authenticate } from '@lrs/auth';
import { BadRequest, readJsonBody } from '@lrs/http';
import { type Agent, parseAgentParameter } from '@lrs/xapi';
import express from 'express';
import { exportFormat } from './export-format';
import { assertMayExport, assertPrivacyAdmin, type Download, type PrivacyService } from './service';

const BODY_LIMIT = 64 * 1024;

function send(res: express.Response, download: Download): void {
  res.setHeader('Content-Type', download.contentType);
  res.setHeader('Content-Disposition', `attachment; filename="${download.filename}"`);
  res.setHeader('Cache-Control', 'no-store');
  res.send(download.body);
}

function objectBody(body: unknown): Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw new BadRequest({
      rule: 'privacy.body',
      message: 'the body must be a JSON object',
      pointer: '/body',
    });
  return body as Record<string, unknown>;
}

/** The agent of POST /privacy/agent-export: one Agent with exactly one IFI (xAPI Data 2.4.2.1). */
export function agentOfBody(body: Record<string, unknown>): Agent {
  for (const name of Object.keys(body))
    if (name !== 'agent')
      throw new BadRequest({
        rule: 'privacy.body.field',
        message: `unknown field ${name}; the body is {"agent": {...}}`,
        pointer: `/body/${name}`,
      });
  if (body.agent === undefined)
    throw new BadRequest({
      rule: 'privacy.body.agent',
      message: 'agent is required',
      pointer: '/body/agent',
    });
  const parsed = parseAgentParameter(JSON.stringify(body.agent), { allowGroup: false });
  if (Array.isArray(parsed)) {
    const first = parsed[0]!;
    throw new BadRequest({
      rule: first.rule,
      message: `agent: ${first.message}`,
      pointer: `/body/agent${first.pointer}`,
      details: { issues: parsed.slice(0, 20) },
    });
  }
  return parsed as Agent;
}

/** The privacy API: personal-data exports (decision 070) and retention (decision 071). */
export function privacyRoutes(service: PrivacyService): express.Router {
  const router = express.Router();

  router.get('/privacy/subjects/:officialId/export', async (req, res) => {
    send(
      res,
      await service.downloadOfficial(
        req.principal!,
        req.params.officialId,
        req.query as Record<string, unknown>,
      ),
    );
  });

  router.post('/privacy/agent-export', async (req, res) => {
    const { format, kind } = exportFormat(req.query as Record<string, unknown>);
    assertMayExport(req.principal!, null);
    const agent = agentOfBody(objectBody(await readJsonBody(req, { limit: BODY_LIMIT })));
    send(res, service.download(await service.exportAgent(req.principal!, agent), format, kind));
  });

  router.get('/privacy/retention', async (req, res) => {
    assertPrivacyAdmin(req.principal!);
    res.json({ settings: await service.retention.settings(), job: service.retention.jobStatus() });
  });

  router.put('/privacy/retention/:jurisdiction', async (req, res) => {
    assertPrivacyAdmin(req.principal!);
    const body = await readJsonBody(req, { limit: BODY_LIMIT });
    const { outcome, setting } = await service.retention.define(
      body,
      req.params.jurisdiction,
      req.principal!.id,
    );
    res.status(outcome === 'defined' ? 201 : 200).json({ outcome, setting });
  });

  router.get('/privacy/retention/dry-run', async (req, res) => {
    assertPrivacyAdmin(req.principal!);
    for (const name of Object.keys(req.query))
      if (name !== 'at')
        throw new BadRequest({
          rule: 'privacy.query.parameter',
          message: `unknown parameter ${name}; the parameter is at`,
          pointer: `/query/${name}`,
        });
    let atMs = Date.now();
    if (req.query.at !== undefined) {
      const text = typeof req.query.at === 'string' ? req.query.at : '';
      const parsed = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(text)
        ? Date.parse(text)
        : Number.NaN;
      if (Number.isNaN(parsed))
        throw new BadRequest({
          rule: 'privacy.query.instant',
          message: 'at must be an ISO 8601 timestamp with an offset, e.g. 2031-01-01T00:00:00+09:00',
          pointer: '/query/at',
        });
      atMs = parsed;
    }
    res.json(await service.retention.dryRun(atMs));
  });
  return router;
}

export function mountPrivacy(
  app: express.Express,
  service: PrivacyService,
  options: { credentials: CredentialRegistry; jwt: JwtVerifier | null },
): void {
  app.use('/api', authenticate(options.credentials, options.jwt), privacyRoutes(service));
}
