import type { NextFunction, Request, Response } from 'express';

const ALLOWED_HEADERS = [
  'Authorization',
  'Content-Type',
  'X-Experience-API-Version',
  'If-Match',
  'If-None-Match',
  'X-Request-Id',
  'Accept-Language',
].join(', ');
const EXPOSED_HEADERS = [
  'ETag',
  'Last-Modified',
  'Content-Type',
  'X-Experience-API-Version',
  'X-Experience-API-Consistent-Through',
  'X-Request-Id',
  'Retry-After',
].join(', ');

/**
 * CORS for browser-launched content (cmi5 units, SCORM wrappers) calling the LRS from another
 * origin. Credentials travel in the Authorization header, never in cookies, so reflecting the
 * origin does not expose ambient authority. Preflights are answered before authentication.
 */
export function cors() {
  return (req: Request, res: Response, next: NextFunction) => {
    const origin = req.header('origin');
    res.setHeader('Access-Control-Allow-Origin', origin ?? '*');
    if (origin) res.setHeader('Vary', 'Origin');
    res.setHeader('Access-Control-Expose-Headers', EXPOSED_HEADERS);
    if (req.method === 'OPTIONS') {
      res.setHeader('Access-Control-Allow-Methods', 'GET, HEAD, PUT, POST, DELETE, OPTIONS');
      res.setHeader(
        'Access-Control-Allow-Headers',
        req.header('access-control-request-headers') ?? ALLOWED_HEADERS,
      );
      res.setHeader('Access-Control-Max-Age', '86400');
      res.status(204).end();
      return;
    }
    next();
  };
}
