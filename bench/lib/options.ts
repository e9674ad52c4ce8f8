import { UsageError } from '@lrs/config/cli';

/**
 * The options a benchmark suite takes (decision 040: a wrong command line exits 2 and says why):
 * a number (`1000000`, `1_000_000` and `1,000,000` alike), a flag, or a text such as a path.
 */
export type SuiteOptions = Readonly<Record<string, 'number' | 'flag' | 'text'>>;

/** A number option's value as the suites read it. */
export const numberOf = (value: string): number => Number(value.replaceAll('_', '').replaceAll(',', ''));

/** The value of `--name` as a number, or `fallback` when the option is absent. */
export function numberOption(args: readonly string[], name: string, fallback: number): number {
  const at = args.indexOf(`--${name}`);
  return at < 0 ? fallback : numberOf(args[at + 1] ?? '');
}

/**
 * Refuses, before anything runs, an option the suite does not take (a typo would otherwise run
 * the default, say a million statements), an option without its value, and a number that is not
 * one.
 */
export function checkSuiteOptions(suite: string, args: readonly string[], options: SuiteOptions): void {
  const known = () =>
    Object.keys(options).length === 0
      ? 'it takes none'
      : `it takes ${Object.keys(options)
          .map((o) => `--${o}`)
          .join(', ')}`;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const kind = arg.startsWith('--') ? options[arg.slice(2)] : undefined;
    if (!kind) {
      const what = arg.startsWith('-') ? `no option ${arg}` : `no argument '${arg}'`;
      throw new UsageError(`the ${suite} benchmark has ${what}; ${known()}`);
    }
    if (kind === 'flag') continue;
    const value = args[++i];
    if (value === undefined || value.startsWith('--'))
      throw new UsageError(`option ${arg} of the ${suite} benchmark needs a value`);
    if (kind === 'number' && !Number.isFinite(numberOf(value)))
      throw new UsageError(`option ${arg} of the ${suite} benchmark needs a number, not '${value}'`);
  }
}
