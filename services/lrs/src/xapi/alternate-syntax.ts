import type { IncomingMessage } from 'node:http';
import {
  BadRequest,
  PayloadTooLarge,
  ServiceUnavailable,
  Unauthorized,
  UnsupportedMediaType,
} from '@lrs/http';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { XapiParams } from './params';
import { parseVersionHeader } from './version';

/** Form fields treated as headers (Communication 1.3, "Headers"). */
const HEADER_FIELDS = [
  'Authorization',
  'X-Experience-API-Version',
  'Content-Type',
  'Content-Length',
  'If-Match',
  'If-None-Match',
];
const METHODS = ['GET', 'HEAD', 'PUT', 'POST', 'DELETE'];

export interface AlternateSyntaxOptions {
  maxBodyBytes: number;
  /**
   * Form bytes held before the request is authenticated (LRS_PREAUTH_BODY_BYTES). The form carries
   * the Authorization itself, so it is read until that field is found and checked; an anonymous
   * client cannot make the server hold more than this per request. Default 64 KiB.
   */
  preAuthBodyBytes?: number;
  /**
   * Form bytes held by all unauthenticated requests together (LRS_PREAUTH_TOTAL_BYTES); a request
   * that would pass it is 503 with Retry-After. Default 8 MiB.
   */
  preAuthTotalBytes?: number;
  /** The authentication middleware: checks the Authorization (header or form field) early. */
  authenticate?: RequestHandler;
}

/** Bytes held right now by alternate-syntax requests not yet authenticated, and the peak. */
export const unauthenticatedFormBytes = { current: 0, peak: 0 };

/**
 * The alternate request syntax of xAPI 1.0.3 (Communication 1.3): a POST with `?method=X` whose
 * url-encoded form carries the headers, the parameters and the content. It is rewritten here
 * into the request it stands for, before versioning and authentication look at it. xAPI 2.0
 * removed the syntax: such a request under 2.0 is rejected.
 */
export function alternateSyntax(options: AlternateSyntaxOptions) {
  const preAuth = options.preAuthBodyBytes ?? 64 * 1024;
  const preAuthTotal = options.preAuthTotalBytes ?? 8 * 1024 * 1024;
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      // Only a POST can be one: other requests are not parsed here (xapiParams parses them).
      if (req.method !== 'POST') return next();
      const q = req.originalUrl.indexOf('?');
      const query = new URLSearchParams(q === -1 ? '' : req.originalUrl.slice(q + 1));
      if (!query.has('method')) return next();
      const method = query.get('method')!.toUpperCase();
      if ([...query.keys()].length !== 1) {
        throw new BadRequest({
          rule: 'alternate-syntax.query',
          pointer: '/query',
          message:
            'An alternate-syntax request carries only the method parameter in its query string; send the others as form fields (xAPI Communication 1.3).',
        });
      }
      if (!METHODS.includes(method)) {
        throw new BadRequest({
          rule: 'alternate-syntax.method',
          pointer: '/query/method',
          message: `method must be one of ${METHODS.join(', ')}.`,
        });
      }
      const contentType = (req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
      // The form's own Content-Type header is a SHOULD* (Communication 1.3), so a request without one
      // (e.g. POST ?method=GET with no body, as the ADL suite sends) is read as a form too.
      if (contentType !== '' && contentType !== 'application/x-www-form-urlencoded') {
        throw new BadRequest({
          rule: 'alternate-syntax.content-type',
          pointer: '/headers/Content-Type',
          message:
            'An alternate-syntax request must be sent as application/x-www-form-urlencoded (xAPI Communication 1.3).',
        });
      }
      const body = await readForm(
        req,
        res,
        options.maxBodyBytes,
        preAuth,
        preAuthTotal,
        options.authenticate,
      );
      const form = new URLSearchParams(body.toString('utf8'));
      const params = new Map<string, string>();
      let content: string | undefined;
      let contentTypeField = false;
      for (const [name, value] of form) {
        const header = HEADER_FIELDS.find((h) => h.toLowerCase() === name.toLowerCase());
        if (header) {
          const key = header.toLowerCase();
          // Communication 1.3: these form parameters are the request's headers, so they replace
          // any the request itself carries (an unsupported version in the form is a 400 even
          // when the real header says 1.0.3). Content-Type and Content-Length describe `content`.
          if (key === 'content-type') contentTypeField = true;
          req.headers[key] = value;
        } else if (name === 'content') {
          content = value;
        } else {
          if (params.has(name)) {
            throw new BadRequest({
              rule: 'parameter.repeated',
              pointer: `/form/${name}`,
              message: `Form field '${name}' is given more than once.`,
            });
          }
          params.set(name, value);
        }
      }
      if (parseVersionHeader(req.header('x-experience-api-version')) === '2.0.0') {
        throw new BadRequest({
          rule: 'alternate-syntax.removed',
          pointer: '/query/method',
          message: 'xAPI 2.0 removed the alternate request syntax; send a plain HTTP request.',
        });
      }
      req.method = method;
      req.xapiParams = new XapiParams(params);
      // The content is a UTF-8 string (Communication 1.3: binary data is not supported).
      req.alternateContent = Buffer.from(content ?? '', 'utf8');
      if (content === undefined) delete req.headers['content-type'];
      // Clients (and the conformance suite) send statement content without a Content-Type
      // field; the request's own header describes the form, not the content, so it is JSON.
      else if (!contentTypeField) req.headers['content-type'] = 'application/json';
      req.headers['content-length'] = String(req.alternateContent.length);
      next();
    } catch (error) {
      next(error);
    }
  };
}

