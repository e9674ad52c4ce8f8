import { HttpProblem, type ProblemInit, type ProblemOptions, problemArgs } from './http-problem';

export class Forbidden extends HttpProblem {
  override name = 'Forbidden';
  constructor(init: ProblemInit);
  constructor(rule: string, message: string, options?: ProblemOptions);
  constructor(ruleOrInit: string | ProblemInit, message?: string, options?: ProblemOptions) {
    super(403, ...problemArgs(ruleOrInit, message, options));
  }
}
