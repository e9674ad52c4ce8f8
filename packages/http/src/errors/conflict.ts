import { HttpProblem, type ProblemInit, type ProblemOptions, problemArgs } from './http-problem';

export class Conflict extends HttpProblem {
  override name = 'Conflict';
  constructor(init: ProblemInit);
  constructor(rule: string, message: string, options?: ProblemOptions);
  constructor(ruleOrInit: string | ProblemInit, message?: string, options?: ProblemOptions) {
    super(409, ...problemArgs(ruleOrInit, message, options));
  }
}
