import { HttpProblem, type ProblemInit, type ProblemOptions, problemArgs } from './http-problem';

export class TooManyRequests extends HttpProblem {
  override name = 'TooManyRequests';
  readonly retryAfterSeconds: number;

  constructor(init: ProblemInit & { retryAfterSeconds: number });
  constructor(rule: string, message: string, retryAfterSeconds: number, options?: ProblemOptions);
  constructor(
    ruleOrInit: string | (ProblemInit & { retryAfterSeconds: number }),
    message?: string,
    retryAfterSeconds?: number,
    options?: ProblemOptions,
  ) {
    if (typeof ruleOrInit === 'string') {
      super(429, ...problemArgs(ruleOrInit, message, options));
      this.retryAfterSeconds = retryAfterSeconds ?? 1;
    } else {
      const { retryAfterSeconds: seconds, ...init } = ruleOrInit;
      super(429, ...problemArgs(init));
      this.retryAfterSeconds = seconds;
    }
  }

  override headers(): Record<string, string> {
    return { 'Retry-After': String(Math.max(0, Math.ceil(this.retryAfterSeconds))) };
  }
}
