import { HttpProblem } from '@lrs/http';
import type { NextFunction, Request, Response } from 'express';

/** The methods each xAPI resource answers (Communication 2.1-2.8); HEAD goes with GET (Communication 1.1). */
const RESOURCE_METHODS: Record<string, readonly string[]> = {
  '/statements': ['GET', 'HEAD', 'PUT', 'POST'],
  '/activities/state': ['GET', 'HEAD', 'PUT', 'POST', 'DELETE'],
  '/activities/profile': ['GET', 'HEAD', 'PUT', 'POST', 'DELETE'],
  '/agents/profile': ['GET', 'HEAD', 'PUT', 'POST', 'DELETE'],
  '/activities': ['GET', 'HEAD'],
  '/agents': ['GET', 'HEAD'],
  '/about': ['GET', 'HEAD'],
};

class MethodNotAllowed extends HttpProblem {
  constructor(
    method: string,
    path: string,
    private readonly allowed: readonly string[],
  ) {
    super(405, 'method.not-allowed', `${path} does not accept ${method}; it accepts ${allowed.join(', ')}.`, {
      pointer: '/method',
    });
  }

  override headers(): Record<string, string> {
    return { Allow: this.allowed.join(', ') };
  }
}

/**
 * Mounted after every resource route: a request that reached it names an xAPI resource with a
 * method the resource does not have (e.g. DELETE /statements), which HTTP answers with 405 and
 * an Allow header (RFC 9110 15.5.6), not 404. The ADL suite checks this for statements, agents
 * and activities.
 */
export function methodNotAllowed() {
  return (req: Request, _res: Response, next: NextFunction) => {
    const path = req.path.length > 1 ? req.path.replace(/\/+$/, '') : req.path;
    const allowed = RESOURCE_METHODS[path];
    if (allowed && !allowed.includes(req.method)) {
      next(new MethodNotAllowed(req.method, path, allowed));
      return;
    }
    next();
  };
}
