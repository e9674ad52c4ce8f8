import { HttpProblem, type ProblemInit, type ProblemOptions, problemArgs } from './http-problem';

export class PreconditionFailed extends HttpProblem {
  override name = 'PreconditionFailed';
  constructor(init: ProblemInit);
  constructor(rule: string, message: string, options?: ProblemOptions);
  constructor(ruleOrInit: string | ProblemInit, message?: string, options?: ProblemOptions) {
    super(412, ...problemArgs(ruleOrInit, message, options));
  }
}
