import { HttpProblem, type ProblemInit, type ProblemOptions, problemArgs } from './http-problem';

export class NotFound extends HttpProblem {
  override name = 'NotFound';
  constructor(init: ProblemInit);
  constructor(rule: string, message: string, options?: ProblemOptions);
  constructor(ruleOrInit: string | ProblemInit, message?: string, options?: ProblemOptions) {
    super(404, ...problemArgs(ruleOrInit, message, options));
  }
}
