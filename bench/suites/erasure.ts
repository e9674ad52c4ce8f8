// Erasure of one person by crypto-shredding (decision 065): a log of `--statements` statements
// (default 1,000,000; 10,000 actors, bench/lib/statements.ts) of which `--subject` (default
// 1,000) are by one person, ingested through the LRS's own statement store (sealed) with every
// read model caught up; then the time of CryptoShredder.erase: resolve, record the event,
// destroy the key, wait until the statements index, agents index and completion model have
// purged the person, and empty their -wal. Target ≤ 1 s. With `--official` the person is an
// official of the registry (sealed record, decision 077) erased by officialId: the ledger then
// renames their rows to the pseudonym instead of dropping facts.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@lrs/config';
import { startLrsSystem } from '@lrs/server';
import { ReferenceStore } from '@lrs/training';
import { round } from '../lib/measure';
import { generateStatements } from '../lib/statements';

function parseArgs(args: string[]) {
  const num = (name: string, fallback: number) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? Number(args[i + 1]) : fallback;
  };
  return {
    statements: num('statements', 1_000_000),
    subject: num('subject', 1000),
    batch: 500,
    official: args.includes('--official'),
  };
}

const SUBJECT = { homePage: 'https://lms.example.kr', name: 'erasure-subject' };
/** The statements index's agent filter key of the subject (statement-index.ts). */
const SUBJECT_KEY = `a:account:${SUBJECT.homePage}|${SUBJECT.name}`;
const authority = {
  objectType: 'Agent' as const,
  name: 'bench',
  account: { homePage: 'http://bench.local', name: 'bench' },
};

export async function run(args: string[]): Promise<Record<string, unknown>> {
  const o = parseArgs(args);
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-erasure-'));
  const system = await startLrsSystem(
    loadConfig({ LRS_DATA_DIR: dataDir, LRS_LOG_LEVEL: 'silent', LRS_ENV: 'development' }),
  );
  try {
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

    const bySubject = () =>
      system.index.reader().page({ keys: [SUBJECT_KEY], ascending: false, limit: 10 * o.subject }).rows
        .length;
    const subjectStatementsIndexed = bySubject();
    const t2 = performance.now();
    const result = await system.eraser.erase({
      subject: o.official ? { officialId: 'erasure-subject' } : { agent: { account: SUBJECT } },
      reason: 'benchmark',
      legalBasis: 'benchmark',
      requestedBy: 'bench',
    });
    const eraseMs = performance.now() - t2;
    return {
      subjectKind: o.official ? 'officialId' : 'agent',
      statements: batches * o.batch,
      subjectStatements,
      ingestStatementsPerSec: Math.round((batches * o.batch) / ingestSeconds),
      readModelsCatchUpSeconds: round(catchUpSeconds),
      eraseMs: round(eraseMs),
      pseudonym: result.pseudonym,
      subjectStatementsIndexedBefore: subjectStatementsIndexed,
      subjectStatementsIndexedAfter: bySubject(),
    };
  } finally {
    await system.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
