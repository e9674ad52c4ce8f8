import { requireScope } from '@lrs/auth';
import { NotFound, PayloadTooLarge, readBody } from '@lrs/http';
import { type Request, type Response, Router } from 'express';
import {
  ACTIVITY_PROFILE,
  AGENT_PROFILE,
  parseDocumentId,
  parseKey,
  parseScope,
  parseSince,
  type ResourceShape,
  STATE,
} from './document-params';
import type { DocumentStore } from './document-store';
import type { DocumentsIndex } from './documents-index';
import { parsePreconditions } from './preconditions';

export interface DocumentRoutesDeps {
  store: DocumentStore;
  index: DocumentsIndex;
  /** Largest document accepted (LRS_MAX_DOCUMENT_BYTES). */
  maxDocumentBytes: number;
  /** How long an id list waits for the index to include writes acknowledged before it. */
  readYourWritesTimeoutMs: number;
}

/** Scopes (Communication 4.2) per resource: writing needs the resource's scope or `all`. */
const SCOPES = {
  state: { read: ['state', 'all/read', 'all'], write: ['state', 'all'] },
  'activity-profile': { read: ['profile', 'all/read', 'all'], write: ['profile', 'all'] },
  'agent-profile': { read: ['profile', 'all/read', 'all'], write: ['profile', 'all'] },
} as const;

/** The three document resources (xAPI Communication 2.2, 2.3, 2.6, 2.7; concurrency 3.1). */
export function documentRoutes(deps: DocumentRoutesDeps): Router {
  const router = Router();
  for (const shape of [STATE, ACTIVITY_PROFILE, AGENT_PROFILE]) mount(router, shape, deps);
  return router;
}

function mount(router: Router, shape: ResourceShape, deps: DocumentRoutesDeps) {
  const { store } = deps;
  const scopes = SCOPES[shape.resource];
  const single = [...shape.scopeParams, shape.idParam];
  const what = `${shape.path.slice(1)}`;

  const write = async (req: Request, res: Response, method: 'PUT' | 'POST') => {
    req.xapiParams.allowOnly(single, `${method} ${what}`);
    const key = parseKey(shape, req.xapiParams, parseScope(shape, req.xapiParams));
    const preconditions = parsePreconditions((name) => req.header(name));
    const content = await readDocument(req, deps.maxDocumentBytes);
    const written = await store.write({
      key,
      method,
      content,
      contentType: req.header('content-type') ?? 'application/octet-stream',
      preconditions,
      // Communication 3.1: Agent and Activity Profile PUTs need a header; xAPI 2.0 adds State.
      putNeedsHeader: shape.resource !== 'state' || req.xapiVersion === '2.0.0',
      requestId: req.id,
    });
    res.setHeader('ETag', `"${written.etag}"`);
    res.status(204).end();
  };

  router.put(shape.path, requireScope(...scopes.write), (req, res) => write(req, res, 'PUT'));
  router.post(shape.path, requireScope(...scopes.write), (req, res) => write(req, res, 'POST'));

  router.get(shape.path, requireScope(...scopes.read), async (req, res) => {
    req.xapiParams.allowOnly([...single, 'since'], `GET ${what}`);
    const scope = parseScope(shape, req.xapiParams);
    if (req.xapiParams.has(shape.idParam)) {
      const key = parseKey(shape, req.xapiParams, scope);
      const state = await store.read(key);
      if (!state.exists) {
        throw new NotFound({
          rule: 'document.not-found',
          pointer: `/query/${shape.idParam}`,
          message: `No document with ${shape.idParam} '${key.id}' is stored in this context.`,
        });
      }
      const content = await store.content(state);
      // Communication 3.1: quoted SHA-1 of the content; 2.2: Last-Modified.
      res.status(200);
      res.setHeader('ETag', `"${state.description.etag}"`);
      res.setHeader('Last-Modified', state.updated.toUTCString());
      res.setHeader('Content-Type', state.description.contentType);
      res.setHeader('Content-Length', String(content.length));
      res.end(content);
      return;
    }
    const since = parseSince(req.xapiParams);
    const reader = await deps.index.current(deps.readYourWritesTimeoutMs);
    const { ids, lastModifiedMs } = reader.ids(store.storedScopes(scope), since);
    if (lastModifiedMs !== null) res.setHeader('Last-Modified', new Date(lastModifiedMs).toUTCString());
    res.status(200).json(ids);
  });

  router.delete(shape.path, requireScope(...scopes.write), async (req, res) => {
    req.xapiParams.allowOnly(single, `DELETE ${what}`);
    const scope = parseScope(shape, req.xapiParams);
    const preconditions = parsePreconditions((name) => req.header(name));
    // Communication 2.3: without stateId, DELETE removes all State of the context. The
    // profile resources have no multi-document DELETE: profileId is required.
    if (shape.resource !== 'state' || req.xapiParams.has(shape.idParam)) {
      const key = { ...scope, id: parseDocumentId(shape, req.xapiParams) };
      await store.delete(key, preconditions, req.id);
    } else {
      const reader = await deps.index.current(deps.readYourWritesTimeoutMs);
      await store.deleteAll(
        reader.documents(store.storedScopes(scope)).map((d) => d.key),
        req.id,
      );
    }
    res.status(204).end();
  });
}

/** The request content, refused with 413 past the configured document size. */
async function readDocument(req: Request, limit: number): Promise<Buffer> {
  const tooLarge = (bytes?: number) =>
    new PayloadTooLarge({
      rule: 'document.size',
      pointer: '/body',
      message: `The document ${bytes === undefined ? 'is larger than' : `is ${bytes} bytes, over`} the limit of ${limit} bytes (LRS_MAX_DOCUMENT_BYTES).`,
      details: { limit },
    });
  if (req.alternateContent) {
    if (req.alternateContent.length > limit) throw tooLarge(req.alternateContent.length);
    return req.alternateContent;
  }
  try {
    return await readBody(req, { limit });
  } catch (error) {
    if (error instanceof PayloadTooLarge) {
      const declared = Number(req.header('content-length'));
      throw tooLarge(Number.isFinite(declared) && declared > limit ? declared : undefined);
    }
    throw error;
  }
}
