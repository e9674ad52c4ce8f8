import { AttachmentError, type AttachmentStore } from '@lrs/attachments';
import type { Config } from '@lrs/config';
import { HttpProblem } from '@lrs/http';
import express from 'express';
import { type DocumentResources, documentResourceRoutes } from './documents/document-resources';
import { statementRoutes } from './statements/routes';
import type { StatementsIndex } from './statements/statements-index-service';
import type { StatementStore } from './statements/store-statements';
import { aboutRoutes } from './xapi/about';
import { alternateSyntax } from './xapi/alternate-syntax';
import { cors } from './xapi/cors';
import { methodNotAllowed } from './xapi/method-not-allowed';
import { xapiParams } from './xapi/params';
import { announceVersion, xapiVersion } from './xapi/version';

/** What the xAPI resources run on; the composition root builds it. */
export interface XapiResources {
  config: Config;
  index: StatementsIndex;
  statements: StatementStore;
  attachments: AttachmentStore;
  documents: DocumentResources;
  /** Authenticates every request but About (the credential registry and bearer tokens). */
  authenticate: express.RequestHandler;
  /** Runs after authentication: one bucket per principal, shared with the admin API. */
  limiter: express.RequestHandler;
}

/** The xAPI HTTP API, to be mounted at /xapi. */
export function xapiRouter(resources: XapiResources): express.Router {
  const { config, index } = resources;
  const xapi = express.Router();
  xapi.use(announceVersion());
  xapi.use(cors());
  // Communication 2.1.3: every statements response carries X-Experience-API-Consistent-Through,
  // "regardless of the code returned" (the ADL suite checks it on a 400 for a missing version
  // header). Set first so errors from any later middleware carry it; reads refine it later.
  xapi.use('/statements', (_req, res, next) => {
    index.consistentThrough().then((through) => {
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
      // The form's own Authorization is checked while the form is read (a bounded body before it).
      authenticate: resources.authenticate,
    }),
  );
  xapi.use(xapiParams());
  const isAbout = (req: express.Request) => req.path === '/about';
  xapi.use(xapiVersion({ exempt: isAbout }));
  xapi.use(aboutRoutes());
  xapi.use(resources.authenticate);
  xapi.use(resources.limiter);
  xapi.use(
    statementRoutes({
      store: resources.statements,
      index,
      attachments: resources.attachments,
      limits: {
        maxBodyBytes: config.maxBodyBytes,
        maxAttachmentBytes: config.maxAttachmentBytes,
        maxStatementBytes: config.maxStatementBytes,
      },
      readYourWritesTimeoutMs: 5000,
    }),
  );
  xapi.use(documentResourceRoutes(resources.documents, config));
  xapi.use(methodNotAllowed());
  // Attachment and signature problems are client errors with their own status (400/413).
  xapi.use((error: unknown, _req: express.Request, _res: express.Response, next: express.NextFunction) => {
    if (error instanceof AttachmentError) {
      next(new HttpProblem(error.status, error.rule, error.message, { pointer: attachmentPointer(error) }));
    } else next(error);
  });
  return xapi;
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
