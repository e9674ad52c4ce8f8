// `pnpm privacy migrate` (decision 080) on a log that also holds agent documents and remote-LRS
// quarantine records written before decision 079 sealed them: both are sealed in place by the
// sealers of their owners (documentEventSealer, quarantineSealer), the fingerprints before and
// after are equal, the log's files no longer hold the person, and the document reads as before.
import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CliIo } from '@lrs/config/cli';
import { type JsonObject, openSqliteEventLog } from '@lrs/event-log';
import { anEvent } from '@lrs/events';
import {
  keyStoreFile,
  openKeyStore,
  openQuarantineText,
  QUARANTINED_STATEMENT,
  type QuarantineText,
  releaseKeyStore,
} from '@lrs/privacy';
import { DOCUMENT_WRITTEN, type DocumentKey, documentStream } from '@lrs/service-lrs';
import { runCli } from '@lrs/service-privacy';
import { expect } from 'chai';
import { MIGRATION_TYPES } from '../src/privacy-cli';
import { TestLrs } from './support/test-lrs';

const NAME = 'Ottoline Brackenridge';
const EMAIL = 'ottoline.brackenridge@example.org';
const ACTIVITY = 'https://example.org/courses/records-management';
const CONTENT = JSON.stringify({ bookmark: 'chapter-3', note: 'resume at the retention schedule' });
const sha1 = (text: string) => createHash('sha1').update(text).digest('hex');
const logFilesContaining = (dataDir: string, needle: string) =>
  readdirSync(dataDir)
    .filter((f) => f.startsWith('events.sqlite'))
    .filter((f) => readFileSync(join(dataDir, f)).includes(Buffer.from(needle)));

describe('pnpm privacy migrate: agent documents and quarantine records written before sealing (decisions 079, 080)', function () {
  this.timeout(120_000);
  const root = mkdtempSync(join(tmpdir(), 'lrs-migrate-documents-'));
  const dataDir = join(root, 'data');
  const env = { LRS_DATA_DIR: dataDir, LRS_LOG_LEVEL: 'silent' };
  after(() => rmSync(root, { recursive: true, force: true }));
  const agent = { mbox: `mailto:${EMAIL}` };
  const statePath = `activities/state?activityId=${encodeURIComponent(ACTIVITY)}&agent=${encodeURIComponent(JSON.stringify(agent))}&stateId=bookmark`;
  const received = JSON.stringify({
    id: randomUUID(),
    actor: { objectType: 'Agent', name: NAME, mbox: `mailto:${EMAIL}` },
    verb: { id: 'http://adlnet.gov/expapi/verbs/completed' },
    object: { id: ACTIVITY },
    result: { duration: 'one hour' },
  });

  before(async () => {
    mkdirSync(dataDir, { recursive: true });
    // The LRS of before 079 wrote both in the clear (the key in the document's metadata and
    // stream name, the received text in the quarantine record).
    const lrs = await TestLrs.start(env);
    const key = { resource: 'state', activityId: ACTIVITY, agent: `mbox:mailto:${EMAIL}`, id: 'bookmark' };
    await lrs.stop();
    const log = await openSqliteEventLog({ file: join(dataDir, 'events.sqlite') });
    await log.append(
      documentStream(key as DocumentKey),
      [
        {
          type: DOCUMENT_WRITTEN,
          data: new Uint8Array(Buffer.from(CONTENT)),
          metadata: {
            key,
            contentType: 'application/json',
            etag: sha1(CONTENT),
            length: CONTENT.length,
          } as unknown as JsonObject,
        },
      ],
      { expectedRevision: 'no_stream' },
    );
    await log.append(`connectors-quarantine-${randomUUID()}`, [
      anEvent(
        QUARANTINED_STATEMENT as never,
        {
          source: 'district-lms',
          statementId: null,
          rule: 'Data 4.6',
          reason: 'result.duration is not an ISO 8601 duration',
          statement: received,
        } as never,
      ),
    ]);
    await log.close();
    expect(logFilesContaining(dataDir, EMAIL)).to.not.deep.equal([]);
  });

  it('seals both where they stand; the document reads as before and the log no longer names the person', async () => {
    const before = await TestLrs.start(env);
    let answered: { status: number; body: unknown; etag: string | null };
    try {
      await before.caughtUp();
      const got = await before.call('GET', statePath);
      answered = { status: got.status, body: got.body, etag: got.headers.get('etag') };
    } finally {
      await before.stop();
    }
    expect(answered.status).to.equal(200);

    const out: string[] = [];
    const err: string[] = [];
    const io: CliIo = { out: (s) => out.push(s), err: (s) => err.push(s), errIsTTY: false };
    const code = await runCli(['migrate', '--skip-reports'], env, io, MIGRATION_TYPES);
    expect(code, err.join('')).to.equal(0);
    const outcome = JSON.parse(out.join('')) as {
      record: { sealed: Record<string, number>; fingerprintBefore: string; fingerprintAfter: string };
    };
    expect(outcome.record.sealed).to.deep.equal({ [DOCUMENT_WRITTEN]: 1, [QUARANTINED_STATEMENT]: 1 });
    expect(outcome.record.fingerprintAfter).to.equal(outcome.record.fingerprintBefore);
    for (const needle of [EMAIL, NAME, sha1(CONTENT), 'retention schedule'])
      expect(logFilesContaining(dataDir, needle), needle).to.deep.equal([]);

    const after = await TestLrs.start(env);
    try {
      await after.caughtUp();
      const got = await after.call('GET', statePath);
      expect({ status: got.status, body: got.body, etag: got.headers.get('etag') }).to.deep.equal(answered);
    } finally {
      await after.stop();
    }

    // The quarantine record opens to the text received, for the administrator who reads it.
    const log = await openSqliteEventLog({ file: join(dataDir, 'events.sqlite') });
    const keys = openKeyStore(keyStoreFile(dataDir));
    try {
      const [record] = (await log.readAll()).filter((e) => e.type === QUARANTINED_STATEMENT);
      const stored = record!.data as unknown as QuarantineText;
      expect(stored.sealed).to.equal('agents');
      expect(JSON.parse(openQuarantineText(stored, keys).statement)).to.deep.equal(JSON.parse(received));
    } finally {
      releaseKeyStore(keyStoreFile(dataDir));
      await log.close();
    }
  });
});
