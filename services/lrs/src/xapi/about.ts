import { Router } from 'express';
import { SUPPORTED_VERSIONS } from './version';

/**
 * The About resource (xAPI Communication 2.8): unauthenticated, never rejected for its version
 * header, and only `version` and `extensions` as properties.
 */
export function aboutRoutes(): Router {
  const router = Router();
  router.get('/about', (req, res) => {
    req.xapiParams.allowOnly([], 'About');
    res.json({ version: SUPPORTED_VERSIONS });
  });
  return router;
}
