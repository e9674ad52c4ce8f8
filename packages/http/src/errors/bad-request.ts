import { HttpProblem, type ProblemInit, type ProblemOptions, problemArgs } from './http-problem';

export class BadRequest extends HttpProblem {
  override name = 'BadRequest';
  constructor(init: ProblemInit);
  constructor(rule: string, message: string, options?: ProblemOptions);
  constructor(ruleOrInit: string | ProblemInit, message?: string, options?: ProblemOptions) {
    super(400, ...problemArgs(ruleOrInit, message, options));
  }
}
