import { readJsonBody } from '@lrs/http';
import express, { type RequestHandler, type Router } from 'express';
import { type CryptoShredder, validateErasureRequest } from './erasure';

const ERASURES_PATH = '/erasures';

/**
 * Admin API of erasures (decision 065), mounted at /api/admin: POST /erasures erases one person
 * (201 with the erasure id and pseudonym), GET /erasures lists what the log records. `guard`
 * must authenticate and require the admin scope; `principalId` names who asked.
 */
export function erasuresRouter(
  eraser: CryptoShredder,
  options: { guard: RequestHandler[]; principalId: (req: express.Request) => string },
): Router {
  const router = express.Router();
  router.use(ERASURES_PATH, ...options.guard);
  router.post(ERASURES_PATH, async (req, res) => {
    const body = await readJsonBody(req, { limit: 16 * 1024 });
    // Who asked is the signed-in administrator, never a field of the body.
    const request = validateErasureRequest({
      ...(typeof body === 'object' && body !== null && !Array.isArray(body) ? body : { subject: undefined }),
      requestedBy: options.principalId(req),
    });
    const result = await eraser.erase(request);
    res.status(201).setHeader('Cache-Control', 'no-store');
    res.json({
      erasureId: result.erasureId,
      pseudonym: result.pseudonym,
      pseudonyms: result.pseudonyms,
      at: result.at,
    });
  });
  router.get(ERASURES_PATH, async (_req, res) => {
    const erasures = await eraser.list();
    res.json({ erasures: erasures.map(({ position: _, ...e }) => e) });
  });
  return router;
}
