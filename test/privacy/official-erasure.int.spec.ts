import { fingerprint } from '@lrs/projections';
import { ADMIN, basic, TestLrs } from '@lrs/server/testing';
import { aCourse, allOf, anAgent, aPolicy, aStatement, filesContaining, minHours, verbs } from '@lrs/testkit';
import { completionProjection, ReferenceStore } from '@lrs/training';
import { expect } from 'chai';

// Erasure of an official of the registry by officialId (decisions 065 and 077).
const LMS = 'https://lms.example.cn';
const OFFICIAL_ID = 'zhwq-5521';
const NAME = 'Zhang Weiqiang';
const EMAIL = 'zhang.weiqiang@example.cn';
const ACCOUNT_NAME = 'zhwq-acct-5521';
const LEAVE = 'Maternity leave of Zhang Weiqiang';
const ETHICS = `${LMS}/courses/civil-service-ethics`;

interface Answer {
  status: number;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: test answers are read loosely
  json: any;
}

describe('erasure of an official by officialId (decision 077)', function () {
  this.timeout(120_000);
  let lrs: TestLrs;
  let dataDir: string;
  const policy = aPolicy()
    .calendarYear('Asia/Shanghai')
    .requiring(allOf('all', minHours('basic-3h', 3, 'basic')))
    .build();

  const api = (method: string, path: string, body?: unknown, accept = 'application/json'): Promise<Answer> =>
    fetch(`${lrs.url}${path}`, {
      method,
      headers: {
        Authorization: basic(ADMIN),
        Accept: accept,
        ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    }).then(async (r) => {
      const text = await r.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      return { status: r.status, text, json };
    });

  const officials = [
    {
      officialId: OFFICIAL_ID,
      name: NAME,
      orgUnit: 'district-1',
      staffGroup: 'supervisor',
      jurisdiction: 'city',
      identifiers: [{ account: { homePage: LMS, name: ACCOUNT_NAME } }, { mbox: `mailto:${EMAIL}` }],
    },
    {
      officialId: 'lee-0042',
      name: 'Lee Seo-yeon',
      orgUnit: 'district-1',
      staffGroup: 'supervisor',
      jurisdiction: 'city',
      identifiers: [{ account: { homePage: LMS, name: 'lee-0042' } }],
    },
  ];
  const completed = (agent: ReturnType<typeof anAgent>, at: string) =>
    aStatement().withActor(agent).withVerb(verbs.completed).withActivity(ETHICS).at(at).build();

  before(async () => {
    lrs = await TestLrs.start();
    dataDir = lrs.system.config.dataDir;
    const reference = new ReferenceStore(lrs.system.log);
    await reference.importRecords('catalog', [aCourse(ETHICS).inCategory('basic').worth(2).build()], 'test');
    expect((await reference.publishPolicy(policy, 'test')).outcome).to.equal('published');
    const imported = await api('POST', '/api/admin/training/officials', officials);
    expect(imported.status, imported.text).to.equal(200);
    const exemption = await api('POST', '/api/admin/training/exemptions', [
      { exemptionId: 'ex-1', officialId: OFFICIAL_ID, from: '2026-06-01', to: '2026-08-31', reason: LEAVE },
    ]);
    expect(exemption.status, exemption.text).to.equal(200);
    const write = await lrs.call('POST', 'statements', {
      json: [
        completed(anAgent().withAccount(LMS, ACCOUNT_NAME), '2026-03-02T10:00:00+08:00'),
        completed(anAgent().withMbox(`mailto:${EMAIL}`), '2026-04-02T10:00:00+08:00'),
        completed(anAgent().withAccount(LMS, 'lee-0042'), '2026-03-05T10:00:00+08:00'),
      ],
    });
    expect(write.status, write.text).to.equal(200);
    // They signed in to the portal once and chose their time zone (kept per user, decision 062).
    lrs.system.sessionStore.saveProfile(
      `token:https%3A%2F%2Fidp.example.cn:${OFFICIAL_ID}`,
      { timeZone: 'Asia/Shanghai' },
      Date.now(),
      OFFICIAL_ID,
    );
    await lrs.caughtUp();
  });
  after(() => lrs.stop());

  const report = () => api('GET', `/api/reports/completion?policy=${policy.policyId}&period=2026`);

  it('keeps the registry record and the exemption sealed in the log, and an unchanged import changes nothing', async () => {
    for (const needle of [NAME, EMAIL, ACCOUNT_NAME, OFFICIAL_ID, LEAVE])
      expect(
        filesContaining(dataDir, needle).filter((f) => f.includes(`${dataDir}/log`)),
        needle,
      ).to.deep.equal([]);
    const again = await api('POST', '/api/admin/training/officials', officials);
    expect(again.json).to.include({ changed: 0, unchanged: 2 });
    // Read through the key store, the record is the official as imported.
    const transcript = await api('GET', `/api/officials/${OFFICIAL_ID}/transcript`);
    expect(transcript.status, transcript.text).to.equal(200);
    expect(transcript.text).to.include(NAME);
  });

  it('refuses an unknown official (404) and one of an official’s identifiers alone (409, pointing to officialId)', async () => {
    const unknown = await api('POST', '/api/admin/erasures', {
      subject: { officialId: 'nobody-here' },
      reason: 'request',
      legalBasis: 'PIPL art. 47',
    });
    expect(unknown.status).to.equal(404);
    expect(unknown.json.error).to.include({
      rule: 'erasure.subject-unknown',
      pointer: '/subject/officialId',
    });
    const identifier = await api('POST', '/api/admin/erasures', {
      subject: { agent: { mbox: `mailto:${EMAIL}` } },
      reason: 'request',
      legalBasis: 'PIPL art. 47',
    });
    expect(identifier.status).to.equal(409);
    expect(identifier.json.error).to.include({
      rule: 'erasure.official-identifier',
      pointer: '/subject/agent',
    });
    expect(identifier.json.error.message).to.include('officialId');
  });

  it('leaves nothing that identifies them, anywhere, while the totals stay what they were', async () => {
    const before = await report();
    expect(before.status, before.text).to.equal(200);
    const csvBefore = await api(
      'GET',
      `/api/reports/completion?policy=${policy.policyId}&period=2026`,
      undefined,
      'text/csv',
    );
    expect(csvBefore.text).to.include(OFFICIAL_ID);
    // The read models hold the person until the erasure (so the search below can find them).
    for (const needle of [NAME, OFFICIAL_ID, ACCOUNT_NAME])
      expect(
        filesContaining(dataDir, needle).some((f) => f.includes('projections')),
        needle,
      ).to.equal(true);

    // A report snapshot naming them, taken before: it must not keep them in the log (decision 078).
    const snapshot = await api('POST', '/api/reports/snapshots', {
      policy: policy.policyId,
      period: '2026',
      asOf: new Date().toISOString(),
    });
    expect(snapshot.status, snapshot.text).to.equal(201);
    const completionDb = lrs.system.completion.running.readDb();
    const fingerprintBefore = fingerprint(completionDb, completionProjection);
    const erased = await api('POST', '/api/admin/erasures', {
      subject: { officialId: OFFICIAL_ID },
      reason: 'left the service; request of the data subject, ticket 88',
      legalBasis: 'PIPL art. 47',
    });
    expect(erased.status, erased.text).to.equal(201);
    // The official and each of their two identifiers.
    expect(erased.json.pseudonyms).to.have.length(3);
    const pseudonym: string = erased.json.pseudonym;
    await lrs.caughtUp();

    // The completion read model says the same: an erasure changes no fingerprint (decision 077).
    expect(fingerprint(completionDb, completionProjection)).to.equal(fingerprintBefore);

    // The xAPI API: nothing by either identifier.
    for (const agent of [{ account: { homePage: LMS, name: ACCOUNT_NAME } }, { mbox: `mailto:${EMAIL}` }]) {
      const found = await lrs.call('GET', `statements?agent=${encodeURIComponent(JSON.stringify(agent))}`);
      expect((found.body as { statements: unknown[] }).statements, JSON.stringify(agent)).to.deep.equal([]);
    }
    // Their transcript and completion are gone under their id.
    expect((await api('GET', `/api/officials/${OFFICIAL_ID}/transcript`)).status).to.equal(404);
    // The report: the same totals, the row now under the pseudonym.
    const after = await report();
    // Only the log position moved (the erasure is an event).
    const { position: _a, asOf: _c, ...summaryAfter } = after.json;
    const { position: _b, asOf: _d, ...summaryBefore } = before.json;
    expect(summaryAfter).to.deep.equal(summaryBefore);
    const csv = await api(
      'GET',
      `/api/reports/completion?policy=${policy.policyId}&period=2026`,
      undefined,
      'text/csv',
    );
    expect(csv.status).to.equal(200);
    expect(csv.text).to.include(pseudonym);
    // The same rows, one renamed: their hours still count.
    expect(csv.text.split('\n').length).to.equal(csvBefore.text.split('\n').length);
    for (const needle of [NAME, OFFICIAL_ID, ACCOUNT_NAME]) expect(csv.text).to.not.include(needle);

    // The erasure is on record with who and why, and no personal data.
    const list = await api('GET', '/api/admin/erasures');
    expect(list.json.erasures.at(-1)).to.include({ subjectKind: 'officialId', legalBasis: 'PIPL art. 47' });
    for (const needle of [NAME, OFFICIAL_ID, ACCOUNT_NAME, EMAIL]) expect(list.text).to.not.include(needle);

    const verified = await api('GET', `/api/reports/snapshots/${snapshot.json.snapshotId}/verify`);
    expect(verified.json, verified.text).to.include({ matches: true, alarm: null });
    const shown = await api('GET', `/api/reports/snapshots/${snapshot.json.snapshotId}`);
    expect(shown.json.rows.find((r: { officialId: string }) => r.officialId === pseudonym)).to.include({
      erased: true,
    });

    // A second erasure finds no one.
    const again = await api('POST', '/api/admin/erasures', {
      subject: { officialId: OFFICIAL_ID },
      reason: 'again',
      legalBasis: 'PIPL art. 47',
    });
    expect(again.status).to.equal(404);

    // Raw bytes of every file: log and -wal, read models, key store, portal sessions and profiles.
    for (const needle of [NAME, EMAIL, ACCOUNT_NAME, OFFICIAL_ID, LEAVE])
      expect(filesContaining(dataDir, needle), needle).to.deep.equal([]);
  });
});
