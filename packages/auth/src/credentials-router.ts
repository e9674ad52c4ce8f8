import { BadRequest, NotFound, readJsonBody } from '@lrs/http';
import express, { type RequestHandler, type Router } from 'express';
import { requireScope } from './authenticate';
import type { CredentialRegistry } from './credential-registry';

/** Relative to the router's mount point; the app mounts it at /api/admin. */
const CREDENTIALS_PATH = '/credentials';

export interface CredentialsRouterOptions {
  /** authenticate() middleware; when omitted, an earlier middleware must set req.principal. */
  authenticate?: RequestHandler;
}

/**
 * Admin API, mounted at /api/admin: POST/GET /credentials, GET/DELETE /credentials/:key. Admin principals only (scope `admin`,
 * which `all` does not imply). A new secret appears in the POST response and nowhere else.
 */
export function credentialsRouter(
  registry: CredentialRegistry,
  options: CredentialsRouterOptions = {},
): Router {
  const router = express.Router();
  const guard = [...(options.authenticate ? [options.authenticate] : []), requireScope('admin')];
  router.use(CREDENTIALS_PATH, ...guard);

  router.post(CREDENTIALS_PATH, async (req, res) => {
    const body = await readJsonBody(req, { limit: 16 * 1024 });
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw new BadRequest(
        'credential.body',
        'body must be a JSON object { name, scopes, roles?, jurisdiction? }',
      );
    }
    const {
      name,
      scopes = [],
      roles,
      jurisdiction,
    } = body as {
      name?: unknown;
      scopes?: unknown;
      roles?: unknown;
      jurisdiction?: unknown;
    };
    if (typeof name !== 'string')
      throw new BadRequest('credential.name', 'name must be a string', { pointer: '/name' });
    if (!Array.isArray(scopes) || !scopes.every((s) => typeof s === 'string')) {
      throw new BadRequest('credential.scopes', 'scopes must be an array of strings', { pointer: '/scopes' });
    }
    if (roles !== undefined && (!Array.isArray(roles) || !roles.every((r) => typeof r === 'string')))
      throw new BadRequest('credential.roles', 'roles must be an array of strings', { pointer: '/roles' });
    if (jurisdiction !== undefined && typeof jurisdiction !== 'string')
      throw new BadRequest('credential.jurisdiction', 'jurisdiction must be a string', {
        pointer: '/jurisdiction',
      });
    const issued = await registry.issue({
      name,
      scopes,
      issuedBy: req.principal!.id,
      ...(roles !== undefined ? { roles: roles as string[] } : {}),
      ...(jurisdiction !== undefined ? { jurisdiction } : {}),
    });
    res.status(201);
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Location', `${req.baseUrl}${CREDENTIALS_PATH}/${issued.key}`);
    res.json({ ...issued.credential, secret: issued.secret });
  });

  router.get(CREDENTIALS_PATH, (_req, res) => {
    res.json({ credentials: registry.list() });
  });

  router.get(`${CREDENTIALS_PATH}/:key`, (req, res) => {
    const credential = registry.get(String(req.params['key']));
    if (!credential)
      throw new NotFound('credential.unknown', `no credential with key '${req.params['key']}'`);
    res.json(credential);
  });

  router.delete(`${CREDENTIALS_PATH}/:key`, async (req, res) => {
    const reason =
      typeof req.query['reason'] === 'string' ? req.query['reason'].slice(0, 500) : 'revoked by admin';
    const credential = await registry.revoke(String(req.params['key']), {
      revokedBy: req.principal!.id,
      reason,
    });
    res.json(credential);
  });

  return router;
}
