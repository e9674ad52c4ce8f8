// Erasure of one person by crypto-shredding (decision 065): a log of `--statements` statements
// (default 1,000,000; 10,000 actors, bench/lib/statements.ts) of which `--subject` (default
// 1,000) are by one person, ingested through the LRS's own statement store (sealed) with every
// read model caught up; then the time of CryptoShredder.erase: resolve, record the event,
// destroy the key, wait until the statements index, agents index, documents index and completion
// model have purged the person, and empty their -wal. Target ≤ 1 s. With `--official` the person is an
// official of the registry (sealed record, decision 077) erased by officialId: the ledger then
// renames their rows to the pseudonym instead of dropping facts.
// `--data DIR` builds the log once into DIR (minutes at 1,000,000) and, on every later run with
// the same sizes, erases in a fresh copy of it (DIR itself is never erased in; the copy is
// fsynced first): the erasure is then timed on a system just started on a caught-up log. `phasesMs` gives each step's time
// (CryptoShredder: resolve, append, keys destroyed, portal sessions; then each read model's
// `applied.<name>`, counted from the start of the wait, and `walEmptied.<name>`).
import { randomUUID } from 'node:crypto';
import {
  closeSync,
  cpSync,
  existsSync,
  fsyncSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@lrs/config';
import { type LrsSystem, startLrsSystem } from '@lrs/server';
import { ReferenceStore } from '@lrs/training';
import { round } from '../lib/measure';
import { numberOption, type SuiteOptions } from '../lib/options';
import { generateStatements } from '../lib/statements';

function parseArgs(args: string[]) {
  const num = (name: string, fallback: number) => numberOption(args, name, fallback);
  return {
    statements: num('statements', 1_000_000),
    subject: num('subject', 1000),
    batch: 500,
    official: args.includes('--official'),
    policy: args.includes('--policy'),
    data: (() => {
      const i = args.indexOf('--data');
      return i >= 0 ? args[i + 1] : undefined;
    })(),
  };
}

type Options = ReturnType<typeof parseArgs>;

/** fsyncs every file under `dir`. */
function syncTree(dir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) syncTree(path);
    else if (entry.isFile()) {
      const fd = openSync(path, 'r');
      try {
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    }
  }
}

const start = (dataDir: string) =>
  startLrsSystem(loadConfig({ LRS_DATA_DIR: dataDir, LRS_LOG_LEVEL: 'silent', LRS_ENV: 'development' }));

const SUBJECT = { homePage: 'https://lms.example.kr', name: 'erasure-subject' };
/** The statements index's agent filter key of the subject (statement-index.ts). */
const SUBJECT_KEY = `a:account:${SUBJECT.homePage}|${SUBJECT.name}`;
const authority = {
  objectType: 'Agent' as const,
  name: 'bench',
  account: { homePage: 'http://bench.local', name: 'bench' },
};

/**
 * `--policy`: the city's annual 8-hour rule over the official's staff group, with a catalog entry
 * for each of the log's 200 courses (published untimed before the erasure, on the copy): the
 * completion model then holds rows for the official, and the erasure recounts them.
 */
async function publishPolicy(system: LrsSystem): Promise<void> {
  const reference = new ReferenceStore(system.log, system.keys);
  const policy = JSON.parse(
    readFileSync(new URL('../../examples/city/policy.json', import.meta.url), 'utf8'),
  ) as Record<string, unknown>;
  policy.population = { staffGroups: ['social-welfare'] };
  await reference.importRecords(
    'catalog',
    Array.from({ length: 200 }, (_, i) => ({
      activityId: `https://lms.example.kr/courses/c-${String(i).padStart(4, '0')}`,
      title: { en: `course ${i}` },
      category: i % 2 === 0 ? 'basic' : 'job',
      nominalHours: 2,
      modality: 'self-paced' as const,
      provider: null,
    })),
    'bench',
  );
  await reference.publishPolicy(policy, 'bench');
}

/** The log of the run: ingested through the LRS's own statement store, every read model caught up. */
async function build(system: LrsSystem, o: Options) {
  if (o.official)
    await new ReferenceStore(system.log, system.keys).importRecords(
      'officials',
      [
        {
          officialId: 'erasure-subject',
          name: 'Erasure Subject',
          orgUnit: 'office-1',
          orgUnitFrom: null,
          staffGroup: 'social-welfare',
          jurisdiction: 'city',
          employedFrom: null,
          employedTo: null,
          identifiers: [{ account: SUBJECT }],
        },
      ],
      'bench',
    );
  const batches = Math.ceil(o.statements / o.batch);
  const every = Math.max(1, Math.floor(o.statements / o.subject));
  let subjectStatements = 0;
  const t0 = performance.now();
  let next = 0;
  const ingest = async () => {
    while (next < batches) {
      const b = next++;
      const statements = generateStatements(o.batch, { seed: b + 1, officials: 10_000, courses: 200 });
      statements.forEach((s, i) => {
        if ((b * o.batch + i) % every === 0 && subjectStatements < o.subject) {
          s.actor = { objectType: 'Agent', name: 'Erasure Subject', account: SUBJECT };
          s.id = randomUUID();
          subjectStatements++;
        }
      });
      await system.statements.store({ statements, version: '1.0.3', authority, writer: 'bench' });
    }
  };
  // Eight batches in flight, as concurrent HTTP requests would be (group commit).
  await Promise.all(Array.from({ length: 8 }, ingest));
  const ingestSeconds = (performance.now() - t0) / 1000;
  const head = (await system.log.headPosition())!;
  const t1 = performance.now();
  for (const running of [system.index.running, system.documents.agents.running, system.completion.running])
    if (!(await running.waitFor(head, 3_600_000))) throw new Error('read models did not catch up');
  const catchUpSeconds = (performance.now() - t1) / 1000;
  return {
    statements: batches * o.batch,
    subjectStatements,
    ingestStatementsPerSec: Math.round((batches * o.batch) / ingestSeconds),
    readModelsCatchUpSeconds: round(catchUpSeconds),
  };
}

