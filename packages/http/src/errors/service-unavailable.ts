import { HttpProblem, type ProblemInit, type ProblemOptions, problemArgs } from './http-problem';

export class ServiceUnavailable extends HttpProblem {
  override name = 'ServiceUnavailable';
  readonly retryAfterSeconds: number | undefined;

  constructor(init: ProblemInit & { retryAfterSeconds?: number });
  constructor(rule: string, message: string, retryAfterSeconds?: number, options?: ProblemOptions);
  constructor(
    ruleOrInit: string | (ProblemInit & { retryAfterSeconds?: number }),
    message?: string,
    retryAfterSeconds?: number,
    options?: ProblemOptions,
  ) {
    if (typeof ruleOrInit === 'string') {
      super(503, ...problemArgs(ruleOrInit, message, options));
      this.retryAfterSeconds = retryAfterSeconds;
    } else {
      const { retryAfterSeconds: seconds, ...init } = ruleOrInit;
      super(503, ...problemArgs(init));
      this.retryAfterSeconds = seconds;
    }
  }

  override headers(): Record<string, string> {
    return this.retryAfterSeconds === undefined
      ? {}
      : { 'Retry-After': String(Math.ceil(this.retryAfterSeconds)) };
  }
}
