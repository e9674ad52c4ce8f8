import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeEsdb } from '@lrs/event-log/testing/fake-esdb';
import { ADMIN, basic, TestLrs } from '@lrs/server/testing';
import { filesContaining } from '@lrs/testkit';
import { expect } from 'chai';
import nock from 'nock';
import { killAfterErasureRecorded } from './support/kill-after-erasure';

// Decision 079: a learner's State and Agent Profile documents, and a quarantined statement
// naming them, are sealed under their key; erasing them leaves nothing readable.
const EMAIL = 'ottoline.brackwater@example.org';
const ACCOUNT_NAME = 'obrack-5521';
const NAME = 'Ottoline Brackwater';
const BOOKMARK = 'bookmark-of-ottoline-chapter-7-page-31';
const PROFILE_NOTE = 'prefers-large-print-ottoline';
const BIG_NOTE = 'ottoline-long-essay-';
const ottoline = { objectType: 'Agent', mbox: `mailto:${EMAIL}` };
const ottolineAccount = {
  objectType: 'Agent',
  account: { homePage: 'https://lms.example.org', name: ACCOUNT_NAME },
};
const bob = { objectType: 'Agent', mbox: 'mailto:bob.keeps@example.org' };
const ACTIVITY = 'https://example.org/courses/records-management';
const REMOTE = 'https://127.0.0.1:9';

const q = (params: Record<string, unknown>) =>
  Object.entries(params)
    .map(([k, v]) => `${k}=${encodeURIComponent(typeof v === 'string' ? v : JSON.stringify(v))}`)
    .join('&');

