import {
  AppendTooLargeError,
  InvalidPositionError,
  StoreUnavailableError,
  StreamDeletedError,
  StreamNotFoundError,
  WrongExpectedRevisionError,
} from '@lrs/event-log';
import type { ErrorRequestHandler } from 'express';
import type { Logger } from 'pino';
import {
  BadRequest,
  HttpProblem,
  NotFound,
  PayloadTooLarge,
  ServiceUnavailable,
  UnsupportedMediaType,
} from './errors';
import { jsonSyntaxProblem } from './json';

export interface ProblemBody {
  error: {
    status: number;
    rule: string;
    message: string;
    pointer?: string;
    details?: Record<string, unknown>;
  };
  requestId?: string;
}

/**
 * Maps anything thrown to an HttpProblem. Client mistakes are always 4xx with a rule; store
 * failures are 503/413; only a bug becomes a 500, with a message that reveals nothing.
 */
export function toProblem(error: unknown): HttpProblem {
  if (error instanceof HttpProblem) return error;
  if (error instanceof StoreUnavailableError) return storeUnavailable(error);
  if (error instanceof AppendTooLargeError) {
    return new PayloadTooLarge(
      'store.append_too_large',
      `the write is ${error.bytes} bytes, over the log's limit of ${error.limit} bytes per append`,
      { details: { limit: error.limit } },
    );
  }
  if (error instanceof WrongExpectedRevisionError) {
    return new HttpProblem(409, 'store.concurrent_write', 'a concurrent write changed this resource; retry');
  }
  if (error instanceof StreamNotFoundError) return new NotFound('store.not_found', 'not found');
  if (error instanceof StreamDeletedError) {
    return new HttpProblem(
      410,
      'store.stream_deleted',
      'this resource was deleted from the event store by an operator',
    );
  }
  if (error instanceof InvalidPositionError) {
    return new BadRequest('store.invalid_position', 'the position given is not a position in this event log');
  }
  const mapped = bodyParserProblem(error);
  if (mapped) return mapped;
  return new HttpProblem(500, 'internal', 'internal error; quote the request id when reporting it', {
    cause: error,
  });
}

function storeUnavailable(error: StoreUnavailableError): ServiceUnavailable {
  switch (error.reason) {
    case 'disk_full':
      return new ServiceUnavailable(
        'store.disk_full',
        'the event store is out of disk space; nothing was written',
        60,
      );
    case 'unreachable':
      return new ServiceUnavailable('store.unreachable', 'the event store cannot be reached; retry later', 5);
    case 'access_denied':
      // The service's own credentials are wrong: not the caller's fault, nothing was written.
      return new ServiceUnavailable(
        'store.access_denied',
        "the event store refused the service's credentials; an operator must fix its configuration",
        60,
      );
    case 'closed':
      return new ServiceUnavailable('store.closed', 'the service is shutting down; retry later', 5);
    default:
      return new ServiceUnavailable('store.unavailable', 'the event store is unavailable', 30);
  }
}

/** body-parser / http-errors shape: { type, status, expose, body? }. */
function bodyParserProblem(error: unknown): HttpProblem | null {
  if (error === null || typeof error !== 'object') return null;
  const e = error as {
    type?: unknown;
    status?: unknown;
    statusCode?: unknown;
    expose?: unknown;
    body?: unknown;
  };
  const status =
    typeof e.status === 'number' ? e.status : typeof e.statusCode === 'number' ? e.statusCode : null;
  switch (e.type) {
    case 'entity.parse.failed':
      return typeof e.body === 'string'
        ? jsonSyntaxProblem(e.body)
        : new BadRequest('json.syntax', 'request body is not valid JSON');
    case 'entity.too.large':
    case 'parameters.too.many':
      return new PayloadTooLarge('body.too_large', 'request body is larger than the limit');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new UnsupportedMediaType(
        'body.encoding',
        'the request body encoding or charset is not supported',
      );
    case 'request.aborted':
      return new BadRequest('body.aborted', 'the client aborted the request body');
    case 'request.size.invalid':
      return new BadRequest('body.length', 'request body length does not match Content-Length');
  }
  // Other http-errors marked safe to expose (express' own 4xx, e.g. a malformed URI).
  if (status !== null && status >= 400 && status < 500 && e.expose === true && error instanceof Error) {
    return new HttpProblem(status, `http.${status}`, error.message);
  }
  return null;
}

export function problemBody(problem: HttpProblem, requestId?: string): ProblemBody {
  return {
    error: {
      status: problem.status,
      rule: problem.rule,
      message: problem.message,
      ...(problem.pointer === undefined ? {} : { pointer: problem.pointer }),
      ...(problem.details === undefined ? {} : { details: problem.details }),
    },
    ...(requestId === undefined ? {} : { requestId }),
  };
}

/** Last middleware: renders any error as a JSON problem; logs 5xx with their stack. */
export function errorMiddleware(logger?: Logger): ErrorRequestHandler {
  return (error, req, res, next) => {
    const problem = toProblem(error);
    const log = req.log ?? logger;
    if (problem.status >= 500) {
      log?.error({ err: problem.cause ?? error, rule: problem.rule }, 'request failed');
    } else {
      log?.debug({ rule: problem.rule, status: problem.status }, 'request rejected');
    }
    if (res.headersSent) {
      // Too late for a problem body; cut the response so the client sees it failed.
      next(error);
      return;
    }
    res.status(problem.status);
    for (const [name, value] of Object.entries(problem.headers())) res.setHeader(name, value);
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.send(JSON.stringify(problemBody(problem, req.id)));
  };
}
