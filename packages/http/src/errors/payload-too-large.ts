import { HttpProblem, type ProblemInit, type ProblemOptions, problemArgs } from './http-problem';

export class PayloadTooLarge extends HttpProblem {
  override name = 'PayloadTooLarge';
  constructor(init: ProblemInit);
  constructor(rule: string, message: string, options?: ProblemOptions);
  constructor(ruleOrInit: string | ProblemInit, message?: string, options?: ProblemOptions) {
    super(413, ...problemArgs(ruleOrInit, message, options));
  }

  override headers(): Record<string, string> {
    // The rest of an oversized body is not read; closing stops the client sending it.
    return { Connection: 'close' };
  }
}
