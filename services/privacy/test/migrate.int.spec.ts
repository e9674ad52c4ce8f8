// `pnpm privacy migrate` (decision 080): a log written before sealing existed (plaintext
// statements, no `sealed` mark) is copied sealed into a new file that then replaces it, once,
// verified by fingerprints; afterwards
// the log's bytes hold no name, email or account, the xAPI API answers the same, and the person
// can be erased.
import { spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CliIo } from '@lrs/config/cli';
import { type AppendRequest, openSqliteEventLog } from '@lrs/event-log';
import { anEvent, erasureStream, STATEMENT_EVENT, SUBJECT_ERASED, statementStream } from '@lrs/events';
import { keyStoreFile, openKeyStore, releaseKeyStore } from '@lrs/privacy';
import { ADMIN, basic, TestLrs } from '@lrs/server/testing';
import { filesContaining } from '@lrs/testkit';
import { expect } from 'chai';
import { runCli } from '../src/cli';

const here = dirname(fileURLToPath(import.meta.url));
const NAME = 'Perpetua Vondermolt';
const EMAIL = 'perpetua.vondermolt@example.org';
const ACCOUNT = { homePage: 'https://lms.example.org', name: 'pvondermolt-6120' };
const perpetua = { objectType: 'Agent', name: NAME, mbox: `mailto:${EMAIL}` };
const inAccount = { objectType: 'Agent', name: NAME, account: ACCOUNT };
const STATEMENTS = 40;
const BATCH = 5;

const logFiles = (dataDir: string) =>
  readdirSync(dataDir)
    .filter((f) => f.startsWith('events.sqlite'))
    .map((f) => join(dataDir, f));
const digestOf = (files: string[]) => {
  const hash = createHash('sha256');
  for (const f of files.sort()) hash.update(readFileSync(f));
  return hash.digest('hex');
};

/**
 * Statements as the LRS wrote them before sealing (store-statements.ts then): the statement with
 * id, authority and version set, the writer's credential, no `sealed`.
 */
async function writePlaintextLog(dataDir: string): Promise<void> {
  mkdirSync(dataDir, { recursive: true });
  const log = await openSqliteEventLog({ file: join(dataDir, 'events.sqlite') });
  const authority = {
    objectType: 'Agent',
    name: 'LMS import',
    account: { homePage: 'https://lrs.example', name: 'lms' },
  };
  const requests: AppendRequest[] = [];
  for (let i = 0; i < STATEMENTS; i++) {
    const id = randomUUID();
    const other = { objectType: 'Agent', name: `Learner ${i}`, mbox: `mailto:learner-${i}@example.org` };
    const statement = {
      id,
      actor: i % 4 === 0 ? perpetua : i % 4 === 1 ? inAccount : other,
      verb: { id: 'http://adlnet.gov/expapi/verbs/completed', display: { en: 'completed' } },
      object: { objectType: 'Activity', id: `https://example.org/courses/c-${i % 3}` },
      ...(i % 4 === 2 ? { context: { instructor: perpetua } } : {}),
      result: {
        completion: true,
        duration: 'PT1H30M',
        ...(i % 4 === 0 ? { response: `write to ${EMAIL}` } : {}),
      },
      timestamp: new Date(Date.UTC(2026, 2, 1 + i)).toISOString(),
      authority,
      version: '1.0.3',
    };
    requests.push({
      stream: statementStream(id),
      expectedRevision: 'no_stream',
      events: [
        anEvent(
          STATEMENT_EVENT,
          { statement: statement as never, credential: 'lms' },
          { metadata: { xapiVersion: '1.0.3' } },
        ),
      ],
    });
  }
  for (const outcome of await log.appendMany(requests)) expect(outcome.ok).to.equal(true);
  await log.close();
}

/** runCli with stdout and stderr captured. */
async function cli(argv: string[], env: NodeJS.ProcessEnv) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (s) => out.push(s), err: (s) => err.push(s), errIsTTY: false };
  const code = await runCli(argv, { LRS_LOG_LEVEL: 'silent', ...env }, io);
  return { code, out: out.join(''), err: err.join('') };
}

