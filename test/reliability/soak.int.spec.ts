import { expect } from 'chai';
import { run } from '../../bench/suites/soak';

/**
 * The CI-sized soak (docs/RELIABILITY.md: a short version runs in CI): mixed traffic against the
 * LRS process for SOAK_SECONDS (default 120). The 30-minute version: `pnpm bench soak`.
 */
const SECONDS = Number(process.env.SOAK_SECONDS ?? 120);

describe('soak (short): mixed traffic at a fixed rate', function () {
  this.timeout((SECONDS + 90) * 1000);

  it('answers every request without error, at the target rate, with RSS not climbing', async () => {
    // A replay every 20 s: the short run covers the audit replay path too (the long runs use 300 s).
    const report = await run(['--seconds', String(SECONDS), '--rate', '40', '--replay-every', '20']);
    console.log(
      `      ${report.requests} requests in ${report.seconds} s, errors ${report.errors}, ` +
        `RSS ${report.rssMiBStart}→${report.rssMiBEnd} MiB, latency ${JSON.stringify(report.latencyMs)}`,
    );
    expect(report.errorsByRoute).to.deep.equal({});
    expect(report.skippedAtInFlightCap, 'requests the LRS was too slow to take').to.equal(0);
    // A short run cannot prove flatness; it catches a gross leak (the long runs judge the slope).
    expect(report.rssMiBMax as number).to.be.below(600);
  });
});
