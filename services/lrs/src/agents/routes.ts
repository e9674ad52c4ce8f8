import { requireScope } from '@lrs/auth';
import { Router } from 'express';
import { parseAgent } from '../documents/document-params';
import type { AgentsIndex } from './agents-index';

/**
 * Communication 2.4: combining identifiers SHOULD need explicitly given permission; reading
 * all statements (or all/read) already reveals every identifier a Person would combine.
 */
const READ_SCOPES = ['statements/read', 'all/read', 'all', 'profile'];

/** The Agents resource (xAPI Communication 2.4): the Person object for an Agent. */
export function agentRoutes(deps: { index: AgentsIndex; readYourWritesTimeoutMs: number }): Router {
  const router = Router();
  router.get('/agents', requireScope(...READ_SCOPES), async (req, res) => {
    req.xapiParams.allowOnly(['agent'], 'GET agents');
    const agent = parseAgent(req.xapiParams);
    await deps.index.catchUp(deps.readYourWritesTimeoutMs);
    res.status(200).json(deps.index.person(agent));
  });
  return router;
}