describe('pnpm privacy migrate: a log written before sealing, sealed into a copy that replaces it (decision 080)', function () {
  this.timeout(180_000);
  const root = mkdtempSync(join(tmpdir(), 'lrs-privacy-migrate-'));
  const dataDir = join(root, 'data');
  const env = { LRS_DATA_DIR: dataDir };
  after(() => rmSync(root, { recursive: true, force: true }));
  let answered: { all: unknown; byMail: unknown };

  const read = async (lrs: TestLrs) => {
    const all = await lrs.call('GET', 'statements?limit=100&ascending=true');
    const byMail = await lrs.call(
      'GET',
      `statements?agent=${encodeURIComponent(JSON.stringify({ mbox: `mailto:${EMAIL}` }))}&related_agents=true&ascending=true`,
    );
    expect(all.status, all.text).to.equal(200);
    return { all: all.body, byMail: byMail.body };
  };

  before(async () => {
    await writePlaintextLog(dataDir);
    const lrs = await TestLrs.start(env);
    try {
      await lrs.caughtUp();
      answered = await read(lrs);
    } finally {
      await lrs.stop();
    }
    expect((answered.all as { statements: unknown[] }).statements).to.have.length(STATEMENTS);
    // The point of the migration: today the log's bytes hold the person in the clear.
    expect(filesContaining(dataDir, EMAIL).some((f) => f.includes('events.sqlite'))).to.equal(true);
  });

  it('refuses while the LRS runs on the data directory, changing nothing', async () => {
    const lrs = await TestLrs.start(env);
    try {
      const digest = digestOf(logFiles(dataDir));
      const run = await cli(['migrate'], env);
      expect(run.code).to.equal(1);
      expect(run.err).to.include('is the LRS running');
      expect(digestOf(logFiles(dataDir))).to.equal(digest);
    } finally {
      await lrs.stop();
    }
  });

  /** Runs the migration in a child process and SIGKILLs it once it prints `marker`. */
  const killChildAt = async (stopAt: string, marker: string) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(here, 'support', 'migrate-child.ts'), dataDir, stopAt, String(BATCH)],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes(marker)) resolve();
      });
      child.on('exit', (code) => reject(new Error(`child exited ${code} before printing '${marker}'`)));
    });
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
  };

  it('killed (SIGKILL) after some batches and again before the copy replaces the log, resumes and finishes with equal fingerprints', async () => {
    await killChildAt('3', 'committed 3');
    // The log is untouched so far (the copy beside it holds the sealed batches).
    expect(filesContaining(dataDir, EMAIL)).to.include(join(dataDir, 'events.sqlite'));
    expect(filesContaining(dataDir, EMAIL).filter((f) => f.includes('.rewrite'))).to.deep.equal([]);

    // Resumed, and killed once the copy is complete, verified and recorded, just before the rename.
    await killChildAt('replace', 'replacing');
    expect(filesContaining(dataDir, EMAIL)).to.include(join(dataDir, 'events.sqlite'));

    const run = await cli(['migrate', '--batch', String(BATCH)], env);
    expect(run.code, run.err).to.equal(0);
    const outcome = JSON.parse(run.out) as {
      status: string;
      record: {
        events: number;
        sealed: Record<string, number>;
        fingerprintBefore: string;
        fingerprintAfter: string;
        reportsBefore: Record<string, string>;
        reportsAfter: Record<string, string>;
      };
    };
    expect(outcome.status).to.equal('migrated');
    // Every statement sealed once, though a run died after three batches.
    expect(outcome.record.sealed).to.deep.equal({ [STATEMENT_EVENT]: STATEMENTS });
    expect(outcome.record.fingerprintAfter).to.equal(outcome.record.fingerprintBefore);
    expect(outcome.record.reportsBefore).to.have.property('completion');
    expect(outcome.record.reportsAfter).to.deep.equal(outcome.record.reportsBefore);
    // Only the log's own file is left: the copy took its place, no -wal or -shm beside it.
    expect(readdirSync(dataDir).filter((f) => f.startsWith('events.sqlite'))).to.deep.equal([
      'events.sqlite',
    ]);

    // The raw bytes of the log (file, -wal) no longer hold the person's name, email or account.
    for (const needle of [NAME, EMAIL, ACCOUNT.name])
      expect(
        filesContaining(dataDir, needle).filter((f) => f.includes('events.sqlite')),
        needle,
      ).to.deep.equal([]);
  });

  it('a second run says it is done and changes nothing', async () => {
    const digest = digestOf(logFiles(dataDir));
    const run = await cli(['migrate'], env);
    expect(run.code, run.err).to.equal(0);
    expect(run.err).to.include('migrated already');
    expect((JSON.parse(run.out) as { status: string }).status).to.equal('already-migrated');
    expect(digestOf(logFiles(dataDir))).to.equal(digest);
  });

  it('the xAPI API answers as before, and the person can then be erased from everything', async () => {
    const lrs = await TestLrs.start(env);
    try {
      await lrs.caughtUp();
      const now = await read(lrs);
      expect(now).to.deep.equal(answered);
      for (const agent of [{ mbox: `mailto:${EMAIL}` }, { account: ACCOUNT }]) {
        const erased = await fetch(`${lrs.url}/api/admin/erasures`, {
          method: 'POST',
          headers: { Authorization: basic(ADMIN), 'Content-Type': 'application/json' },
          body: JSON.stringify({
            subject: { agent },
            reason: 'request of the data subject',
            legalBasis: 'PIPA art. 36',
          }),
        });
        expect(erased.status, await erased.clone().text()).to.equal(201);
      }
      await lrs.caughtUp();
      await lrs.system.erasuresSettled;
      const byMail = await lrs.call(
        'GET',
        `statements?agent=${encodeURIComponent(JSON.stringify({ mbox: `mailto:${EMAIL}` }))}`,
      );
      expect((byMail.body as { statements: unknown[] }).statements).to.deep.equal([]);
      const all = await lrs.call('GET', 'statements?limit=100');
      expect(all.text).to.not.include(NAME);
      for (const needle of [NAME, EMAIL, ACCOUNT.name])
        expect(filesContaining(dataDir, needle), needle).to.deep.equal([]);
    } finally {
      await lrs.stop();
    }
  });

  it('exits 2 on a wrong command line and 1 on EventStoreDB, naming the documented procedure', async () => {
    expect((await cli(['migrate', '--batch', '0'], env)).code).to.equal(2);
    expect((await cli(['migrate', '--threads', '-1'], env)).code).to.equal(2);
    expect((await cli(['migrate', '--threads', 'two'], env)).code).to.equal(2);
    expect((await cli(['migrate', 'extra'], env)).code).to.equal(2);
    expect((await cli(['migrate', '--vacum'], env)).code).to.equal(2);
    const esdb = await cli(['migrate'], { ...env, ESDB_URL: 'esdb://127.0.0.1:1?tls=false' });
    expect(esdb.code).to.equal(1);
    expect(esdb.err).to.include('080-migrating-a-plaintext-log.md');
  });
});

