import { Router } from 'express';

/**
 * What About lists (xAPI Communication 2.8: the latest patch version for each major version, here
 * 1.0.3 and 2.0.0). The earlier 1.0.x patch versions are listed too: every 1.0.x header is served
 * (Communication 3.3), and clients written against them, as well as the ADL suite (XAPI-00317,
 * which looks for "1.0.1"), look for their own version in this list.
 */
export const ABOUT_VERSIONS = ['1.0.0', '1.0.1', '1.0.2', '1.0.3', '2.0.0'] as const;

/**
 * The About resource (xAPI Communication 2.8): unauthenticated, never rejected for its version
 * header, and only `version` and `extensions` as properties.
 */
export function aboutRoutes(): Router {
  const router = Router();
  router.get('/about', (req, res) => {
    req.xapiParams.allowOnly([], 'About');
    // `extensions` is optional, but some clients and the ADL 1.0.3 document suite expect the key.
    res.json({ version: ABOUT_VERSIONS, extensions: {} });
  });
  return router;
}