/**
 * Reads the form. Until the request is authenticated (its Authorization header, or the form's
 * Authorization field once it has arrived whole) at most `preAuth` bytes are held; past that the
 * request is refused (401) without reading further. Authenticated, the body may reach `max`.
 */
function readForm(
  req: Request,
  res: Response,
  max: number,
  preAuth: number,
  preAuthTotal: number,
  authenticate: RequestHandler | undefined,
): Promise<Buffer> {
  const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
  if (encoding !== 'identity')
    return Promise.reject(
      new UnsupportedMediaType(
        'body.encoding',
        `Content-Encoding '${encoding}' is not supported; send identity`,
      ),
    );
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > max) return Promise.reject(tooLarge(max));
  if (!authenticate) return readAll(req, max);
  const check = (authorization: string) => {
    const saved = req.headers.authorization;
    req.headers.authorization = authorization;
    // The authentication middleware throws (401/429) when the credentials are refused.
    return Promise.resolve(authenticate(req, res, () => {})).finally(() => {
      req.headers.authorization = saved;
    });
  };
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    let held = 0; // counted in unauthenticatedFormBytes
    let authenticated = false;
    let checking = false;
    let ended = false;
    let settled = false;
    const release = () => {
      unauthenticatedFormBytes.current -= held;
      held = 0;
    };
    const finish = (error: Error | null) => {
      if (settled) return;
      settled = true;
      release();
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
      if (error) {
        req.pause();
        chunks.length = 0;
        // The rest of the body is never read: the connection cannot carry another request.
        if (!req.complete && !res.headersSent) res.setHeader('Connection', 'close');
        reject(error);
      } else resolve(Buffer.concat(chunks, received));
    };
    const tryForm = () => {
      const value = authorizationField(Buffer.concat(chunks, received).toString('utf8'), ended);
      if (value === undefined) return ended ? finish(null) : undefined;
      checking = true;
      req.pause();
      check(value).then(
        () => {
          checking = false;
          authenticated = true;
          release();
          if (ended) finish(null);
          else req.resume();
        },
        (error: Error) => finish(error),
      );
    };
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > max) return finish(tooLarge(max));
      chunks.push(chunk);
      if (authenticated) return;
      if (unauthenticatedFormBytes.current + chunk.length > preAuthTotal)
        return finish(
          new ServiceUnavailable(
            'alternate-syntax.busy',
            'too many unauthenticated forms are being received; retry, or send the Authorization header',
            5,
          ),
        );
      held += chunk.length;
      unauthenticatedFormBytes.current += chunk.length;
      unauthenticatedFormBytes.peak = Math.max(
        unauthenticatedFormBytes.peak,
        unauthenticatedFormBytes.current,
      );
      if (received > preAuth)
        return finish(
          new Unauthorized(
            'alternate-syntax.unauthenticated-body',
            `an alternate-syntax request must be authenticated within its first ${preAuth} bytes: send the Authorization header, or the Authorization form field first`,
            undefined,
            { pointer: '/form/Authorization' },
          ),
        );
      if (!checking) tryForm();
    };
    const onEnd = () => {
      ended = true;
      if (authenticated) finish(null);
      else if (!checking) tryForm();
    };
    const onError = () => finish(new BadRequest('body.aborted', 'the request body could not be read'));
    const onClose = () => {
      if (!req.complete) finish(new BadRequest('body.aborted', 'the client closed the connection mid-body'));
    };
    const start = () => {
      req.on('data', onData);
      req.on('end', onEnd);
      req.on('error', onError);
      req.on('close', onClose);
    };
    const header = req.headers.authorization;
    if (header === undefined || header.trim() === '') return start();
    // A real Authorization header is checked before any of the body is read.
    check(header).then(
      () => {
        authenticated = true;
        start();
      },
      (error: Error) => finish(error),
    );
  });
}

/** The form's Authorization field once it has arrived whole (followed by `&`, or the form ended). */
function authorizationField(text: string, ended: boolean): string | undefined {
  const pairs = text.split('&');
  if (!ended) pairs.pop(); // may still be arriving
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const name = decodeFormPart(eq === -1 ? pair : pair.slice(0, eq));
    if (name?.toLowerCase() === 'authorization')
      return decodeFormPart(eq === -1 ? '' : pair.slice(eq + 1)) ?? '';
  }
  return undefined;
}

function decodeFormPart(part: string): string | undefined {
  try {
    return decodeURIComponent(part.replaceAll('+', ' '));
  } catch {
    return undefined;
  }
}

function readAll(req: IncomingMessage, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    req.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > max) {
        req.pause();
        reject(tooLarge(max));
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks, received)));
    req.on('error', () => reject(new BadRequest('body.aborted', 'the request body could not be read')));
  });
}

function tooLarge(limit: number): PayloadTooLarge {
  return new PayloadTooLarge('body.too_large', `request body is larger than the limit of ${limit} bytes`, {
    details: { limit },
  });
}
