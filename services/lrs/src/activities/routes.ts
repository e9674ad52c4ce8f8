import { requireScope } from '@lrs/auth';
import { Router } from 'express';
import { parseActivityId } from '../documents/document-params';
import type { ActivitiesIndex } from './activities-index';

const READ_SCOPES = ['statements/read', 'all/read', 'all', 'define', 'profile', 'state'];

/** The Activities resource (xAPI Communication 2.5): the canonical Activity object. */
export function activityRoutes(deps: { index: ActivitiesIndex; readYourWritesTimeoutMs: number }): Router {
  const router = Router();
  router.get('/activities', requireScope(...READ_SCOPES), async (req, res) => {
    req.xapiParams.allowOnly(['activityId'], 'GET activities');
    const id = parseActivityId(req.xapiParams);
    await deps.index.catchUp(deps.readYourWritesTimeoutMs);
    const definition = deps.index.definition(id);
    // Communication 2.5: an Activity the LRS knows nothing about is still returned, bare.
    res.status(200).json({ objectType: 'Activity', id, ...(definition ? { definition } : {}) });
  });
  return router;
}
