import { HttpProblem, type ProblemInit, type ProblemOptions, problemArgs } from './http-problem';

export const DEFAULT_CHALLENGES: readonly string[] = ['Basic realm="LRS"'];

/** 401 always carries a challenge (RFC 7235 §3.1): one WWW-Authenticate value per accepted scheme. */
export class Unauthorized extends HttpProblem {
  override name = 'Unauthorized';
  readonly challenges: readonly string[];

  constructor(init: ProblemInit & { challenges?: readonly string[] });
  constructor(rule: string, message: string, challenges?: readonly string[], options?: ProblemOptions);
  constructor(
    ruleOrInit: string | (ProblemInit & { challenges?: readonly string[] }),
    message?: string,
    challenges?: readonly string[],
    options?: ProblemOptions,
  ) {
    if (typeof ruleOrInit === 'string') {
      super(401, ...problemArgs(ruleOrInit, message, options));
      this.challenges = challenges ?? DEFAULT_CHALLENGES;
    } else {
      const { challenges: fromInit, ...init } = ruleOrInit;
      super(401, ...problemArgs(init));
      this.challenges = fromInit ?? DEFAULT_CHALLENGES;
    }
  }

  override headers(): Record<string, string[]> {
    return { 'WWW-Authenticate': [...this.challenges] };
  }
}
