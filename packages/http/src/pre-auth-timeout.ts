import type { RequestHandler } from 'express';

/**
 * A request whose body is still arriving and that has not been authenticated after `ms` loses
 * its connection. Without it an anonymous client trickling a body (refused at once with 401, or
 * read before authentication by the xAPI alternate request syntax) would hold the connection
 * until the server's request timeout (5 minutes, sized for large authenticated uploads).
 */
export function preAuthBodyTimeout(ms: number): RequestHandler {
  return (req, _res, next) => {
    const hasBody =
      req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
    if (!hasBody || req.complete) return next();
    const timer = setTimeout(() => {
      // @lrs/auth sets req.principal; this package sits below auth, so read it structurally.
      const authenticated = (req as { principal?: unknown }).principal !== undefined;
      if (!authenticated && !req.complete) req.socket.destroy();
    }, ms);
    timer.unref();
    req.once('close', () => clearTimeout(timer));
    next();
  };
}