describe('pnpm privacy migrate after erasures recorded before it (decision 080, point 10)', function () {
  this.timeout(60_000);
  const root = mkdtempSync(join(tmpdir(), 'lrs-privacy-migrate-erasures-'));
  const dataDir = join(root, 'data');
  after(() => rmSync(root, { recursive: true, force: true }));

  it('counts them in its record and warns that those people must be erased again', async () => {
    await writePlaintextLog(dataDir);
    // The erasure was made by an LRS that sealed: the person had a key, destroyed by the erasure
    // (the key store was in use, as every key store beside an erasure is).
    const keys = openKeyStore(keyStoreFile(dataDir));
    const { pseudonym } = keys
      .subjects(['mbox:mailto:visitor-77@example.org'])
      .get('mbox:mailto:visitor-77@example.org')!;
    await keys.durable();
    keys.destroy([pseudonym]);
    releaseKeyStore(keyStoreFile(dataDir));
    const log = await openSqliteEventLog({ file: join(dataDir, 'events.sqlite') });
    await log.append(erasureStream(pseudonym), [
      anEvent(SUBJECT_ERASED, {
        erasureId: randomUUID(),
        pseudonyms: [pseudonym],
        subjectKind: 'agent',
        reason: 'request of the data subject',
        legalBasis: 'PDPO s.26',
        requestedBy: 'credential:admin',
        at: new Date().toISOString(),
      }),
    ]);
    await log.close();
    const run = await cli(['migrate', '--skip-reports'], { LRS_DATA_DIR: dataDir });
    expect(run.code, run.err).to.equal(0);
    expect((JSON.parse(run.out) as { record: { erasuresBefore: number } }).record.erasuresBefore).to.equal(1);
    expect(run.err).to.include('1 erasure(s) recorded before this migration');
    expect(run.err).to.match(/seal +\[#+\] +100% \d+\/\d+ events, \d+\/s/);
    expect(run.err).to.match(/verify +\[#+\] +100%/);
    expect(run.err).to.include('erase them again by identifier');
  });
});