describe("erasure of a learner's agent documents and quarantined statements (decision 079)", function () {
  this.timeout(60_000);
  let lrs: TestLrs;
  let dataDir: string;
  before(async () => {
    lrs = await TestLrs.start({ LRS_OUTBOUND_ALLOW: '127.0.0.1' });
    dataDir = lrs.system.config.dataDir;
  });
  after(() => lrs.stop());

  const erase = (agent: unknown) =>
    fetch(`${lrs.url}/api/admin/erasures`, {
      method: 'POST',
      headers: { Authorization: basic(ADMIN), 'Content-Type': 'application/json' },
      body: JSON.stringify({
        subject: { agent },
        reason: 'request of the data subject, ticket 5120',
        legalBasis: 'PDPO DPP2',
      }),
    }).then(async (r) => ({ status: r.status, body: (await r.json()) as { pseudonym?: string } }));

  const state = (agent: unknown, stateId: string) =>
    `activities/state?${q({ activityId: ACTIVITY, agent, stateId })}`;
  const stateIds = (agent: unknown) => `activities/state?${q({ activityId: ACTIVITY, agent })}`;
  const profile = (agent: unknown, profileId: string) => `agents/profile?${q({ agent, profileId })}`;
  const profileIds = (agent: unknown) => `agents/profile?${q({ agent })}`;

  it('seals the documents in the log, and after the erasure the API answers as if they never existed', async () => {
    // Ottoline has only documents here: no statement names her.
    const bookmark = await lrs.call('PUT', state(ottoline, 'bookmark'), { json: { at: BOOKMARK } });
    expect(bookmark.status, bookmark.text).to.equal(204);
    const big = Buffer.from(BIG_NOTE.repeat(60_000)); // over one append: the attachment store holds it
    const essay = await lrs.call('PUT', state(ottoline, 'essay'), {
      body: big,
      headers: { 'Content-Type': 'text/plain' },
    });
    expect(essay.status, essay.text).to.equal(204);
    const note = await lrs.call('PUT', profile(ottolineAccount, 'preferences'), {
      json: { note: PROFILE_NOTE },
      headers: { 'If-None-Match': '*' },
    });
    expect(note.status, note.text).to.equal(204);
    const bobs = await lrs.call('PUT', state(bob, 'bookmark'), { json: { at: 'bob-page-2' } });
    expect(bobs.status).to.equal(204);
    const bobsTag = bobs.headers.get('etag')!;
    await lrs.caughtUp();

    // Read back as written, in full.
    const read = await lrs.call('GET', state(ottoline, 'bookmark'));
    expect(read.status).to.equal(200);
    expect(read.body).to.deep.equal({ at: BOOKMARK });
    expect(read.headers.get('etag')).to.equal(bookmark.headers.get('etag'));
    const essayBack = await lrs.call('GET', state(ottoline, 'essay'));
    expect(essayBack.text).to.equal(big.toString());
    expect((await lrs.call('GET', stateIds(ottoline))).body).to.have.members(['bookmark', 'essay']);
    expect((await lrs.call('GET', profileIds(ottolineAccount))).body).to.deep.equal(['preferences']);
    // The log holds neither her identifiers nor what she wrote.
    for (const needle of [EMAIL, ACCOUNT_NAME, BOOKMARK, PROFILE_NOTE, BIG_NOTE])
      expect(
        filesContaining(dataDir, needle).filter((f) => !f.includes('projections')),
        needle,
      ).to.deep.equal([]);

    const byMail = await erase({ mbox: `mailto:${EMAIL}` });
    expect(byMail.status, JSON.stringify(byMail.body)).to.equal(201);
    const byAccount = await erase({ account: ottolineAccount.account });
    expect(byAccount.status, JSON.stringify(byAccount.body)).to.equal(201);
    await lrs.caughtUp();

    expect((await lrs.call('GET', state(ottoline, 'bookmark'))).status).to.equal(404);
    expect((await lrs.call('GET', state(ottoline, 'essay'))).status).to.equal(404);
    expect((await lrs.call('GET', stateIds(ottoline))).body).to.deep.equal([]);
    expect((await lrs.call('GET', profile(ottolineAccount, 'preferences'))).status).to.equal(404);
    expect((await lrs.call('GET', profileIds(ottolineAccount))).body).to.deep.equal([]);
    // Communication 2.4: the Person of an identifier the LRS no longer knows is that identifier only.
    const person = await lrs.call('GET', `agents?${q({ agent: ottoline })}`);
    expect(person.status).to.equal(200);
    expect(person.body).to.deep.equal({ objectType: 'Person', mbox: [`mailto:${EMAIL}`] });

    // Bob's document is untouched, and its ETag still guards it.
    const bobsRead = await lrs.call('GET', state(bob, 'bookmark'));
    expect(bobsRead.body).to.deep.equal({ at: 'bob-page-2' });
    expect(bobsRead.headers.get('etag')).to.equal(bobsTag);
    const stale = await lrs.call('PUT', state(bob, 'bookmark'), {
      json: { at: 'bob-page-3' },
      headers: { 'If-Match': '"0000000000000000000000000000000000000000"' },
    });
    expect(stale.status).to.equal(412);
    const current = await lrs.call('PUT', state(bob, 'bookmark'), {
      json: { at: 'bob-page-3' },
      headers: { 'If-Match': bobsTag },
    });
    expect(current.status).to.equal(204);

    // Raw bytes of every file: log, -wal, read models, key store.
    for (const needle of [EMAIL, ACCOUNT_NAME, BOOKMARK, PROFILE_NOTE, BIG_NOTE])
      expect(filesContaining(dataDir, needle), needle).to.deep.equal([]);
    // A second erasure finds nobody.
    expect((await erase({ mbox: `mailto:${EMAIL}` })).status).to.equal(404);
  });

  it('writes a document of the same identifier again as a new person after the erasure', async () => {
    const again = await lrs.call('PUT', state(ottoline, 'bookmark'), { json: { at: 'fresh-start' } });
    expect(again.status).to.equal(204);
    expect((await lrs.call('GET', stateIds(ottoline))).body).to.deep.equal(['bookmark']);
    expect((await lrs.call('GET', state(ottoline, 'bookmark'))).body).to.deep.equal({ at: 'fresh-start' });
    const deleted = await lrs.call('DELETE', stateIds(ottoline));
    expect(deleted.status).to.equal(204);
    expect((await lrs.call('GET', state(ottoline, 'bookmark'))).status).to.equal(404);
  });

  it('seals a quarantined statement under the people it names; their erasure leaves the record without them', async () => {
    const learner = { objectType: 'Agent', name: NAME, mbox: 'mailto:quarantined.learner@example.org' };
    const bad = {
      id: randomUUID(),
      actor: learner,
      verb: { id: 'not an iri' },
      object: { objectType: 'Activity', id: ACTIVITY },
      result: { response: `my answer, ${NAME}` },
      stored: '2024-01-01T00:00:00.000Z',
      timestamp: '2024-01-01T00:00:00.000Z',
    };
    // Too malformed to seal agent by agent: an instructor known by name only.
    const malformed = {
      id: randomUUID(),
      actor: { mbox: 'mailto:quarantined.learner@example.org' },
      verb: 3,
      context: { instructor: { name: NAME } },
    };
    const admin = (method: string, path: string, body?: unknown) =>
      fetch(`${lrs.url}/api/connectors/${path}`, {
        method,
        headers: { Authorization: basic(ADMIN), ...(body ? { 'Content-Type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
    const created = await admin('POST', 'sources', {
      id: 'lms',
      endpoint: `${REMOTE}/xapi/`,
      auth: { username: 'u', password: 'p' },
      pollIntervalSeconds: 3600,
    });
    expect(created.status, await created.text()).to.equal(201);
    nock(REMOTE)
      .get('/xapi/statements')
      .query(true)
      .reply(200, { statements: [bad, malformed], more: '' });
    const pulled = await admin('POST', 'sources/lms/pull');
    expect(pulled.status, await pulled.text()).to.equal(200);
    const listed = async () =>
      (
        (await (await admin('GET', 'sources/lms/quarantine')).json()) as {
          quarantined: { statementId: string; statement: string; erased?: boolean }[];
        }
      ).quarantined;
    const before = await listed();
    expect(before.map((r) => r.statementId)).to.have.members([bad.id, malformed.id]);
    // The administrator reads what was received.
    expect(before.find((r) => r.statementId === bad.id)!.statement).to.include(NAME);
    expect(before.find((r) => r.statementId === malformed.id)!.statement).to.include(NAME);
    // The log does not.
    expect(filesContaining(dataDir, NAME).filter((f) => !f.includes('projections'))).to.deep.equal([]);

    const erased = await erase({ mbox: 'mailto:quarantined.learner@example.org' });
    expect(erased.status, JSON.stringify(erased.body)).to.equal(201);
    const after = await listed();
    const opened = after.find((r) => r.statementId === bad.id)!;
    expect(opened.statement).to.not.include(NAME);
    expect(JSON.parse(opened.statement).actor.account).to.deep.equal({
      homePage: 'urn:lrs:erased',
      name: erased.body.pseudonym,
    });
    // The verb that failed stays readable: the record still says what was wrong.
    expect(JSON.parse(opened.statement).verb).to.deep.equal({ id: 'not an iri' });
    expect(after.find((r) => r.statementId === malformed.id)).to.include({ erased: true, statement: '' });
    expect(filesContaining(dataDir, NAME)).to.deep.equal([]);
    expect(filesContaining(dataDir, 'quarantined.learner@example.org')).to.deep.equal([]);
  });
});

describe("an agent's documents erased on EventStoreDB (decision 079)", function () {
  this.timeout(60_000);
  let fake: FakeEsdb;
  let lrs: TestLrs;
  before(async () => {
    fake = await FakeEsdb.start();
    lrs = await TestLrs.start({ ESDB_URL: fake.url });
  });
  after(async () => {
    await lrs.stop();
    await fake.close();
  });

  /** The streams, types, data and metadata bytes the EventStoreDB server holds that contain `needle`. */
  const inStreams = (needle: string) =>
    fake.log
      .filter((e) =>
        [Buffer.from(e.stream), Buffer.from(e.data), Buffer.from(e.metadata)].some((b) => b.includes(needle)),
      )
      .map((e) => `${e.stream} ${e.type}`);

  it('stores only pseudonyms and ciphertext in the streams, and answers 404 once the person is erased', async () => {
    const path = `activities/state?${q({ activityId: ACTIVITY, agent: ottoline, stateId: 'bookmark' })}`;
    const put = await lrs.call('PUT', path, { json: { at: BOOKMARK } });
    expect(put.status, put.text).to.equal(204);
    expect((await lrs.call('GET', path)).body).to.deep.equal({ at: BOOKMARK });
    expect(inStreams(EMAIL)).to.deep.equal([]);
    expect(inStreams(BOOKMARK)).to.deep.equal([]);
    const erased = await fetch(`${lrs.url}/api/admin/erasures`, {
      method: 'POST',
      headers: { Authorization: basic(ADMIN), 'Content-Type': 'application/json' },
      body: JSON.stringify({
        subject: { agent: { mbox: `mailto:${EMAIL}` } },
        reason: 'request of the data subject',
        legalBasis: 'PDPO DPP2',
      }),
    });
    expect(erased.status).to.equal(201);
    // The documents index has applied the erasure (the erasure waits for it, decision 065); the
    // other read models filter out every event here, which the fake server does not checkpoint.
    const head = (await lrs.system.log.headPosition())!;
    expect(await lrs.system.documents.index.running.waitFor(head, 10_000)).to.equal(true);
    expect((await lrs.call('GET', path)).status).to.equal(404);
    expect(
      (await lrs.call('GET', `activities/state?${q({ activityId: ACTIVITY, agent: ottoline })}`)).body,
    ).to.deep.equal([]);
    for (const needle of [EMAIL, BOOKMARK])
      expect(filesContaining(lrs.system.config.dataDir, needle), needle).to.deep.equal([]);
  });
});

describe('an erasure of a person with only documents, killed mid-way (SIGKILL), is finished by the next start (decision 079)', function () {
  this.timeout(120_000);
  const dataDir = mkdtempSync(join(tmpdir(), 'lrs-documents-crash-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));
  const path = `agents/profile?${q({ agent: ottolineAccount, profileId: 'preferences' })}`;

  it('after the event is recorded and before the key is destroyed: the documents are gone after a restart', async () => {
    const first = await TestLrs.start({ LRS_DATA_DIR: dataDir });
    const put = await first.call('PUT', path, {
      json: { note: PROFILE_NOTE },
      headers: { 'If-None-Match': '*' },
    });
    expect(put.status, put.text).to.equal(204);
    await first.caughtUp();
    await first.stop();

    // support/erase-child.ts records the erasure event, says so, and is killed before the key goes.
    await killAfterErasureRecorded(dataDir, { agent: { account: ottolineAccount.account } });

    const second = await TestLrs.start({ LRS_DATA_DIR: dataDir });
    try {
      await second.caughtUp();
      await second.system.erasuresSettled;
      expect((await second.call('GET', path)).status).to.equal(404);
      expect(
        (await second.call('GET', `agents/profile?${q({ agent: ottolineAccount })}`)).body,
      ).to.deep.equal([]);
      for (const needle of [ACCOUNT_NAME, PROFILE_NOTE])
        expect(filesContaining(dataDir, needle), needle).to.deep.equal([]);
    } finally {
      await second.stop();
    }
  });
});
