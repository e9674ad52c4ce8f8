import type { Principal } from '@lrs/auth';
import { isAdmin } from '@lrs/auth';
import { BadRequest, Forbidden, NotFound, readJsonBody } from '@lrs/http';
import { type Request, Router } from 'express';
import type { CompletionWebhooks } from './completion-webhooks';
import type { DeliveryState } from './outbox';
import { parseSubscription, publicSubscription } from './subscription';

function requireAdmin(req: Request): Principal {
  const p = req.principal!;
  if (!isAdmin(p))
    throw new Forbidden({
      rule: 'auth.scope',
      pointer: '/headers/Authorization',
      message: 'Webhook subscriptions need the admin scope.',
    });
  return p;
}

/**
 * Admin API for completion webhooks (mounted under /api/connectors/webhooks):
 *   GET / · POST / · GET|PUT|DELETE /:id · GET /:id/deliveries[?state&limit&offset]
 *   POST /:id/deliveries/:eventId/retry (put a dead-lettered delivery back in its queue)
 * The secret is write-only: no response ever contains it.
 */
export function webhookRoutes(webhooks: CompletionWebhooks): Router {
  const router = Router();
  const find = (id: string) => {
    const s = webhooks.get(id);
    if (!s)
      throw new NotFound({
        rule: 'webhook.unknown',
        pointer: '/path/id',
        message: `no webhook subscription ${id}`,
      });
    return s;
  };

  router.get('/', (req, res) => {
    requireAdmin(req);
    res.json({ subscriptions: webhooks.list().map(publicSubscription), status: webhooks.status() });
  });

  router.post('/', async (req, res) => {
    const p = requireAdmin(req);
    const s = parseSubscription(await readJsonBody(req, { limit: 64 * 1024 }));
    await webhooks.configure(s, p.id);
    res.status(201).json(publicSubscription(s));
  });

  router.get('/:id', (req, res) => {
    requireAdmin(req);
    res.json(publicSubscription(find(String(req.params.id))));
  });

  router.put('/:id', async (req, res) => {
    const p = requireAdmin(req);
    const id = String(req.params.id);
    const s = parseSubscription(await readJsonBody(req, { limit: 64 * 1024 }), id, webhooks.get(id));
    await webhooks.configure(s, p.id);
    res.json(publicSubscription(s));
  });

  router.delete('/:id', async (req, res) => {
    const p = requireAdmin(req);
    const id = String(req.params.id);
    find(id);
    await webhooks.delete(id, p.id);
    res.status(204).end();
  });

  router.get('/:id/deliveries', (req, res) => {
    requireAdmin(req);
    const id = String(req.params.id);
    find(id);
    const state = req.query.state === undefined ? null : String(req.query.state);
    if (state !== null && !['pending', 'delivered', 'dead'].includes(state))
      throw new BadRequest({
        rule: 'parameter.state',
        pointer: '/query/state',
        message: 'state must be pending, delivered or dead.',
      });
    const limit = Number(req.query.limit ?? 100);
    const offset = Number(req.query.offset ?? 0);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
      throw new BadRequest({
        rule: 'parameter.limit',
        pointer: '/query/limit',
        message: 'limit must be 1-1000.',
      });
    if (!Number.isInteger(offset) || offset < 0)
      throw new BadRequest({
        rule: 'parameter.offset',
        pointer: '/query/offset',
        message: 'offset must be ≥ 0.',
      });
    res.json({
      deliveries: webhooks.deliveries(id, state as DeliveryState | null, limit, offset).map((d) => ({
        eventId: d.eventId,
        officialId: d.officialId,
        state: d.state,
        attempts: d.attempts,
        nextAttemptAt: d.state === 'pending' ? new Date(d.nextAttemptAt).toISOString() : null,
        lastError: d.lastError,
        event: JSON.parse(d.body) as unknown,
      })),
    });
  });

  router.post('/:id/deliveries/:eventId/retry', (req, res) => {
    requireAdmin(req);
    const id = String(req.params.id);
    find(id);
    if (!webhooks.requeue(id, String(req.params.eventId)))
      throw new NotFound({
        rule: 'webhook.delivery.not-dead',
        pointer: '/path/eventId',
        message: 'no dead-lettered delivery with this event id',
      });
    res.json({ requeued: true });
  });
  return router;
}
