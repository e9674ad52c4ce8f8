/**
 * Training projections: a SQLite log with an org tree (city → 10 districts), N officials linked to
 * the generator's accounts, a 120-course catalog (basic/job), the city policy, and M statements
 * from bench/lib/statements.ts. Measures a full rebuild as the services do it (startProjection on
 * an empty data dir with the service's batch size, until caught up), in statements/s: completion
 * (which embeds the transcripts ledger, so in one process it is the rebuild of both) and the
 * standalone transcripts service's own model; then in-process reads (no HTTP): one official's transcript and
 * completion (p50/p99 over 1,000 random officials) and the whole-city report.
 * Then, as a separate figure, the programme statistics of the whole year (decision 050: every
 * statement of the log lies in it) over the ledger: cold (first call) and warm (median of 3).
 * Args: --officials N (default 10,000) --statements M (default 1,000,000); --programmes-only skips
 * the completion rebuild and the per-official reads (the statistics need only the ledger).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteEventLog, Position } from '../../packages/event-log/src/index';
import { openReadOnly, startProjection } from '../../packages/projections/src/index';
import {
  buildTranscript,
  COMPLETION_BATCH,
  CompletionReader,
  completionProjection,
  completionReport,
  evaluateCompletion,
  LedgerReader,
  periodById,
  programmeStatistics,
  statisticsWindow,
  transcriptsProjection,
} from '../../packages/training/src/index';
import { numberOption, type SuiteOptions } from '../lib/options';
import { buildTrainingLog, cityPolicy, officialId } from '../lib/training-log';

const arg = numberOption;
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;

/** What `pnpm bench training` takes (checked by bench/run.ts before the run). */
export const options: SuiteOptions = { officials: 'number', statements: 'number', 'programmes-only': 'flag' };

export async function run(args: string[]): Promise<Record<string, unknown>> {
  const officials = arg(args, 'officials', 10_000);
  const statements = arg(args, 'statements', 1_000_000);
  const dir = mkdtempSync(join(tmpdir(), 'bench-training-'));
  try {
    await buildTrainingLog(join(dir, 'log.sqlite'), { officials, statements });
    const log = await openSqliteEventLog({ file: join(dir, 'log.sqlite') });
    const policy = cityPolicy();
    const head = (await log.headPosition())!;
    const rebuild = async (def: typeof transcriptsProjection, file: string, maxBatchSize?: number) => {
      const t0 = performance.now();
      const running = await startProjection(log, def, {
        file: join(dir, file),
        ...(maxBatchSize ? { maxBatchSize } : {}),
      });
      await running.caughtUp();
      if (Position.compare(running.position()!, head) < 0) throw new Error(`${def.name} stopped short`);
      await running.stop();
      return (performance.now() - t0) / 1000;
    };
    const tSec = await rebuild(transcriptsProjection, 'transcripts.sqlite');
    const programmes = programmeFigures(
      new LedgerReader(openReadOnly(join(dir, 'transcripts.sqlite')) as never),
    );
    if (args.includes('--programmes-only')) {
      await log.close();
      return {
        officials,
        statements,
        transcriptsRebuildPerSec: Math.round(statements / tSec),
        ...programmes,
      };
    }
    const cSec = await rebuild(completionProjection, 'completion.sqlite', COMPLETION_BATCH);
    const tReader = new LedgerReader(openReadOnly(join(dir, 'transcripts.sqlite')) as never);
    const cReader = new CompletionReader(openReadOnly(join(dir, 'completion.sqlite')) as never);
    const period = periodById(policy, '2024')!;
    const tLat: number[] = [];
    const cLat: number[] = [];
    for (let k = 0; k < 1000; k++) {
      const id = officialId((k * 7919) % officials);
      let t0 = performance.now();
      buildTranscript(tReader, tReader.official(id)!, {});
      tLat.push(performance.now() - t0);
      t0 = performance.now();
      const official = cReader.official(id)!;
      evaluateCompletion({
        policy,
        period,
        official,
        facts: cReader.facts(id),
        catalog: (a) => cReader.catalogEntry(a),
        exemptions: cReader.exemptions(id),
      });
      cLat.push(performance.now() - t0);
    }
    const fake = { reader: () => cReader, running: { position: () => null } };
    const principal = { roles: ['admin'], scopes: new Set(['admin']) } as never;
    const r0 = performance.now();
    const report = completionReport(fake, principal, [policy], '2024', 'city');
    const reportMs = performance.now() - r0;
    await log.close();
    return {
      officials,
      statements,
      // One process (npm start): the completion model embeds the transcripts ledger.
      bothRebuildPerSec: Math.round(statements / cSec),
      // Standalone services: each rebuilds its own model.
      transcriptsRebuildPerSec: Math.round(statements / tSec),
      bothSeparateRebuildPerSec: Math.round(statements / (tSec + cSec)),
      transcriptReadMs: { p50: +pct(tLat, 0.5).toFixed(2), p99: +pct(tLat, 0.99).toFixed(2) },
      completionReadMs: { p50: +pct(cLat, 0.5).toFixed(2), p99: +pct(cLat, 0.99).toFixed(2) },
      cityReportMs: +reportMs.toFixed(1),
      reportPopulation: report.population,
      reportTotals: report.totals,
      ...programmes,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Programme statistics of the log's whole year (bench/lib/statements.ts writes 2024 in Seoul time). */
function programmeFigures(reader: LedgerReader) {
  const window = statisticsWindow({ from: '2024-01-01', to: '2024-12-31', timeZone: 'Asia/Seoul' });
  const scope = { jurisdiction: null, orgUnit: null, category: null };
  // Wall time is what a user waits; CPU time (this process, user + system) shows how much of it
  // was this work on a machine other processes share.
  const time = () => {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const s = programmeStatistics(reader, window, scope);
    const c = process.cpuUsage(c0);
    return { ms: performance.now() - t0, cpuMs: (c.user + c.system) / 1000, s };
  };
  const cold = time();
  const warm = [time(), time(), time()].sort((a, b) => a.ms - b.ms);
  return {
    programmeStatisticsColdMs: +cold.ms.toFixed(1),
    programmeStatisticsMs: +warm[1]!.ms.toFixed(1),
    programmeStatisticsCpuMs: +warm[1]!.cpuMs.toFixed(1),
    programmeTotals: cold.s.totals,
  };
}
