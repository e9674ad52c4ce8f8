/**
 * Benchmark harness: `node --import tsx bench/run.ts <suite> [--runs N] [suite args...]`.
 * Imports ./suites/<suite>.ts, runs its `run(args)` N times (default 1) and prints ONE JSON
 * object to stdout: each run's figures, the median of every numeric figure, and the machine.
 */
import { cpus } from 'node:os';

interface Suite {
  run(args: string[]): Promise<Record<string, unknown>>;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const name = argv[0];
  if (!name || !/^[a-z0-9-]+$/i.test(name)) {
    process.stderr.write('usage: bench/run.ts <suite> [--runs N] [suite args...]\n');
    process.exit(2);
  }
  const rest = argv.slice(1);
  let runs = 1;
  const runsAt = rest.indexOf('--runs');
  if (runsAt >= 0) {
    runs = Number(rest[runsAt + 1]);
    rest.splice(runsAt, 2);
    if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs needs a positive integer');
  }
  const suite = (await import(`./suites/${name}.ts`)) as Suite;
  const results: Record<string, unknown>[] = [];
  for (let i = 0; i < runs; i++) {
    process.stderr.write(`${name}: run ${i + 1}/${runs}\n`);
    results.push(await suite.run(rest));
  }
  const report = {
    suite: name,
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    args: rest,
    runs: results,
    median: medians(results),
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}

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

await main();
