import { HttpProblem, type ProblemInit, type ProblemOptions, problemArgs } from './http-problem';

export class UnsupportedMediaType extends HttpProblem {
  override name = 'UnsupportedMediaType';
  constructor(init: ProblemInit);
  constructor(rule: string, message: string, options?: ProblemOptions);
  constructor(ruleOrInit: string | ProblemInit, message?: string, options?: ProblemOptions) {
    super(415, ...problemArgs(ruleOrInit, message, options));
  }
}
