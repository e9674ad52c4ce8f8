/**
 * Projection runtime throughput: fills a SQLite log with N ~700-byte events (appendMany,
 * 100 events per call), then replays it from the start through a trivial projection (one
 * small insert per event, checkpoint in each batch transaction) on the live runner
 * (startProjection) and on replayProjection. Reports medians over the repeats, and as a
 * baseline how fast the log alone is read and decoded (readAll, no projection).
 *
 * Args: --events N (default 1,000,000) --repeats R (replays per fill, default 3) --batch B
 * (events per transaction, default 1,000) --concurrency C (appendMany calls in flight while
 * filling, default 8). The harness's own --runs repeats the whole suite, fill included.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type {
  AppendRequest,
  EventLog,
  JsonObject,
  LogPosition,
  RecordedEvent,
} from '../../packages/event-log/src/index';
import { openSqliteEventLog, Position } from '../../packages/event-log/src/index';
import { defineProjection, replayProjection, startProjection } from '../../packages/projections/src/index';
import type { SuiteOptions } from '../lib/options';

interface Args {
  events: number;
  repeats: number;
  batch: number;
  concurrency: number;
}

function parseArgs(args: string[]): Args {
  const value = (name: string, fallback: number): number => {
    const i = args.indexOf(`--${name}`);
    if (i < 0) return fallback;
    const n = Number(args[i + 1]?.replaceAll('_', '').replaceAll(',', ''));
    if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`--${name} needs a positive integer`);
    return n;
  };
  return {
    events: value('events', 1_000_000),
    repeats: value('repeats', 3),
    batch: value('batch', 1000),
    concurrency: value('concurrency', 8),
  };
}

const seenProjection = defineProjection({
  name: 'bench-seen',
  version: 1,
  migrations: ['CREATE TABLE seen (position INTEGER PRIMARY KEY, stream TEXT NOT NULL, type TEXT NOT NULL)'],
  tables: [{ name: 'seen', key: ['position'] }],
  init: (db) => {
    const insert = db.prepare('INSERT INTO seen (position, stream, type) VALUES (?, ?, ?)');
    return (events: RecordedEvent[]) => {
      for (const e of events) insert.run(Number(e.position.commit), e.stream, e.type);
    };
  },
});

/** A statement-like payload of about 700 bytes of JSON. */
function eventData(n: number): JsonObject {
  return {
    id: `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`,
    actor: {
      objectType: 'Agent',
      mbox: `mailto:official-${n % 5000}@agency.example.gov`,
      name: `Official ${n % 5000}`,
    },
    verb: { id: 'http://adlnet.gov/expapi/verbs/completed', display: { 'en-US': 'completed' } },
    object: {
      id: `https://training.example.gov/courses/${n % 300}/modules/${n % 17}`,
      definition: {
        name: { 'en-US': `Mandatory module ${n % 17} of course ${n % 300}` },
        type: 'http://adlnet.gov/expapi/activities/module',
      },
    },
    result: {
      completion: true,
      success: n % 5 !== 0,
      duration: 'PT1H30M',
      score: { scaled: (n % 100) / 100 },
    },
    context: {
      registration: `10000000-0000-4000-8000-${(n % 9999).toString(16).padStart(12, '0')}`,
      platform: 'bench',
    },
    timestamp: '2026-01-15T09:30:00.000Z',
    authority: {
      objectType: 'Agent',
      account: { homePage: 'https://lms.example.gov', name: 'lms-bench-client' },
    },
  };
}

async function fill(log: EventLog, events: number, concurrency: number): Promise<number> {
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < events) {
      const from = next;
      next = Math.min(events, next + 100);
      const requests: AppendRequest[] = [];
      for (let n = from; n < next; n++) {
        requests.push({
          stream: `official-${n % 5000}`,
          events: [{ type: 'xapi.statement.stored', data: eventData(n) }],
        });
      }
      await log.appendMany(requests);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return (performance.now() - started) / 1000;
}

