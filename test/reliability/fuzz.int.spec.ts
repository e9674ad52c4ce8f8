import { Position } from '@lrs/event-log';
import { TestLrs } from '@lrs/server/testing';
import { expect } from 'chai';
import { prng, seedFrom } from './support/lrs-process';
import { mutatedRequest } from './support/mutations';

/**
 * Bad input on the statement endpoint (docs/RELIABILITY.md): mutated statements, seeded so a failure
 * reproduces with FUZZ_SEED=<printed seed>; FUZZ_CASES raises the count for a long run.
 * The document resources have their own: fuzz-documents.int.spec.ts.
 */
const CASES = Number(process.env.FUZZ_CASES ?? 2_000);
const SEED = seedFrom('FUZZ_SEED');
/** Growth of this process' RSS allowed over the whole run (the LRS runs in-process here). */
const MEMORY_BUDGET_MIB = 384;
/** Answered by Node's HTTP parser before the app sees the request, so they carry no problem body. */
const PARSER_STATUSES = new Set([414, 431]);

describe('fuzz: mutated statements against POST/PUT /xapi/statements', function () {
  this.timeout(300_000);
  let lrs: TestLrs;
  before(async () => {
    lrs = await TestLrs.start();
    console.log(`      fuzz seed ${SEED}, ${CASES} cases (FUZZ_SEED=${SEED} reproduces)`);
  });
  after(() => lrs.stop());

  it('never answers 5xx, never appends for a rejected request, stays within memory', async () => {
    const random = prng(SEED);
    const rssBefore = process.memoryUsage().rss;
    let peakRss = rssBefore;
    const statuses = new Map<number, number>();
    const failures: string[] = [];
    for (let i = 0; i < CASES; i++) {
      const fuzz = mutatedRequest(random, i);
      const before = await lrs.system.log.headPosition();
      const headers: Record<string, string> = fuzz.contentType ? { 'Content-Type': fuzz.contentType } : {};
      const reply = await lrs.call(fuzz.method, fuzz.path, { body: fuzz.body, headers });
      statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
      const after = await lrs.system.log.headPosition();
      if (reply.status >= 500)
        failures.push(`${fuzz.description} → ${reply.status} ${reply.text.slice(0, 300)}`);
      else if (reply.status >= 400) {
        if (!Position.equals(before, after))
          failures.push(`${fuzz.description} → ${reply.status} but appended`);
        if (typeof reply.error?.rule !== 'string' && !PARSER_STATUSES.has(reply.status))
          failures.push(`${fuzz.description} → ${reply.status} without a rule`);
      } else if (reply.status !== 200 && reply.status !== 204) {
        failures.push(`${fuzz.description} → unexpected ${reply.status}`);
      }
      if (failures.length >= 5) break;
      if (i % 100 === 0) peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    const growthMiB = Math.round((peakRss - rssBefore) / 2 ** 20);
    console.log(
      `      statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}; RSS growth ${growthMiB} MiB`,
    );
    expect(failures, `seed ${SEED}`).to.deep.equal([]);
    expect(growthMiB, 'RSS growth (MiB)').to.be.below(MEMORY_BUDGET_MIB);
    // Still serving: a valid write and read after all that.
    const health = await fetch(`${lrs.url}/health`);
    expect(health.status).to.equal(200);
  });
});
