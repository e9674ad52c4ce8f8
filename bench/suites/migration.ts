// Migration of a log written before sealing existed (decision 080, `pnpm privacy migrate`): a
// plaintext log of `--statements` statements (default 1,000,000; 10,000 named actors,
// bench/lib/statements.ts) written as the pre-sealing LRS wrote them (outside the timings; or
// `--plaintext FILE`, a copy of a log built before), then migrated: copied into a new file with
// every statement sealed on `--threads` sealing threads (default: the processors, at most 4),
// read back, and put in the old file's place. The floor is the same run on a copy of the log with
// no type sealed or opened: reading, copying, the digests, the read-back and the swap, without
// JSON or crypto. `--reports` adds the completion replays before and after (off by default:
// they are the audit's replay speed, not the migration's; the output says which). Target
// >= 20,000 statements/s.
import {
  closeSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readSync,
  rmSync,
  statSync,
} from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AppendRequest, openSqliteEventLog } from '@lrs/event-log';
import { anEvent, STATEMENT_EVENT, statementStream } from '@lrs/events';
import { KeyStore, migratePlaintextLog } from '@lrs/privacy';
import { moduleWorker } from '@lrs/projections';
import { migrateDataDir } from '@lrs/service-privacy';
import { round } from '../lib/measure';
import { numberOption, type SuiteOptions } from '../lib/options';
import { generateStatements } from '../lib/statements';

function parseArgs(args: string[]) {
  const num = (name: string, fallback: number) => numberOption(args, name, fallback);
  return {
    statements: num('statements', 1_000_000),
    batch: num('batch', 2000),
    floor: !args.includes('--skip-floor'),
    reports: args.includes('--reports'),
    threads: args.includes('--threads') ? num('threads', 0) : undefined,
    plaintext: args.includes('--plaintext') ? args[args.indexOf('--plaintext') + 1] : undefined,
  };
}

const authority = {
  objectType: 'Agent',
  name: 'bench',
  account: { homePage: 'http://bench.local', name: 'bench' },
};

/** A plaintext log as the LRS wrote it before sealing: no `sealed` mark. */
export async function buildPlaintextLog(file: string, statements: number): Promise<void> {
  const log = await openSqliteEventLog({ file });
  try {
    const per = 1000;
    for (let b = 0; b * per < statements; b++) {
      const batch = generateStatements(Math.min(per, statements - b * per), {
        seed: b + 1,
        officials: 10_000,
      });
      const requests: AppendRequest[] = batch.map((s) => {
        const account = (s.actor as { account: { name: string } }).account;
        const statement = {
          ...s,
          actor: {
            objectType: 'Agent',
            name: `Migration Person ${account.name.slice(-6)}`,
            ...(s.actor as object),
          },
          authority,
          version: '1.0.3',
        };
        return {
          stream: statementStream(s.id),
          expectedRevision: 'no_stream',
          events: [
            anEvent(
              STATEMENT_EVENT,
              { statement: statement as never, credential: 'bench' },
              { metadata: { xapiVersion: '1.0.3' } },
            ),
          ],
        };
      });
      for (const outcome of await log.appendMany(requests)) if (!outcome.ok) throw outcome.error;
    }
  } finally {
    await log.close();
  }
}

/** Whether the raw bytes of `file` contain `needle` (read in chunks: the file may exceed 2 GiB). */
function fileContains(file: string, needle: string): boolean {
  const bytes = Buffer.from(needle, 'utf8');
  const fd = openSync(file, 'r');
  try {
    const chunk = Buffer.alloc(16 * 2 ** 20 + bytes.length);
    for (let offset = 0; ; offset += 16 * 2 ** 20) {
      const n = readSync(fd, chunk, 0, chunk.length, offset);
      if (n <= 0) return false;
      if (chunk.subarray(0, n).includes(bytes)) return true;
      if (n < chunk.length) return false;
    }
  } finally {
    closeSync(fd);
  }
}

