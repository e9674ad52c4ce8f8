/**
 * Benchmark harness: `pnpm bench <suite> [--runs N] [suite options...]`.
 * Imports ./suites/<suite>.ts, runs its `run(args)` N times (default 1) and prints ONE JSON
 * object to stdout: each run's figures, the median of every numeric figure, and the machine.
 * The command line follows decision 040 (--help, exit 0/1/2; an unknown suite is a usage error).
 */
import { readdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { type Command, runCommandLine, runWhenMain, UsageError } from '@lrs/config/cli';
import { checkSuiteOptions, type SuiteOptions } from './lib/options';

interface Suite {
  /** The options the suite takes; one it does not declare is refused (exit 2) before it runs. */
  options?: SuiteOptions;
  run(args: string[]): Promise<Record<string, unknown>>;
}

const SUITES = readdirSync(new URL('./suites/', import.meta.url))
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.slice(0, -'.ts'.length))
  .sort();

const suiteCommand = (name: string): Command => ({
  name,
  synopsis: '[--runs N] [suite options...]',
  summary: `run the ${name} benchmark (its own options, e.g. sizes, follow; see bench/suites/${name}.ts)`,
  options: {
    runs: { type: 'string', placeholder: 'N', description: 'how many runs (default 1); medians over them' },
  },
  args: [0, 1000],
  passThrough: true,
  example: `pnpm bench ${name} --runs 3`,
  run: async ({ values, args, io }) => {
    const runs = values['runs'] === undefined ? 1 : Number(values['runs']);
    if (!Number.isInteger(runs) || runs < 1)
      throw new UsageError(`--runs needs a positive integer, not '${values['runs']}'`);
    const suite = (await import(`./suites/${name}.ts`)) as Suite;
    checkSuiteOptions(name, args, suite.options ?? {});
    const results: Record<string, unknown>[] = [];
    for (let i = 0; i < runs; i++) {
      io.err(`${name}: run ${i + 1}/${runs}\n`);
      results.push(await suite.run(args));
    }
    const report = {
      suite: name,
      date: new Date().toISOString(),
      node: process.version,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model,
      args,
      runs: results,
      median: medians(results),
    };
    io.out(`${JSON.stringify(report, null, 2)}\n`);
    return 0;
  },
});

export const benchCommandLine = {
  program: 'pnpm bench',
  summary: 'benchmarks; prints one JSON object with every run and the medians',
  commands: SUITES.map(suiteCommand),
};

/**
 * The median of every numeric figure that all runs report; nested objects of figures (e.g.
 * `transcriptReadMs: {p50, p99}`) get medians per key, so latencies are summarised too.
 */
function medians(results: Record<string, unknown>[]): Record<string, unknown> {
  const keys = new Set(results.flatMap((r) => Object.keys(r)));
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    const values = results.map((r) => r[key]);
    if (values.every((v): v is number => typeof v === 'number')) {
      const sorted = [...values].sort((a, b) => a - b);
      const mid = Math.floor(sorted.length / 2);
      out[key] = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
    } else if (values.every((v) => typeof v === 'object' && v !== null && !Array.isArray(v))) {
      const nested = medians(values as Record<string, unknown>[]);
      if (Object.keys(nested).length > 0) out[key] = nested;
    }
  }
  return out;
}

runWhenMain(import.meta.url, (argv) => runCommandLine(benchCommandLine, argv));
