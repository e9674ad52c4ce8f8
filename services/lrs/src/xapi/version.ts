import { BadRequest } from '@lrs/http';
import type { NextFunction, Request, Response } from 'express';

export type XapiVersion = '1.0.3' | '2.0.0';
export const SUPPORTED_VERSIONS: XapiVersion[] = ['1.0.3', '2.0.0'];

/**
 * Parses X-Experience-API-Version (xAPI Communication 3.3; 2.0 changes): `1.0` and `1.0.x`
 * are served as 1.0.3, `2.0` and `2.0.x` as 2.0.0; anything else is rejected with 400.
 * Returns null when the header is absent.
 */
export function parseVersionHeader(value: string | undefined): XapiVersion | null | 'invalid' {
  if (value === undefined) return null;
  const v = value.trim();
  if (/^1\.0(\.\d+)?$/.test(v)) return '1.0.3';
  if (/^2\.0(\.\d+)?$/.test(v)) return '2.0.0';
  return 'invalid';
}

declare global {
  namespace Express {
    interface Request {
      /** The xAPI version this request is served under. */
      xapiVersion: XapiVersion;
    }
  }
}

/** The version a response announces before the request is understood: its header's, else 2.0.0. */
function announcedVersion(header: string | undefined): XapiVersion {
  const parsed = parseVersionHeader(header);
  return parsed === null || parsed === 'invalid' ? '2.0.0' : parsed;
}

/**
 * Mounted first on the xAPI router: Communication 3.3 wants X-Experience-API-Version on every
 * response, including preflights and the 400s of the parameter and alternate-syntax checks that
 * run before `xapiVersion` (which sets it again once the request's version is known).
 */
export function announceVersion() {
  return (req: Request, res: Response, next: NextFunction) => {
    res.setHeader('X-Experience-API-Version', announcedVersion(req.header('x-experience-api-version')));
    next();
  };
}

/**
 * Every response carries X-Experience-API-Version (Communication 3.3), the version the request
 * is served under. A request without a valid version header is rejected with 400, except
 * About (Communication 2.8: "MUST NOT reject requests based on their version header").
 */
export function xapiVersion(options: { exempt: (req: Request) => boolean }) {
  return (req: Request, res: Response, next: NextFunction) => {
    const parsed = parseVersionHeader(req.header('x-experience-api-version'));
    const version = announcedVersion(req.header('x-experience-api-version'));
    req.xapiVersion = version;
    res.setHeader('X-Experience-API-Version', version);
    if (options.exempt(req) || req.method === 'OPTIONS') return next();
    if (parsed === null) {
      return next(
        new BadRequest({
          rule: 'version.missing',
          pointer: '/headers/X-Experience-API-Version',
          message:
            'The X-Experience-API-Version header is required (xAPI Communication 3.3); send 1.0.3 or 2.0.0.',
        }),
      );
    }
    if (parsed === 'invalid') {
      return next(
        new BadRequest({
          rule: 'version.unsupported',
          pointer: '/headers/X-Experience-API-Version',
          message: `X-Experience-API-Version '${req.header('x-experience-api-version')}' is not supported; this LRS serves 1.0.x (as 1.0.3) and 2.0.x (as 2.0.0).`,
        }),
      );
    }
    next();
  };
}
