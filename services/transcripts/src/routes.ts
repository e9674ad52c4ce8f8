import type { CredentialRegistry, JwtVerifier } from '@lrs/auth';
import { authenticate } from '@lrs/auth';
import type { EventLog } from '@lrs/event-log';
import { BadRequest, NotFound } from '@lrs/http';
import {
  assertAdmin,
  assertMayAsk,
  assertMayRead,
  buildTranscript,
  trainingAdminRouter,
} from '@lrs/training';
import { parseAcceptLanguage, timestampMillis } from '@lrs/xapi';
import express from 'express';
import type { TranscriptsService } from './service';

/** GET /officials/:officialId/transcript[?from&to]; GET /admin/training/unmatched. */
export function transcriptRoutes(service: TranscriptsService): express.Router {
  const router = express.Router();
  router.get('/officials/:officialId/transcript', async (req, res) => {
    const principal = req.principal!;
    const { officialId } = req.params;
    assertMayAsk(principal, officialId);
    const from = instantParam(req.query.from, 'from');
    const to = instantParam(req.query.to, 'to');
    if (from && to && to.ms <= from.ms)
      throw new BadRequest({
        rule: 'training.query.range',
        message: 'to must be after from',
        pointer: '/query/to',
      });
    await service.catchUp();
    const reader = service.reader();
    const official = reader.official(officialId);
    if (!official)
      throw new NotFound({
        rule: 'training.official.unknown',
        message: `no official ${officialId}`,
        pointer: '/path/officialId',
      });
    assertMayRead(principal, official);
    res.json(
      buildTranscript(reader, official, {
        ...(from ? { fromMs: from.ms, from: from.text } : {}),
        ...(to ? { toMs: to.ms, to: to.text } : {}),
        languages: parseAcceptLanguage(req.headers['accept-language']),
      }),
    );
  });
  router.get('/admin/training/unmatched', async (req, res) => {
    assertAdmin(req.principal, 'statements matched to no official are listed to administrators only');
    // Read-your-writes, as for transcripts: a statement acknowledged before this request is listed.
    await service.catchUp();
    res.json({ unmatched: service.reader().unmatched() });
  });
  return router;
}

function instantParam(value: unknown, name: string): { ms: number; text: string } | null {
  if (value === undefined) return null;
  const text = typeof value === 'string' ? value : '';
  // A bare date is the start of that day in UTC; a timestamp carries its own offset.
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(text) ? Date.parse(`${text}T00:00:00Z`) : timestampMillis(text);
  if (ms === null || Number.isNaN(ms))
    throw new BadRequest({
      rule: 'training.query.instant',
      message: `${name} must be a date (YYYY-MM-DD) or an ISO 8601 timestamp with offset`,
      pointer: `/query/${name}`,
    });
  return { ms, text };
}

/** Mounts GET /api/officials/:officialId/transcript (and the admin API when asked) on an app. */
export interface MountOptions {
  credentials: CredentialRegistry;
  jwt: JwtVerifier | null;
  log: EventLog;
  /** Also mount the reference-data admin API (once per process). */
  admin?: boolean;
}

export function mountTranscripts(
  app: express.Express,
  service: TranscriptsService,
  options: MountOptions,
): void {
  const auth = authenticate(options.credentials, options.jwt);
  app.use('/api', auth, transcriptRoutes(service));
  if (options.admin)
    app.use(
      '/api/admin/training',
      auth,
      trainingAdminRouter(options.log, {
        catalogCategories: async () => {
          await service.catchUp();
          return service.reader().catalogCategories();
        },
      }),
    );
}
