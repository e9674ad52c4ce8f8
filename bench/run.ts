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

function medians(results: Record<string, unknown>[]): Record<string, number> {
  const keys = new Set(results.flatMap((r) => Object.keys(r)));
  const out: Record<string, number> = {};
  for (const key of keys) {
    const values = results.map((r) => r[key]).filter((v): v is number => typeof v === 'number');
    if (values.length !== results.length) continue;
    values.sort((a, b) => a - b);
    const mid = Math.floor(values.length / 2);
    out[key] = values.length % 2 ? values[mid]! : (values[mid - 1]! + values[mid]!) / 2;
  }
  return out;
}

await main();
