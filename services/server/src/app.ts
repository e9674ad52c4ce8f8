import { authenticate, credentialsRouter, principalKey, requireScope } from '@lrs/auth';
import { createApp, createLogger, Forbidden, type Logger, rateLimit } from '@lrs/http';
import { erasuresRouter } from '@lrs/privacy';
import { mountAudit } from '@lrs/service-audit';
import { mountCompletion } from '@lrs/service-completion';
import { xapiRouter } from '@lrs/service-lrs';
import { portalRouter } from '@lrs/service-portal';
import { mountPrivacy } from '@lrs/service-privacy';
import { mountTranscripts } from '@lrs/service-transcripts';
import type express from 'express';
import type { LrsSystem } from './system';

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
    // An anonymous probe gets a bare liveness answer; the store, head and projection
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
      let degraded = false;
      for (const projection of running) {
        const lag = await projection.lag();
        const { state, subscription } = projection.status();
        projections[projection.projection.name] = {
          status: state,
          position: lag.position,
          behind: Number(lag.behind),
          unit: lag.unit,
          secondsBehind: lag.secondsBehind,
          // EventStoreDB: a subscription the server dropped is being opened again.
          ...(subscription ? { subscription } : {}),
        };
        if (subscription?.state === 'resubscribing') degraded = true;
      }
      // The log's own subscriptions on this thread (credential registry, connectors).
      const subscriptions = system.log.subscriptionStates?.();
      if (subscriptions?.some((s) => s.state === 'resubscribing' || s.state === 'failed')) degraded = true;
      return {
        ...(degraded ? { status: 'degraded' } : {}),
        store: system.log.kind,
        head: await system.log.headPosition(),
        projections,
        ...(subscriptions ? { subscriptions } : {}),
        // The retention job: `dry-run-only` until an eraser is wired (decision 071).
        retention: system.privacy.retention.jobStatus(),
      };
    },
    routes: (app) => {
      const auth = authenticate(system.credentials, system.jwt);
      app.use('/xapi', xapiRouter({ ...system, authenticate: auth, limiter }));
      app.use('/api/admin', auth, limiter, credentialsRouter(system.credentials));
      // Erasure of one person (decision 065): administrators only.
      app.use(
        '/api/admin',
        erasuresRouter(system.eraser, {
          guard: [requireScope('admin')],
          principalId: (req) => principalKey(req.principal!),
        }),
      );
      app.use('/api/connectors', auth, system.connectors.router());
      mountTranscripts(app, system.transcripts, { ...system, admin: true });
      mountCompletion(app, system.completion, system);
      mountAudit(app, system.audit, system);
      mountPrivacy(app, system.privacy, system);
      // The web portal last: its paths never shadow /xapi or /api.
      app.use(
        '/',
        portalRouter({
          ...system,
          personalData: (principal, officialId, query) =>
            system.privacy.downloadOfficial(principal, officialId, query),
        }),
      );
    },
  });
  return app;
}
