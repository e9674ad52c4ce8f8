import { randomUUID } from 'node:crypto';
import { ADMIN, basic, TestLrs } from '@lrs/server/testing';
import { filesContaining } from '@lrs/testkit';
import { expect } from 'chai';

// A person not in the registry, known to the LRS by one xAPI account (decision 065).
const NAME = 'Zelinda Quortfeather';
const ACCOUNT_NAME = 'zquort-7731';
const EMAIL = 'zelinda.quortfeather@example.org';
const zelinda = {
  objectType: 'Agent',
  name: NAME,
  account: { homePage: 'https://lms.example.org', name: ACCOUNT_NAME },
};
const bob = { objectType: 'Agent', name: 'Bob Learner', mbox: 'mailto:bob@example.org' };
const course = { objectType: 'Activity', id: 'https://example.org/courses/privacy-101' };

/** An erasure API answer, loosely typed for the checks below. */
interface Reply {
  pseudonym?: string;
  erasures?: Record<string, unknown>[];
  error?: { rule?: string; pointer?: string };
}

describe('erasure of one person by crypto-shredding (decision 065)', function () {
  this.timeout(60_000);
  let lrs: TestLrs;
  let dataDir: string;
  const own = randomUUID();
  const taught = randomUUID();
  before(async () => {
    lrs = await TestLrs.start();
    dataDir = lrs.system.config.dataDir;
  });
  after(() => lrs.stop());

  const admin = (method: string, body?: unknown, as = ADMIN) =>
    fetch(`${lrs.url}/api/admin/erasures`, {
      method,
      headers: {
        Authorization: basic(as),
        ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    }).then(async (r) => ({ status: r.status, body: (await r.json()) as Reply }));

  it('keeps no readable trace of the person anywhere in the data directory once erased', async () => {
    const write = await lrs.call('POST', 'statements', {
      json: [
        {
          id: own,
          actor: zelinda,
          verb: { id: 'http://adlnet.gov/expapi/verbs/answered' },
          object: course,
          result: { response: `Contact me at ${EMAIL}`, completion: true, duration: 'PT1H' },
        },
        {
          id: taught,
          actor: bob,
          verb: { id: 'http://adlnet.gov/expapi/verbs/completed' },
          object: course,
          context: { instructor: zelinda },
          result: { completion: true, duration: 'PT2H' },
        },
      ],
    });
    expect(write.status, write.text).to.equal(200);
    await lrs.caughtUp();
    // An audit replay copies the ledger, the person included, under audit/replays/.
    const replay = await fetch(`${lrs.url}/api/audits/replays`, {
      method: 'POST',
      headers: { Authorization: basic(ADMIN), 'Content-Type': 'application/json' },
      body: JSON.stringify({ asOf: new Date().toISOString() }),
    });
    expect(replay.status).to.equal(202);
    const replayId = ((await replay.json()) as { id: string }).id;
    await lrs.system.audit.jobs.idle();
    expect(filesContaining(dataDir, ACCOUNT_NAME).some((f) => f.includes('replays'))).to.equal(true);
    // The log holds only sealed values; the read models hold the person until the erasure.
    expect(filesContaining(dataDir, NAME).some((f) => f.includes('projections'))).to.equal(true);
    expect(filesContaining(dataDir, NAME).filter((f) => f.includes('log'))).to.deep.equal([]);

    const erased = await admin('POST', {
      subject: { agent: { account: zelinda.account } },
      reason: 'request of the data subject, ticket 4411',
      legalBasis: 'PIPA art. 36',
    });
    expect(erased.status, JSON.stringify(erased.body)).to.equal(201);
    expect(erased.body.pseudonym).to.match(/^p-/);
    await lrs.caughtUp();

    // The xAPI API: none of her statements, nothing by her identifier, the one she taught kept.
    const byAgent = await lrs.call(
      'GET',
      `statements?agent=${encodeURIComponent(JSON.stringify({ account: zelinda.account }))}`,
    );
    expect((byAgent.body as { statements: unknown[] }).statements).to.deep.equal([]);
    expect((await lrs.call('GET', `statements?statementId=${own}`)).status).to.equal(404);
    const kept = await lrs.call('GET', `statements?statementId=${taught}`);
    expect(kept.status).to.equal(200);
    expect(
      (kept.body as { context: { instructor: { account: unknown } } }).context.instructor.account,
    ).to.deep.equal({
      homePage: 'urn:lrs:erased',
      name: erased.body.pseudonym,
    });
    expect(kept.text).to.not.include(NAME);
    const person = await lrs.call(
      'GET',
      `agents?agent=${encodeURIComponent(JSON.stringify({ account: zelinda.account }))}`,
    );
    expect(person.text).to.not.include(NAME);

    // Replays requested before the erasure are deleted with it (run them again).
    const gone = await fetch(`${lrs.url}/api/audits/replays/${replayId}`, {
      headers: { Authorization: basic(ADMIN) },
    });
    expect(gone.status).to.equal(404);

    // The erasure itself is on record, with who, why and the pseudonym only.
    const list = await admin('GET');
    expect(list.body.erasures).to.have.length(1);
    expect(list.body.erasures?.[0]).to.include({
      reason: 'request of the data subject, ticket 4411',
      legalBasis: 'PIPA art. 36',
    });
    expect(JSON.stringify(list.body)).to.not.include(ACCOUNT_NAME);

    // Raw bytes of every file (log, -wal, read models, key store, audit scratch).
    for (const needle of [NAME, ACCOUNT_NAME, EMAIL])
      expect(filesContaining(dataDir, needle), needle).to.deep.equal([]);
  });

  it('answers an unknown or already erased person with 404 naming the field, and bad requests with 400', async () => {
    const again = await admin('POST', {
      subject: { agent: { account: zelinda.account } },
      reason: 'again',
      legalBasis: 'PIPA art. 36',
    });
    expect(again.status).to.equal(404);
    expect(again.body.error).to.include({ rule: 'erasure.subject-unknown', pointer: '/subject/agent' });
    const noReason = await admin('POST', {
      subject: { agent: { mbox: 'mailto:x@example.org' } },
      legalBasis: 'x',
    });
    expect(noReason.status).to.equal(400);
    expect(noReason.body.error?.pointer).to.equal('/reason');
    const badAgent = await admin('POST', {
      subject: { agent: { mbox: 'nope' } },
      reason: 'r',
      legalBasis: 'x',
    });
    expect(badAgent.status).to.equal(400);
    expect(badAgent.body.error?.pointer).to.match(/^\/subject\/agent/);
  });

  it('is for administrators only', async () => {
    const writer = await lrs.issueCredential('writer', ['statements/write', 'all']);
    const denied = await admin(
      'POST',
      { subject: { agent: { mbox: 'mailto:bob@example.org' } }, reason: 'r', legalBasis: 'x' },
      writer,
    );
    expect(denied.status).to.equal(403);
  });
});