/** Samples RSS while `work` runs, since maxRSS of the process includes the fill. */
async function measured<T>(
  work: () => Promise<T>,
): Promise<{ result: T; seconds: number; peakRssMiB: number }> {
  let peak = process.memoryUsage.rss();
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 20);
  const started = performance.now();
  try {
    const result = await work();
    const seconds = (performance.now() - started) / 1000;
    peak = Math.max(peak, process.memoryUsage.rss());
    return { result, seconds, peakRssMiB: Math.round(peak / 1024 / 1024) };
  } finally {
    clearInterval(sampler);
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** What `pnpm bench projections` takes (checked by bench/run.ts before the run). */
export const options: SuiteOptions = {
  events: 'number',
  repeats: 'number',
  batch: 'number',
  concurrency: 'number',
};

export async function run(argv: string[]): Promise<Record<string, unknown>> {
  const args = parseArgs(argv);
  const dir = mkdtempSync(join(tmpdir(), 'lrs-bench-projections-'));
  try {
    const log = await openSqliteEventLog({ file: join(dir, 'log.sqlite') });
    const fillSeconds = await fill(log, args.events, args.concurrency);
    const head = await log.headPosition();
    if (!head) throw new Error('the log is empty after filling');

    const logRead: number[] = [];
    const live: { eventsPerSecond: number; seconds: number; peakRssMiB: number }[] = [];
    const replay: { eventsPerSecond: number; seconds: number; peakRssMiB: number }[] = [];
    for (let i = 0; i < args.repeats; i++) {
      // Baseline: reading and decoding the log alone, the ceiling any projection runs under.
      const readRun = await measured(async () => {
        let read = 0;
        let after: LogPosition | undefined;
        for (;;) {
          const page = await log.readAll({ ...(after ? { after } : {}), maxCount: args.batch });
          const last = page[page.length - 1];
          if (!last) return read;
          read += page.length;
          after = last.position;
        }
      });
      logRead.push(Math.round(readRun.result / readRun.seconds));

      const liveRun = await measured(async () => {
        const running = await startProjection(log, seenProjection, {
          file: join(dir, `live-${i}.sqlite`),
          maxBatchSize: args.batch,
        });
        const reached = await running.waitFor(head, 600_000);
        const applied = running.eventsApplied();
        await running.stop();
        if (!reached || applied !== args.events)
          throw new Error(`live run applied ${applied} of ${args.events}`);
        return applied;
      });
      live.push({
        eventsPerSecond: Math.round(liveRun.result / liveRun.seconds),
        seconds: +liveRun.seconds.toFixed(2),
        peakRssMiB: liveRun.peakRssMiB,
      });
      rmSync(join(dir, `live-${i}.sqlite`), { force: true });

      const replayRun = await measured(() =>
        replayProjection(log, seenProjection, {
          upTo: head,
          file: join(dir, `replay-${i}.sqlite`),
          batchSize: args.batch,
        }),
      );
      replay.push({
        eventsPerSecond: Math.round(replayRun.result.eventsRead / replayRun.seconds),
        seconds: +replayRun.seconds.toFixed(2),
        peakRssMiB: replayRun.peakRssMiB,
      });
      rmSync(join(dir, `replay-${i}.sqlite`), { force: true });
    }
    await log.close();

    const liveEps = median(live.map((r) => r.eventsPerSecond));
    const replayEps = median(replay.map((r) => r.eventsPerSecond));
    return {
      events: args.events,
      eventJsonBytes: JSON.stringify(eventData(args.events - 1)).length,
      batchPerTransaction: args.batch,
      repeats: args.repeats,
      fillSeconds: +fillSeconds.toFixed(1),
      fillEventsPerSecond: Math.round(args.events / fillSeconds),
      head: Position.toString(head),
      // Medians over the repeats; the harness takes medians of these across its --runs.
      logReadEventsPerSecond: median(logRead),
      liveEventsPerSecond: liveEps,
      livePeakRssMiB: median(live.map((r) => r.peakRssMiB)),
      replayEventsPerSecond: replayEps,
      replayPeakRssMiB: median(replay.map((r) => r.peakRssMiB)),
      targetEventsPerSecond: 150_000,
      meetsTarget: liveEps >= 150_000 && replayEps >= 150_000,
      processMaxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
      liveRuns: live,
      replayRuns: replay,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
