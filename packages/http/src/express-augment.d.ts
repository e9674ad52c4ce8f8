import type { Logger } from 'pino';

declare global {
  namespace Express {
    interface Request {
      /** Set by requestContext(): the request id, echoed as X-Request-Id. */
      id: string;
      /** Set by requestContext(): a child logger carrying the request id. */
      log: Logger;
      /** Who made the request, for the access log (a credential or token name, never a secret). */
      credentialName?: string;
    }
  }
}
