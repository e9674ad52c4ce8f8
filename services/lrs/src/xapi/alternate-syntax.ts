import { BadRequest, readBody } from '@lrs/http';
import type { NextFunction, Request, Response } from 'express';
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
const HEADERS_KEPT = ['authorization', 'x-experience-api-version'];

/**
 * The alternate request syntax of xAPI 1.0.3 (Communication 1.3): a POST with `?method=X` whose
 * url-encoded form carries the headers, the parameters and the content. It is rewritten here
 * into the request it stands for, before versioning and authentication look at it. xAPI 2.0
 * removed the syntax: such a request under 2.0 is rejected.
 */
export function alternateSyntax(options: { maxBodyBytes: number }) {
  return async (req: Request, _res: Response, next: NextFunction) => {
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
      const body = await readBody(req, { limit: options.maxBodyBytes });
      const form = new URLSearchParams(body.toString('utf8'));
      const params = new Map<string, string>();
      let content: string | undefined;
      let contentTypeField = false;
      for (const [name, value] of form) {
        const header = HEADER_FIELDS.find((h) => h.toLowerCase() === name.toLowerCase());
        if (header) {
          const key = header.toLowerCase();
          // A header the client could really send wins over its form copy: the ADL conformance
          // suite sends a valid version header together with a form field '0.8' and expects the
          // request to succeed. Content-Type and Content-Length always describe `content`.
          if (HEADERS_KEPT.includes(key) && req.headers[key] !== undefined) continue;
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
