/**
 * A failure the client is told about: an HTTP status, a stable machine-readable `rule`
 * (e.g. 'json.syntax', 'auth.scope'), a human message, and optionally a JSON pointer
 * into the request and structured details. errorMiddleware renders every subclass.
 */
export interface ProblemOptions {
  pointer?: string;
  details?: Record<string, unknown>;
  cause?: unknown;
}

/** The object form every problem class also accepts: `new BadRequest({ rule, message, pointer })`. */
export interface ProblemInit extends ProblemOptions {
  rule: string;
  message: string;
}

/** Normalises the two constructor forms (rule, message, options) and ({ rule, message, ... }). */
export function problemArgs(
  ruleOrInit: string | ProblemInit,
  message?: string,
  options?: ProblemOptions,
): [rule: string, message: string, options: ProblemOptions] {
  if (typeof ruleOrInit === 'string') return [ruleOrInit, message ?? ruleOrInit, options ?? {}];
  const { rule, message: text, ...rest } = ruleOrInit;
  return [rule, text, rest];
}

export class HttpProblem extends Error {
  override name = 'HttpProblem';
  readonly pointer: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(
    readonly status: number,
    readonly rule: string,
    message: string,
    options: ProblemOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.pointer = options.pointer;
    this.details = options.details;
  }

  /** Response headers this problem needs besides Content-Type (challenges, Retry-After). */
  headers(): Record<string, string | string[]> {
    return {};
  }
}
