/**
 * Audit replay (decision 008): a SQLite log with reference data (org tree, N officials, 120-course
 * catalog, the city policy) and M statements from bench/lib/statements.ts, then in a fresh child
 * process (so its peak RSS is the replay's alone; with the LRS's node options, decision 020):
 *  - floor: reading the same filtered log prefix without applying it (log read + JSON parse);
 *  - replay: services/audit replayToCutOff of transcripts and completion to the head, with the
 *    manifest (fingerprints), as an audit job runs it (one completion replay, which embeds the
 *    transcripts model; both fingerprints come from it), on the calling thread;
 *  - the same replay on a worker thread, as the LRS runs replays of large logs (decision 022);
 *    for both, the event-loop delay (p99, max) of the calling thread while the replay runs: what
 *    every HTTP request of the LRS would wait on top of its own work.
 * Figures: events/s (events of the log prefix, reference data included, per second of replay of
 * both projections), per projection, and the child's peak RSS (MB, both replays).
 * Args: --officials N (default 10,000) --statements M (default 1,000,000).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { lrsNodeOptions } from '@lrs/server';
import { openSqliteEventLog, Position } from '../../packages/event-log/src/index';
import { TRAINING_EVENT_PREFIX } from '../../packages/training/src/index';
import { replayOnWorkerThreads, replayToCutOff } from '../../services/audit/src/replay';
import { numberOption, type SuiteOptions } from '../lib/options';
import { buildTrainingLog } from '../lib/training-log';

const arg = numberOption;

/** What `pnpm bench audit` takes (checked by bench/run.ts before the run). */
export const options: SuiteOptions = { officials: 'number', statements: 'number' };

export async function run(args: string[]): Promise<Record<string, unknown>> {
  const officials = arg(args, 'officials', 10_000);
  const statements = arg(args, 'statements', 1_000_000);
  const dir = mkdtempSync(join(tmpdir(), 'bench-audit-'));
  try {
    const t0 = performance.now();
    const events = await buildTrainingLog(join(dir, 'events.sqlite'), { officials, statements });
    const buildSec = (performance.now() - t0) / 1000;
    const child = spawnSync(
      process.execPath,
      // With the LRS process's node options: audit replays run inside it.
      [...lrsNodeOptions(), '--import', 'tsx', fileURLToPath(import.meta.url), '--replay-child', dir],
      { encoding: 'utf8', maxBuffer: 1 << 20 },
    );
    if (child.status !== 0) throw new Error(`replay child failed: ${child.stderr}`);
    const figures = JSON.parse(child.stdout.trim().split('\n').pop()!) as Record<string, number>;
    return { officials, statements, events, buildSec: +buildSec.toFixed(1), ...figures };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** In the child: the floor, then the replay, each timed; peak RSS of this process. */
async function replayChild(dir: string): Promise<void> {
  const log = await openSqliteEventLog({ file: join(dir, 'events.sqlite') });
  const head = (await log.headPosition())!;
  const filter = { typePrefixes: ['xapi.statement.stored', TRAINING_EVENT_PREFIX] };
  let read = 0;
  const f0 = performance.now();
  for (let after: typeof head | undefined; ; ) {
    const page = await log.readAll({ ...(after ? { after } : {}), filter, maxCount: 5000 });
    read += page.length;
    if (page.length < 5000) break;
    after = page[page.length - 1]!.position;
  }
  const floorSec = (performance.now() - f0) / 1000;
  const perProjection: Record<string, number> = {};
  let mark = performance.now();
  const r0 = mark;
  const recorded = new Date().toISOString();
  const cutOff = { asOf: recorded, position: Position.toString(head), recorded };
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  const manifest = await replayToCutOff(log, cutOff, join(dir, 'inline'), {
    onProgress: (name, p) => {
      if (Position.compare(p.position ?? Position.of(0n), head) >= 0 && perProjection[name] === undefined) {
        perProjection[name] = (performance.now() - mark) / 1000;
        mark = performance.now();
      }
    },
  });
  const replaySec = (performance.now() - r0) / 1000;
  loop.disable();
  const delay = (h: typeof loop) => ({
    p99: +(h.percentile(99) / 1e6).toFixed(1),
    max: +(h.max / 1e6).toFixed(1),
  });
  const inlineDelay = delay(loop);
  // The floor: the same monitor on an idle event loop (its values include the 5 ms resolution).
  const idleLoop = monitorEventLoopDelay({ resolution: 5 });
  idleLoop.enable();
  await new Promise((r) => setTimeout(r, 2000));
  idleLoop.disable();
  const idleDelay = delay(idleLoop);
  // The same replay on a worker thread, as the LRS runs it (decision 022).
  replayOnWorkerThreads(log, { dataDir: dir }, { minPosition: 0n });
  const threadLoop = monitorEventLoopDelay({ resolution: 5 });
  threadLoop.enable();
  const t0 = performance.now();
  const threaded = await replayToCutOff(log, cutOff, join(dir, 'thread'));
  const threadSec = (performance.now() - t0) / 1000;
  threadLoop.disable();
  const threadDelay = delay(threadLoop);
  if (threaded.projections.some((p, i) => p.fingerprint !== manifest.projections[i]!.fingerprint))
    throw new Error('the replay on a worker thread built other models than the inline one');
  await log.close();
  const rate = (sec: number | undefined) => (sec ? Math.round(read / sec) : null);
  process.stdout.write(
    `${JSON.stringify({
      floorReadPerSec: rate(floorSec),
      replayBothPerSec: rate(replaySec),
      replayBothSec: +replaySec.toFixed(1),
      // One replay of completion answers for transcripts too (it embeds the ledger, decision 013).
      completionPerSec: rate(perProjection.completion),
      loopDelayMsIdle: idleDelay,
      loopDelayMsInline: inlineDelay,
      replayThreadPerSec: rate(threadSec),
      replayThreadSec: +threadSec.toFixed(1),
      loopDelayMsThread: threadDelay,
      eventsReadByReplay: manifest.eventsRead,
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    })}\n`,
  );
}

if (process.argv.includes('--replay-child')) {
  replayChild(process.argv[process.argv.indexOf('--replay-child') + 1]!).catch((error: unknown) => {
    process.stderr.write(`${(error as Error).stack}\n`);
    process.exit(1);
  });
}
