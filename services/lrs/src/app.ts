import { AttachmentError } from '@lrs/attachments';
import { authenticate, credentialsRouter } from '@lrs/auth';
import { createApp, createLogger, Forbidden, HttpProblem, type Logger, rateLimit } from '@lrs/http';
import { mountAudit } from '@lrs/service-audit';
import { mountCompletion } from '@lrs/service-completion';
import { portalRouter } from '@lrs/service-portal';
import { mountTranscripts } from '@lrs/service-transcripts';
import express from 'express';
import { documentResourceRoutes } from './documents/document-resources';
import { statementRoutes } from './statements/routes';
import type { LrsSystem } from './system';
import { aboutRoutes } from './xapi/about';
import { alternateSyntax } from './xapi/alternate-syntax';
import { cors } from './xapi/cors';
import { methodNotAllowed } from './xapi/method-not-allowed';
import { xapiParams } from './xapi/params';
import { announceVersion, xapiVersion } from './xapi/version';

/** The LRS HTTP application: xAPI under /xapi, the admin API under /api/admin. */
export function createLrsApp(system: LrsSystem, options: { logger?: Logger } = {}): express.Express {
  const { config } = system;
  const limiter = rateLimit({
    perSecond: config.rateLimit?.perSecond ?? 0,
    ...(config.rateLimit ? { burst: config.rateLimit.burst } : {}),
  });
  const app = createApp({
    // LRS_LOG_LEVEL applies to the request log too (it was always at info).
    logger: options.logger ?? createLogger(config),
    ...(config.preAuth ? { preAuthBodyTimeoutMs: config.preAuth.bodyTimeoutMs } : {}),
    // Issue 9: an anonymous probe gets a bare liveness answer; the store, head and projection
    // lag are for admin or `all` credentials. Credentials that are sent are checked (401/403).
    healthDetails: async (req, res) => {
      if (req.get('authorization') === undefined) return false;
      await authenticate(system.credentials, system.jwt)(req, res, () => {});
      const principal = req.principal;
      if (
        principal &&
        (principal.scopes.has('admin') || principal.scopes.has('all') || principal.roles.includes('admin'))
      )
        return true;
      throw new Forbidden('health.details', 'the health details are for admin or all-scoped credentials', {
        details: { needed: ['admin', 'all'] },
      });
    },
    health: async () => {
      // A log whose writes stopped (a failed fsync) answers reads but takes no statement: 503.
      const stopped = system.log.writeFailure?.();
      if (stopped) throw stopped;
      // Every projector this process runs: an operator sees which one lags or failed.
      const running = [
        system.index.running,
        system.documents.index.running,
        system.documents.agents.running,
        system.documents.activities.running,
        system.completion.running,
      ];
      const projections: Record<string, unknown> = {};
      for (const projection of running) {
        const lag = await projection.lag();
        projections[projection.projection.name] = {
          status: projection.status().state,
          position: lag.position,
          behind: Number(lag.behind),
          unit: lag.unit,
          secondsBehind: lag.secondsBehind,
        };
      }
      return { store: system.log.kind, head: await system.log.headPosition(), projections };
    },
    routes: (app) => {
      const xapi = express.Router();
      xapi.use(announceVersion());
      xapi.use(cors());
      // Communication 2.1.3: every statements response carries X-Experience-API-Consistent-Through,
      // "regardless of the code returned" (the ADL suite checks it on a 400 for a missing version
      // header). Set first so errors from any later middleware carry it; reads refine it later.
      xapi.use('/statements', (_req, res, next) => {
        system.index.consistentThrough().then((through) => {
          res.setHeader('X-Experience-API-Consistent-Through', through);
          next();
        }, next);
      });
      xapi.use(
        alternateSyntax({
          maxBodyBytes: config.maxBodyBytes,
          ...(config.preAuth
            ? { preAuthBodyBytes: config.preAuth.bodyBytes, preAuthTotalBytes: config.preAuth.totalBytes }
            : {}),
          authenticate: authenticate(system.credentials, system.jwt),
        }),
      );
      xapi.use(xapiParams());
      const isAbout = (req: express.Request) => req.path === '/about';
      xapi.use(xapiVersion({ exempt: isAbout }));
      xapi.use(aboutRoutes());
      xapi.use(authenticate(system.credentials, system.jwt));
      // One bucket per principal, shared by xAPI and admin, counted after authentication.
      xapi.use(limiter);
      xapi.use(
        statementRoutes({
          store: system.statements,
          index: system.index,
          attachments: system.attachments,
          limits: {
            maxBodyBytes: config.maxBodyBytes,
            maxAttachmentBytes: config.maxAttachmentBytes,
            maxStatementBytes: config.maxStatementBytes,
          },
          readYourWritesTimeoutMs: 5000,
        }),
      );
      xapi.use(documentResourceRoutes(system.documents, config));
      xapi.use(methodNotAllowed());
      // Attachment and signature problems are client errors with their own status (400/413).
      xapi.use(
        (error: unknown, _req: express.Request, _res: express.Response, next: express.NextFunction) => {
          if (error instanceof AttachmentError) {
            next(
              new HttpProblem(error.status, error.rule, error.message, { pointer: attachmentPointer(error) }),
            );
          } else next(error);
        },
      );
      app.use('/xapi', xapi);
      app.use(
        '/api/admin',
        authenticate(system.credentials, system.jwt),
        limiter,
        credentialsRouter(system.credentials),
      );
      app.use('/api/connectors', authenticate(system.credentials, system.jwt), system.connectors.router());
      mountTranscripts(app, system.transcripts, { ...system, admin: true });
      mountCompletion(app, system.completion, system);
      mountAudit(app, system.audit, system);
      // The web portal (issue 8) last: its paths never shadow /xapi or /api.
      app.use('/', portalRouter(system));
    },
  });
  return app;
}

/**
 * Every 4xx names the field at fault. Framing problems carry no pointer into a statement: a bad or
 * missing boundary is the Content-Type header's fault, anything else in the multipart body the body's.
 */
function attachmentPointer(error: AttachmentError): string {
  if (error.pointer) return error.pointer;
  return error.rule === 'multipart.boundary' || error.rule === 'multipart.content-type'
    ? '/headers/Content-Type'
    : '/body';
}
