import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';

/** An incoming X-Request-Id is echoed only when it cannot smuggle anything into logs or headers. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Gives each request an id (X-Request-Id in and out), a child logger, and one access-log
 * line when the response finishes or the connection drops. The line holds the path and
 * the names of query parameters only: xAPI queries carry agents (personal data) and the
 * 1.0.3 alternate syntax can carry an Authorization value in the query.
 */
export function requestContext(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const incoming = req.get('x-request-id');
    const requestId = incoming !== undefined && SANE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    req.id = requestId;
    // The child logger is made when something logs: most requests log only their access line.
    let child: Logger | undefined;
    Object.defineProperty(req, 'log', {
      get: () => (child ??= logger.child({ requestId })),
      configurable: true,
    });
    res.setHeader('X-Request-Id', requestId);
    const started = process.hrtime.bigint();
    // 'close' follows the end of every response, and also comes alone when the connection drops.
    res.once('close', () => {
      const level = res.statusCode >= 500 ? 'error' : 'info';
      if (!logger.isLevelEnabled(level)) return;
      const [path = '', query] = req.originalUrl.split('?', 2);
      const line = {
        method: req.method,
        path: path.slice(0, 512),
        ...(query ? { queryParams: queryParamNames(query) } : {}),
        status: res.statusCode,
        ms: Number((process.hrtime.bigint() - started) / 1000n) / 1000,
        ...(req.credentialName ? { credential: req.credentialName } : {}),
        ...(res.writableFinished ? {} : { aborted: true }),
      };
      req.log[level](line, 'request');
    });
    next();
  };
}

function queryParamNames(query: string): string[] {
  const names = new Set<string>();
  for (const name of new URLSearchParams(query).keys()) {
    if (names.size >= 20) break;
    names.add(name.slice(0, 64));
  }
  return [...names];
}
