import { BadRequest } from '@lrs/http';
import type { NextFunction, Request, Response } from 'express';

/**
 * The request's parameters as xAPI sees them: from the query string, or from the form of an
 * alternate-syntax request (Communication 1.3). Kept apart from express's `req.query`, whose
 * parser silently turns repeated parameters into arrays and nested brackets into objects.
 */
export class XapiParams {
  constructor(private readonly values: Map<string, string>) {}

  static fromQueryString(query: string): XapiParams {
    const values = new Map<string, string>();
    for (const [name, value] of new URLSearchParams(query)) {
      if (values.has(name)) {
        throw new BadRequest({
          rule: 'parameter.repeated',
          pointer: `/query/${name}`,
          message: `Parameter '${name}' is given more than once.`,
        });
      }
      values.set(name, value);
    }
    return new XapiParams(values);
  }

  get(name: string): string | undefined {
    return this.values.get(name);
  }

  has(name: string): boolean {
    return this.values.has(name);
  }

  names(): string[] {
    return [...this.values.keys()];
  }

  /**
   * Communication 3.2: reject parameters the LRS does not recognise in this context, and
   * parameters that match a known one in all but case, with 400.
   */
  allowOnly(allowed: readonly string[], context: string): void {
    for (const name of this.values.keys()) {
      if (allowed.includes(name)) continue;
      const caseVariant = allowed.find((a) => a.toLowerCase() === name.toLowerCase());
      throw new BadRequest({
        rule: caseVariant ? 'parameter.case' : 'parameter.unknown',
        pointer: `/query/${name}`,
        message: caseVariant
          ? `Parameter '${name}' must be spelled '${caseVariant}' (parameters are case sensitive).`
          : `Parameter '${name}' is not recognised by ${context}; allowed: ${allowed.join(', ')}.`,
      });
    }
  }

  require(name: string): string {
    const value = this.values.get(name);
    if (value === undefined) {
      throw new BadRequest({
        rule: 'parameter.required',
        pointer: `/query/${name}`,
        message: `Parameter '${name}' is required.`,
      });
    }
    return value;
  }

  boolean(name: string, fallback: boolean): boolean {
    const value = this.values.get(name);
    if (value === undefined) return fallback;
    if (value === 'true') return true;
    if (value === 'false') return false;
    throw new BadRequest({
      rule: 'parameter.boolean',
      pointer: `/query/${name}`,
      message: `Parameter '${name}' must be true or false.`,
    });
  }
}

declare global {
  namespace Express {
    interface Request {
      xapiParams: XapiParams;
      /** The request content of an alternate-syntax request (Communication 1.3). */
      alternateContent?: Buffer;
    }
  }
}

/** Parses the raw query string into req.xapiParams, unless alternate syntax already did. */
export function xapiParams() {
  return (req: Request, _res: Response, next: NextFunction) => {
    if (req.xapiParams) return next();
    const q = req.originalUrl.indexOf('?');
    req.xapiParams = XapiParams.fromQueryString(q === -1 ? '' : req.originalUrl.slice(q + 1));
    next();
  };
}
