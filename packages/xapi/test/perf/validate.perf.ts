// Micro-benchmark of statement validation on one core (not a test; run by hand):
//   node --import tsx packages/xapi/test/perf/validate.perf.ts [count]
import { generateStatements } from '../../../../bench/lib/statements';
import { validateStatement } from '../../src/index';

const count = Number(process.argv[2] ?? 100_000);
const statements = generateStatements(count, { seed: 42 });
const texts = statements.map((s) => JSON.stringify(s));
const bytes = texts.reduce((sum, t) => sum + Buffer.byteLength(t), 0);

function run(label: string, fn: () => number): void {
  fn(); // warm-up
  const start = process.hrtime.bigint();
  const invalid = fn();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  console.log(
    `${label}: ${Math.round(count / seconds).toLocaleString('en')} statements/s (${invalid} invalid)`,
  );
}

console.log(`${count} statements, mean ${Math.round(bytes / count)} bytes`);
for (const version of ['1.0.3', '2.0.0'] as const) {
  run(`validate ${version}`, () => statements.filter((s) => validateStatement(s, version).length > 0).length);
  run(
    `parse + validate ${version}`,
    () => texts.filter((t) => validateStatement(JSON.parse(t), version).length > 0).length,
  );
}
