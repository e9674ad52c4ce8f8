/**
 * Event log throughput: N statement-like events (~700 bytes, one `statement-<uuid>` stream each,
 * expectedRevision 'no_stream', as the LRS stores statements) appended in appendMany batches of
 * 100 with 16 batches in flight, to a fresh SQLite file (synchronous=FULL); then all of them
 * replayed through a trivial projection (a subscription from the start that counts events and
 * sums result.score.raw). Options: --events N (default 1,000,000), --batch 100, --inflight 16,
 * --replay-batch 1000, --dir <directory for the database> (default os.tmpdir()).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '@lrs/config/cli';
import { type AppendRequest, openSqliteEventLog } from '../../packages/event-log/src/index';
import { numberOption, type SuiteOptions } from '../lib/options';

function option(args: string[], name: string, fallback: number): number {
  const value = numberOption(args, name, fallback);
  if (args.includes(`--${name}`) && !(value > 0)) throw new UsageError(`--${name} needs a positive number`);
  return value;
}

const verbs = ['completed', 'attempted', 'passed', 'failed', 'attended'];

/** A statement as the LRS stores it: ids, actor, verb, object, result, context, timestamps. */
function aStatementEvent(i: number): AppendRequest {
  const id = randomUUID();
  const verb = verbs[i % verbs.length]!;
  const now = new Date(1_700_000_000_000 + i * 1000).toISOString();
  return {
    stream: `statement-${id}`,
    expectedRevision: 'no_stream',
    events: [
      {
        type: 'statement.stored',
        data: {
          id,
          actor: {
            objectType: 'Agent',
            name: `Learner ${i % 5000}`,
            mbox: `mailto:learner${i % 5000}@agency.gov`,
          },
          verb: { id: `http://adlnet.gov/expapi/verbs/${verb}`, display: { 'en-US': verb } },
          object: {
            id: `https://lms.agency.gov/courses/ethics-${i % 40}/module-${i % 7}`,
            definition: { name: { 'en-US': `Ethics module ${i % 7}` } },
          },
          result: {
            score: { scaled: (i % 100) / 100, raw: i % 100 },
            success: i % 3 !== 0,
            duration: 'PT42M',
          },
          context: { registration: randomUUID(), platform: 'Agency LMS' },
          timestamp: now,
          stored: now,
          authority: { account: { homePage: 'https://lrs.agency.gov', name: 'lms-client' } },
          version: '1.0.3',
        },
        metadata: { client: 'lms-client', receivedAt: now },
      },
    ],
  };
}

/** What `pnpm bench eventlog` takes (checked by bench/run.ts before the run). */
export const options: SuiteOptions = {
  events: 'number',
  batch: 'number',
  inflight: 'number',
  'replay-batch': 'number',
  'page-size': 'number',
  'wal-autocheckpoint-mib': 'number',
  'cache-mib': 'number',
  'wal-truncate-mib': 'number',
  dir: 'text',
};

export async function run(args: string[]): Promise<Record<string, unknown>> {
  const events = option(args, 'events', 1_000_000);
  const batch = option(args, 'batch', 100);
  const inflight = option(args, 'inflight', 16);
  const replayBatch = option(args, 'replay-batch', 1000);
  const dirAt = args.indexOf('--dir');
  const dir = mkdtempSync(join(dirAt >= 0 ? args[dirAt + 1]! : tmpdir(), 'bench-eventlog-'));
  const file = join(dir, 'events.sqlite');
  try {
    const pageSize = option(args, 'page-size', 0) || undefined;
    const walAutocheckpointBytes = option(args, 'wal-autocheckpoint-mib', 0) * 2 ** 20 || undefined;
    const cacheMiB = option(args, 'cache-mib', 0) || undefined;
    const walCheckpointBytes = option(args, 'wal-truncate-mib', 0) * 2 ** 20 || undefined;
    const log = await openSqliteEventLog({
      file,
      pageSize,
      walAutocheckpointBytes,
      walCheckpointBytes,
      cacheMiB,
    });
    const sample = aStatementEvent(0).events[0]!;
    const eventBytes =
      Buffer.byteLength(JSON.stringify(sample.data)) + Buffer.byteLength(JSON.stringify(sample.metadata));

    const writtenBefore = bytesWrittenByProcess();
    let next = 0;
    let conflicts = 0;
    const appendStart = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: inflight }, async () => {
        while (next < events) {
          const from = next;
          const count = Math.min(batch, events - from);
          next += count;
          const requests = Array.from({ length: count }, (_, i) => aStatementEvent(from + i));
          const outcomes = await log.appendMany(requests);
          for (const o of outcomes) if (!o.ok) conflicts++;
        }
      }),
    );
    const appendSeconds = Number(process.hrtime.bigint() - appendStart) / 1e9;
    const writtenDuringAppend = bytesWrittenByProcess() - writtenBefore;

    let replayed = 0;
    let scoreSum = 0;
    const replayStart = process.hrtime.bigint();
    await new Promise<void>((resolve, reject) => {
      const subscription = log.subscribe({
        maxBatchSize: replayBatch,
        handle: (batchOfEvents) => {
          for (const e of batchOfEvents) {
            replayed++;
            scoreSum += (e.data as { result: { score: { raw: number } } }).result.score.raw;
          }
        },
        onCaughtUp: () => {
          void subscription.stop().then(resolve);
        },
        onError: reject,
      });
    });
    const replaySeconds = Number(process.hrtime.bigint() - replayStart) / 1e9;
    await log.close();

    const size = (f: string) => {
      try {
        return statSync(f).size;
      } catch {
        return 0;
      }
    };
    if (replayed !== events || conflicts !== 0) {
      throw new Error(`replayed ${replayed} of ${events} events, ${conflicts} conflicts`);
    }
    return {
      events,
      eventDataBytes: eventBytes,
      batch,
      inflight,
      appendSeconds: round(appendSeconds),
      appendEventsPerSecond: Math.round(events / appendSeconds),
      diskBytesWrittenPerEvent: writtenBefore < 0 ? 'unknown' : Math.round(writtenDuringAppend / events),
      replaySeconds: round(replaySeconds),
      replayEventsPerSecond: Math.round(replayed / replaySeconds),
      scoreSum,
      peakRssMiB: round(process.resourceUsage().maxRSS / 1024),
      dbBytes: size(file) + size(`${file}-wal`),
      dbBytesPerEvent: Math.round((size(file) + size(`${file}-wal`)) / events),
      synchronous: 'FULL',
      pageSize: pageSize ?? 'default',
      cacheMiB: cacheMiB ?? 'default',
      walAutocheckpointBytes: walAutocheckpointBytes ?? 'default',
      tmpdir: dir,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Bytes this process caused to be written to storage (Linux /proc/self/io), -1 elsewhere. */
function bytesWrittenByProcess(): number {
  try {
    const match = /^write_bytes: (\d+)$/m.exec(readFileSync('/proc/self/io', 'utf8'));
    return match ? Number(match[1]) : -1;
  } catch {
    return -1;
  }
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