/** What `pnpm bench erasure` takes (checked by bench/run.ts before the run). */
export const options: SuiteOptions = {
  statements: 'number',
  subject: 'number',
  official: 'flag',
  policy: 'flag',
  data: 'text',
};

export async function run(args: string[]): Promise<Record<string, unknown>> {
  const o = parseArgs(args);
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-erasure-'));
  let built: Record<string, unknown>;
  if (o.data !== undefined) {
    const marker = join(o.data, 'bench-erasure.json');
    const sizes = { statements: o.statements, subject: o.subject, official: o.official };
    if (!existsSync(marker)) {
      rmSync(o.data, { recursive: true, force: true });
      const system = await start(o.data);
      try {
        built = await build(system, o);
      } finally {
        await system.stop();
      }
      writeFileSync(marker, JSON.stringify({ sizes, built }));
    } else {
      const held = JSON.parse(readFileSync(marker, 'utf8')) as {
        sizes: unknown;
        built: Record<string, unknown>;
      };
      if (JSON.stringify(held.sizes) !== JSON.stringify(sizes))
        throw new Error(
          `${o.data} holds a log of ${JSON.stringify(held.sizes)}, not ${JSON.stringify(sizes)}`,
        );
      built = { ...held.built, reused: o.data };
    }
    const t = performance.now();
    cpSync(o.data, dataDir, { recursive: true });
    // On disk before the erasure: its fsyncs would otherwise also write back the copy's gigabytes.
    syncTree(dataDir);
    built = { ...built, copySeconds: round((performance.now() - t) / 1000) };
  }
  const system = await start(dataDir);
  try {
    if (o.data === undefined) built = await build(system, o);
    const head = (await system.log.headPosition())!;
    for (const running of [
      system.index.running,
      system.documents.agents.running,
      system.documents.index.running,
      system.completion.running,
    ])
      if (!(await running.waitFor(head, 3_600_000))) throw new Error('read models did not catch up');
    if (o.policy) {
      await publishPolicy(system);
      if (!(await system.completion.running.waitFor((await system.log.headPosition())!, 600_000)))
        throw new Error('the completion model did not count the policy');
    }
    // The official's completion rows and hours: the same after the erasure, under the pseudonym.
    const completionOf = (officialId: string) =>
      system.completion.running
        .readDb()
        .prepare(
          'SELECT count(*) AS rows, coalesce(sum(earned_hours), 0) AS hours FROM completion WHERE official_id = ?',
        )
        .get(officialId) as { rows: number; hours: number };
    const completionBefore = completionOf('erasure-subject');
    // The retention job's first check runs when the system starts (a whole-log read on this
    // thread): a server that has run for a while is past it, so it is not timed with the erasure.
    // (It starts on the turn of the event loop after start-up, hence the setImmediate.)
    await new Promise((resolve) => setImmediate(resolve));
    await system.privacy.retention.stop();
    const bySubject = () =>
      system.index.reader().page({ keys: [SUBJECT_KEY], ascending: false, limit: 10 * o.subject }).rows
        .length;
    const subjectStatementsIndexed = bySubject();
    // Monotonic clock (µs), the clock of `node --cpu-prof` profiles: where the erasure is in one.
    const profileWindow = { fromUs: Number(process.hrtime.bigint() / 1000n), toUs: 0 };
    const t2 = performance.now();
    const result = await system.eraser.erase({
      subject: o.official ? { officialId: 'erasure-subject' } : { agent: { account: SUBJECT } },
      reason: 'benchmark',
      legalBasis: 'benchmark',
      requestedBy: 'bench',
    });
    const eraseMs = performance.now() - t2;
    profileWindow.toUs = Number(process.hrtime.bigint() / 1000n);
    process.stderr.write(`erasure: profile window ${JSON.stringify(profileWindow)}\n`);
    return {
      subjectKind: o.official ? 'officialId' : 'agent',
      ...built!,
      eraseMs: round(eraseMs),
      phasesMs: result.phasesMs,
      pseudonym: result.pseudonym,
      subjectStatementsIndexedBefore: subjectStatementsIndexed,
      subjectStatementsIndexedAfter: bySubject(),
      ...(o.official ? { completionBefore, completionAfter: completionOf(result.pseudonym) } : {}),
    };
  } finally {
    await system.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
