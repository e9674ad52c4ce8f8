import { createServer, IncomingMessage, type Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EventLog } from '@lrs/event-log';
import { Position } from '@lrs/event-log';
import express, { type Express, type Request, type RequestHandler, type Response } from 'express';
import type { Logger } from 'pino';
import { errorMiddleware } from './error-middleware';
import { NotFound, ServiceUnavailable } from './errors';
import { createLogger } from './logger';
import { preAuthBodyTimeout } from './pre-auth-timeout';
import { requestContext } from './request-context';

export interface AppOptions {
  /** Default: a logger at level info on stdout. */
  logger?: Logger;
  /** When given, GET /health reports its kind and head position (and fails 503 when it is down). */
  eventLog?: Pick<EventLog, 'kind' | 'headPosition' | 'subscriptionStates'>;
  /** Extra facts for GET /health (log positions are rendered with Position.toString). */
  health?: () => Record<string, unknown> | Promise<Record<string, unknown>>;
  /**
   * Whether this request may see the health details (log kind, head, `health()` facts). Throws
   * the 401/403 problem for credentials that are wrong or not enough; false for an anonymous
   * liveness probe. Without it nobody sees details: every endpoint is authenticated except a
   * liveness answer that reveals nothing (docs/RELIABILITY.md).
   */
  healthDetails?: (req: Request, res: Response) => Promise<boolean>;
  /** Mounts the service's routes between the request context and the error middleware. */
  routes?: (app: Express) => void;
  /** An unauthenticated request's body must have arrived within this time (pre-auth-timeout.ts). Default 10 s. */
  preAuthBodyTimeoutMs?: number;
}

const securityHeaders: RequestHandler = (_req, res, next) => {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Content-Security-Policy', "frame-ancestors 'none'");
  res.setHeader('Referrer-Policy', 'no-referrer');
  next();
};

/** An express 5 app with request context, security headers, /health, a JSON 404 and errorMiddleware last. */
export function createApp(options: AppOptions): Express {
  const logger = options.logger ?? createLogger({ logLevel: 'info' });
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag'); // resources that need ETags (xAPI documents) compute their own
  app.use(requestContext(logger));
  app.use(preAuthBodyTimeout(options.preAuthBodyTimeoutMs ?? 10_000));
  app.use(securityHeaders);

  app.get('/health', async (req, res) => {
    const detailed = options.healthDetails ? await options.healthDetails(req, res) : false;
    const body: Record<string, unknown> = { status: 'ok' };
    res.setHeader('Cache-Control', 'no-store');
    try {
      // The probes run for an anonymous liveness check too: "ok" must mean the store answers.
      const log = options.eventLog;
      if (log) {
        // EventStoreDB: subscriptions the server dropped are resubscribing (back-off) or failed.
        const subscriptions = log.subscriptionStates?.();
        body['log'] = {
          kind: log.kind,
          head: await log.headPosition(),
          ...(subscriptions ? { subscriptions } : {}),
        };
        if (subscriptions?.some((s) => s.state === 'resubscribing' || s.state === 'failed'))
          body['status'] = 'degraded';
      }
      if (options.health) Object.assign(body, await options.health());
    } catch (error) {
      if (detailed) throw error;
      req.log.warn({ err: error }, 'health probe failed');
      throw new ServiceUnavailable('health.unavailable', 'the service is not healthy');
    }
    const answer = detailed ? body : { status: 'ok' };
    res.type('application/json').send(JSON.stringify(answer, positionsAsText));
  });

  options.routes?.(app);

  app.use((req, _res, next) => {
    next(new NotFound('http.route', `no resource at ${req.method} ${req.path}`));
  });
  app.use(errorMiddleware(logger));
  return app;
}

/** JSON replacer: log positions (bigint pairs) as Position.toString text, other bigints as decimals. */
function positionsAsText(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value !== null && typeof value === 'object' && 'commit' in value && 'prepare' in value) {
    const { commit, prepare } = value as { commit: unknown; prepare: unknown };
    if (typeof commit === 'bigint' && typeof prepare === 'bigint')
      return Position.toString({ commit, prepare });
  }
  return value;
}

export interface ListenOptions {
  port: number;
  host: string;
  /** Time to receive a request's headers; cuts slow-loris connections. Default 10 s. */
  headersTimeoutMs?: number;
  /** Time to receive a whole request (headers and body). Default 5 min, for large attachments. */
  requestTimeoutMs?: number;
  keepAliveTimeoutMs?: number;
  /** Open connections at once (LRS_MAX_CONNECTIONS); Node closes any further one at once. Default 1024. */
  maxConnections?: number;
}

export interface Listening {
  server: Server;
  url: string;
  close(): Promise<void>;
}

/**
 * Request and response classes whose instances are born with the app's own prototypes (express's
 * `app.request` and `app.response`, which extend node's). Express sets those prototypes on every
 * request (`Object.setPrototypeOf` in app.handle); on objects that already have them that is a
 * no-op, while changing the prototype of a live object costs V8 its fast paths for the whole
 * request: a minimal express app answered 2.5x more requests (hello-world PUT+GET, client and
 * server in one process: 7.5-9.3k -> 19.7-24.8k ops/s).
 */
function expressClasses(app: Express): {
  IncomingMessage: typeof IncomingMessage;
  ServerResponse: typeof ServerResponse;
} {
  function Request(this: IncomingMessage, socket: ConstructorParameters<typeof IncomingMessage>[0]) {
    IncomingMessage.call(this, socket);
  }
  Request.prototype = app.request;
  function Response(this: ServerResponse, req: IncomingMessage, options?: object) {
    (ServerResponse as unknown as (req: IncomingMessage, options?: object) => void).call(this, req, options);
  }
  Response.prototype = app.response;
  return {
    IncomingMessage: Request as unknown as typeof IncomingMessage,
    ServerResponse: Response as unknown as typeof ServerResponse,
  };
}

export function listen(app: Express, options: ListenOptions): Promise<Listening> {
  const headersTimeout = options.headersTimeoutMs ?? 10_000;
  const requestTimeout = Math.max(options.requestTimeoutMs ?? 300_000, headersTimeout);
  const server = createServer(
    {
      ...expressClasses(app),
      headersTimeout,
      requestTimeout,
      keepAliveTimeout: options.keepAliveTimeoutMs ?? 5_000,
      // Node only enforces the two timeouts above when it sweeps connections; sweep often
      // enough that short test timeouts are honoured too.
      connectionsCheckingInterval: Math.min(1_000, headersTimeout),
    },
    app,
  );
  server.maxConnections = options.maxConnections ?? 1024;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      const address = server.address() as AddressInfo;
      const host =
        address.address === '0.0.0.0' || address.address === '::'
          ? 'localhost'
          : address.family === 'IPv6'
            ? `[${address.address}]`
            : address.address;
      resolve({
        server,
        url: `http://${host}:${address.port}`,
        close: () =>
          new Promise<void>((done, fail) => {
            server.close((error) => (error ? fail(error) : done()));
            server.closeIdleConnections();
            // In-flight requests get a moment to finish before their sockets are cut.
            setTimeout(() => server.closeAllConnections(), 2_000).unref();
          }),
      });
    });
  });
}
