// Decision 086: a statement written with a bearer token keeps the token's subject (an identity
// provider's id of a person) nowhere in the clear; statements/read/mine still finds the token's own
// statements, those written before this decision included, and after the person's erasure nothing
// in the data directory names the subject.
import { randomUUID } from 'node:crypto';
import { ADMIN, basic, TestLrs } from '@lrs/server/testing';
import { anAgent, aStatement, filesContaining, recordSeoulBasics, verbs } from '@lrs/testkit';
import { ReferenceStore } from '@lrs/training';
import { expect } from 'chai';
import { nowSeconds, signHs256 } from '../security/support/jwt';

const HS_SECRET = 'hs256-shared-secret-for-tests-0123456789';
const ISSUER = 'https://idp.example.kr';
const SUBJECT = 'idp-subject-jmoon-55821';
const EARLIER_SUBJECT = 'idp-subject-hseo-30417';

describe("a token's subject in statements (decision 086)", function () {
  this.timeout(60_000);
  let lrs: TestLrs;
  before(async () => {
    lrs = await TestLrs.start({ LRS_JWT_HS256_SECRET: HS_SECRET });
  });
  after(() => lrs.stop());

  const tokenOf = (sub: string) =>
    signHs256(
      { sub, iss: ISSUER, scope: 'statements/write statements/read/mine', exp: nowSeconds() + 300 },
      HS_SECRET,
    );
  const asToken = async (sub: string, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${lrs.url}/xapi/${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${tokenOf(sub)}`,
        'X-Experience-API-Version': '1.0.3',
        'Content-Type': 'application/json',
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json().catch(() => null)) as unknown };
  };
  const mineOf = async (sub: string) => {
    const list = await asToken(sub, 'GET', 'statements?limit=100');
    expect(list.status).to.equal(200);
    return (list.body as { statements: { id: string }[] }).statements.map((s) => s.id);
  };
  const completed = (id: string, mbox: string) => ({
    id,
    actor: { mbox: `mailto:${mbox}` },
    verb: { id: 'http://adlnet.gov/expapi/verbs/completed' },
    object: { id: 'https://example.org/courses/records-law' },
  });

  it('the log holds no subject, and statements/read/mine shows the token its own statements and no other', async () => {
    const own = randomUUID();
    const other = randomUUID();
    expect(
      (await asToken(SUBJECT, 'POST', 'statements', completed(own, 'learner-1@example.org'))).status,
    ).to.equal(200);
    expect(
      (await lrs.call('POST', 'statements', { json: completed(other, 'learner-1@example.org') })).status,
    ).to.equal(200);
    await lrs.caughtUp();
    expect(await mineOf(SUBJECT)).to.deep.equal([own]);
    // Another subject of the same issuer is another writer.
    expect(await mineOf(`${SUBJECT}-2`)).to.deep.equal([]);
    const dataDir = lrs.system.config.dataDir;
    expect(
      filesContaining(dataDir, SUBJECT).filter((f) => f.includes('events.sqlite')),
      'log files naming the subject',
    ).to.deep.equal([]);
  });

  it("a statement recorded before decision 086 with token:<issuer>:<subject> is still its writer's", async () => {
    const earlier = randomUUID();
    // As the code before this decision wrote it: the writer's issuer and subject in the event.
    await lrs.system.statements.store({
      statements: [completed(earlier, 'learner-2@example.org')],
      version: '1.0.3',
      authority: {
        objectType: 'Agent',
        name: EARLIER_SUBJECT,
        account: { homePage: ISSUER, name: EARLIER_SUBJECT },
      },
      writer: `token:${encodeURIComponent(ISSUER)}:${EARLIER_SUBJECT}`,
    });
    await lrs.caughtUp();
    expect(await mineOf(EARLIER_SUBJECT)).to.deep.equal([earlier]);
    expect(await mineOf(SUBJECT)).to.not.include(earlier);
  });

  it("after the erasure of the token's person no file of the data directory names the subject, and the token sees nothing", async () => {
    const erased = await fetch(`${lrs.url}/api/admin/erasures`, {
      method: 'POST',
      headers: { Authorization: basic(ADMIN), 'Content-Type': 'application/json' },
      body: JSON.stringify({
        subject: { agent: { account: { homePage: ISSUER, name: SUBJECT } } },
        reason: 'request of the data subject',
        legalBasis: 'PIPA art. 36',
      }),
    });
    expect(erased.status, await erased.clone().text()).to.equal(201);
    await lrs.caughtUp();
    await lrs.system.erasuresSettled;
    expect(await mineOf(SUBJECT)).to.deep.equal([]);
    // The earlier subject's plaintext event is outside this erasure: only the erased subject is checked.
    expect(filesContaining(lrs.system.config.dataDir, SUBJECT), 'files naming the subject').to.deep.equal([]);
  });
});

describe("a report snapshot naming statements a token wrote, after the token's person is erased (decision 086)", function () {
  this.timeout(60_000);
  let lrs: TestLrs;
  before(async () => {
    lrs = await TestLrs.start({ LRS_JWT_HS256_SECRET: HS_SECRET });
  });
  after(() => lrs.stop());

  it('still verifies', async () => {
    const LMS = 'https://lms.example.kr';
    const ETHICS = `${LMS}/courses/welfare-ethics`;
    const reference = new ReferenceStore(lrs.system.log, lrs.system.keys);
    const policy = await recordSeoulBasics(reference, { officialId: 'kim-5120', lms: LMS, course: ETHICS });
    // A training centre's clerk records Kim's course with their own token.
    const token = signHs256(
      {
        sub: 'clerk-7781',
        name: 'Clerk Yoon Ha-na',
        iss: ISSUER,
        scope: 'statements/write',
        exp: nowSeconds() + 300,
      },
      HS_SECRET,
    );
    const written = await fetch(`${lrs.url}/xapi/statements`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${token}`,
        'X-Experience-API-Version': '1.0.3',
        'Content-Type': 'application/json',
      },
      body: JSON.stringify(
        aStatement()
          .withActor(anAgent().withAccount(LMS, 'kim-5120'))
          .withVerb(verbs.completed)
          .withActivity(ETHICS)
          .at('2026-03-02T10:00:00+09:00')
          .build(),
      ),
    });
    expect(written.status, await written.clone().text()).to.equal(200);
    await lrs.caughtUp();
    const api = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${lrs.url}${path}`, {
        method,
        headers: { Authorization: basic(ADMIN), 'Content-Type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const taken = await api('POST', '/api/reports/snapshots', {
      policy: policy.policyId,
      period: '2026',
      asOf: new Date().toISOString(),
    });
    expect(taken.status, JSON.stringify(taken.body)).to.equal(201);
    const erased = await api('POST', '/api/admin/erasures', {
      subject: { agent: { account: { homePage: ISSUER, name: 'clerk-7781' } } },
      reason: 'request of the data subject',
      legalBasis: 'PIPA art. 36',
    });
    expect(erased.status, JSON.stringify(erased.body)).to.equal(201);
    await lrs.caughtUp();
    await lrs.system.erasuresSettled;
    const verified = await api('GET', `/api/reports/snapshots/${taken.body.snapshotId}/verify`);
    expect(verified.body, JSON.stringify(verified.body)).to.include({ matches: true, alarm: null });
    for (const needle of ['clerk-7781', 'Clerk Yoon Ha-na'])
      expect(filesContaining(lrs.system.config.dataDir, needle), needle).to.deep.equal([]);
  });
});
