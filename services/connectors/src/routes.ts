import type { Principal } from '@lrs/auth';
import { isAdmin, ROSTERS_IMPORT_SCOPE, storedWriterOf } from '@lrs/auth';
import { BadRequest, Forbidden, readJsonBody } from '@lrs/http';
import { type Request, type Response, Router } from 'express';
import type { RemotePuller } from './remote/remote-puller';
import { parseSourceConfig, publicSource } from './remote/source-config';
import type { RosterService, RosterSubmission } from './rosters/import-roster';
import type { CompletionWebhooks } from './webhooks/completion-webhooks';
import { webhookRoutes } from './webhooks/routes';

/** Scope a training centre's credential or token needs to import rosters (or `admin`). See docs/decisions. */
/** The scope a training centre's credential needs to import rosters (@lrs/auth defines it). */
export const ROSTER_IMPORT_SCOPE = ROSTERS_IMPORT_SCOPE;

export interface ConnectorRoutesDeps {
  rosters: RosterService;
  puller: RemotePuller;
  maxRosterBytes?: number;
  /** Completion webhooks, when started (see webhooks/routes.ts). */
  webhooks?: () => CompletionWebhooks | null;
}

const mayImportRosters = (p: Principal) => isAdmin(p) || p.scopes.has(ROSTER_IMPORT_SCOPE);

function requireAdmin(req: Request): Principal {
  const p = req.principal!;
  if (!isAdmin(p)) {
    throw new Forbidden({
      rule: 'auth.scope',
      pointer: '/headers/Authorization',
      message: 'This needs the admin scope.',
    });
  }
  return p;
}

/**
 * The connectors' HTTP API (mounted under /api/connectors after authenticate):
 *   POST /rosters                 import a roster (rosters/import or admin)
 *   POST /rosters/check           check a roster without writing
 *   GET|POST /sources, GET|PUT /sources/:id, POST /sources/:id/resume|pull,
 *   GET /sources/:id/quarantine   remote LRS sources (admin)
 */
export function connectorRoutes(deps: ConnectorRoutesDeps): Router {
  const router = Router();
  const limit = deps.maxRosterBytes ?? 16 * 1024 * 1024;

  const readSubmission = async (req: Request): Promise<RosterSubmission> => {
    const body = await readJsonBody(req, { limit });
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw new BadRequest({
        rule: 'roster.body',
        pointer: '/body',
        message: 'Send { session, attendees: [...] } or { session, csv: "..." }.',
      });
    }
    return body as RosterSubmission;
  };

  const checkAccess = (req: Request) => {
    if (!mayImportRosters(req.principal!)) {
      throw new Forbidden({
        rule: 'auth.scope',
        pointer: '/headers/Authorization',
        message: `Importing rosters needs the ${ROSTER_IMPORT_SCOPE} scope or admin.`,
      });
    }
  };

  router.post('/rosters/check', async (req, res) => {
    checkAccess(req);
    const { roster, problems, warnings } = await deps.rosters.check(await readSubmission(req));
    res.json({ ok: roster !== null, rows: roster?.rows ?? null, problems, warnings });
  });

  router.post('/rosters', async (req: Request, res: Response) => {
    checkAccess(req);
    const submission = await readSubmission(req);
    // A token's subject is not recorded (decision 086): its authority, sealed, says who it was.
    const by = { authority: req.principal!.authority, id: storedWriterOf(req.principal!) };
    // A CLI asking for NDJSON gets progress lines while the statements are written; problems found
    // before writing still come back as an ordinary 400.
    if (!(req.header('accept') ?? '').includes('application/x-ndjson')) {
      res.status(200).json(await deps.rosters.import(submission, by));
      return;
    }
    const { roster, problems } = await deps.rosters.check(submission);
    if (!roster) {
      await deps.rosters.import(submission, by); // throws the 400 listing every problem
      return;
    }
    res.status(200).type('application/x-ndjson');
    try {
      const result = await deps.rosters.import(submission, by, (p) =>
        res.write(`${JSON.stringify({ progress: p })}\n`),
      );
      res.end(`${JSON.stringify({ result })}\n`);
    } catch (error) {
      const e = error as Error & { rule?: string; status?: number };
      res.end(
        `${JSON.stringify({ error: { status: e.status ?? 500, rule: e.rule ?? 'internal', message: e.message } })}\n`,
      );
    }
    void problems;
  });

  router.get('/sources', (req, res) => {
    requireAdmin(req);
    res.json({
      sources: deps.puller.list().map((s) => ({ ...publicSource(deps.puller.source(s.id)), status: s })),
    });
  });

  router.post('/sources', async (req, res) => {
    const p = requireAdmin(req);
    const source = parseSourceConfig(await readJsonBody(req, { limit: 64 * 1024 }));
    await deps.puller.configure(source, p.id);
    res.status(201).json({ ...publicSource(source), status: deps.puller.status(source.id) });
  });

  router.get('/sources/:id', (req, res) => {
    requireAdmin(req);
    const id = String(req.params.id);
    res.json({ ...publicSource(deps.puller.source(id)), status: deps.puller.status(id) });
  });

  router.put('/sources/:id', async (req, res) => {
    const p = requireAdmin(req);
    const source = parseSourceConfig(await readJsonBody(req, { limit: 64 * 1024 }), String(req.params.id));
    await deps.puller.configure(source, p.id);
    res.json({ ...publicSource(source), status: deps.puller.status(source.id) });
  });

  router.post('/sources/:id/resume', async (req, res) => {
    const p = requireAdmin(req);
    await deps.puller.resume(String(req.params.id), p.id);
    res.json(deps.puller.status(String(req.params.id)));
  });

  router.post('/sources/:id/pull', async (req, res) => {
    requireAdmin(req);
    res.json(await deps.puller.pullOnce(String(req.params.id)));
  });

  router.get('/sources/:id/quarantine', async (req, res) => {
    requireAdmin(req);
    const limitParam = Number(req.query.limit ?? 100);
    const offset = Number(req.query.offset ?? 0);
    if (!Number.isInteger(limitParam) || limitParam < 1 || limitParam > 1000) {
      throw new BadRequest({
        rule: 'parameter.limit',
        pointer: '/query/limit',
        message: 'limit must be 1-1000.',
      });
    }
    if (!Number.isInteger(offset) || offset < 0) {
      throw new BadRequest({
        rule: 'parameter.offset',
        pointer: '/query/offset',
        message: 'offset must be ≥ 0.',
      });
    }
    res.json({ quarantined: await deps.puller.quarantine(String(req.params.id), limitParam, offset) });
  });
  let webhooks: { for: CompletionWebhooks; router: Router } | null = null;
  router.use('/webhooks', (req, res, next) => {
    const w = deps.webhooks?.();
    if (!w) return next();
    if (webhooks?.for !== w) webhooks = { for: w, router: webhookRoutes(w) };
    webhooks.router(req, res, next);
  });
  return router;
}