/** What `pnpm bench migration` takes (checked by bench/run.ts before the run). */
export const options: SuiteOptions = {
  statements: 'number',
  batch: 'number',
  threads: 'number',
  plaintext: 'text',
  'skip-floor': 'flag',
  reports: 'flag',
};

export async function run(args: string[]): Promise<Record<string, unknown>> {
  const o = parseArgs(args);
  const root = mkdtempSync(join(tmpdir(), 'bench-migration-'));
  const dataDir = join(root, 'data');
  mkdirSync(dataDir);
  const file = join(dataDir, 'events.sqlite');
  try {
    const t0 = performance.now();
    if (o.plaintext) copyFileSync(o.plaintext, file);
    else await buildPlaintextLog(file, o.statements);
    const buildSeconds = (performance.now() - t0) / 1000;
    const plaintextBytes = statSync(file).size;

    let floor: Record<string, unknown> = {};
    if (o.floor) {
      const floorDir = join(root, 'floor');
      mkdirSync(floorDir);
      copyFileSync(file, join(floorDir, 'events.sqlite'));
      const log = await openSqliteEventLog({ file: join(floorDir, 'events.sqlite'), exclusive: true });
      const keys = KeyStore.open(join(floorDir, 'keys.sqlite'));
      try {
        const t = performance.now();
        // No type sealed or opened: every event copied as stored, with its digests.
        const outcome = await migratePlaintextLog({
          log,
          keys,
          batchSize: o.batch,
          sealers: new Map(),
          openers: new Map(),
          ...(o.threads === 0
            ? {}
            : {
                threads: {
                  spawn: (entry: URL, data: object) => moduleWorker(entry.href, data, 'bench-floor'),
                  ...(o.threads !== undefined ? { count: o.threads } : {}),
                },
              }),
        });
        const seconds = (performance.now() - t) / 1000;
        floor = {
          floorSeconds: round(seconds),
          floorStatementsPerSec: Math.round(o.statements / seconds),
          floorPhases: outcome.record.seconds,
        };
      } finally {
        keys.close();
        await log.close();
        rmSync(floorDir, { recursive: true, force: true });
      }
    }

    const cpu = process.cpuUsage();
    const t1 = performance.now();
    const load = loadavg();
    const outcome = await migrateDataDir({
      dataDir,
      batchSize: o.batch,
      reports: o.reports,
      ...(o.threads !== undefined ? { threads: o.threads } : {}),
    });
    const seconds = (performance.now() - t1) / 1000;
    const cpuUsed = process.cpuUsage(cpu);
    const sealed = Object.values(outcome.record.sealed).reduce((a, b) => a + b, 0);
    return {
      statements: o.statements,
      batch: o.batch,
      cpus: cpus().length,
      threads: o.threads ?? Math.min(4, availableParallelism()),
      loadAverageAtStart: load.map((l) => round(l)),
      loadAverageAtEnd: loadavg().map((l) => round(l)),
      reportReplaysIncluded: o.reports,
      buildPlaintextSeconds: round(buildSeconds),
      migrationSeconds: round(seconds),
      statementsPerSec: Math.round(o.statements / seconds),
      // The process's CPU time (user + system): on a shared machine, what the run itself cost.
      migrationCpuSeconds: round((cpuUsed.user + cpuUsed.system) / 1e6),
      phases: outcome.record.seconds,
      sealed,
      fingerprintsEqual: outcome.record.fingerprintBefore === outcome.record.fingerprintAfter,
      ...floor,
      plaintextMiB: round(plaintextBytes / 2 ** 20),
      sealedMiB: round(statSync(file).size / 2 ** 20),
      // The raw bytes after: a name and an account of the log, and the authority's account.
      plaintextLeftInFile: ['Migration Person 000001', 'official-000001', 'http://bench.local'].filter((n) =>
        fileContains(file, n),
      ),
    };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
