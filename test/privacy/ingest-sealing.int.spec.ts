import { randomUUID } from 'node:crypto';
import { basename } from 'node:path';
import { ADMIN, TestLrs } from '@lrs/server/testing';
import { filesContaining } from '@lrs/testkit';
import { expect } from 'chai';
import { nowSeconds, signHs256 } from '../security/support/jwt';

// Decision 081: a statement pushed with an LRS credential keeps that credential's own account
// (its authority, Data 2.4.9) in the clear; the learner is sealed; a person who writes with a
// token is their statements' authority and is sealed too.
const SECRET = 'ingest-sealing-secret-0123456789abcdef';
const learner = {
  objectType: 'Agent',
  name: 'Oluwaseun Vasquez-Tanaka',
  account: { homePage: 'https://lms.example.org', name: 'ovt-4417' },
};
const course = { objectType: 'Activity', id: 'https://example.org/courses/records-101' };

describe('what ingest seals in the log (decision 081)', function () {
  this.timeout(30_000);
  let lrs: TestLrs;
  before(async () => {
    lrs = await TestLrs.start({ LRS_JWT_HS256_SECRET: SECRET });
  });
  after(() => lrs.stop());

  /** The statement as the log holds it (the payload before opening). */
  async function logged(id: string): Promise<Record<string, unknown>> {
    const [event] = await lrs.system.log.readStream(`statement-${id}`, { maxCount: 1 });
    return (event!.data as { statement: Record<string, unknown> }).statement;
  }

  it('keeps the credential’s own account as authority in the clear, and the learner sealed', async () => {
    const id = randomUUID();
    const write = await lrs.call('POST', 'statements', {
      json: { id, actor: learner, verb: { id: 'http://adlnet.gov/expapi/verbs/completed' }, object: course },
    });
    expect(write.status, write.text).to.equal(200);
    const stored = await logged(id);
    expect(stored.authority).to.deep.include({
      account: { homePage: lrs.system.config.baseUrl, name: ADMIN.key },
    });
    expect(JSON.stringify(stored.actor)).to.not.include('ovt-4417');
    await lrs.caughtUp();
    const read = await lrs.call('GET', `statements?statementId=${id}`);
    expect((read.body as { actor: unknown }).actor).to.deep.equal(learner);
  });

  it('seals a person writing with a token, who is their statements’ authority', async () => {
    const token = signHs256(
      { sub: 'ngozi-achterberg-88', name: 'Ngozi Achterberg', scope: 'all', exp: nowSeconds() + 600 },
      SECRET,
    );
    const id = randomUUID();
    const res = await fetch(`${lrs.endpoint}statements`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${token}`,
        'X-Experience-API-Version': '1.0.3',
        'Content-Type': 'application/json',
      },
      body: JSON.stringify({
        id,
        actor: learner,
        verb: { id: 'http://adlnet.gov/expapi/verbs/attended' },
        object: course,
      }),
    });
    expect(res.status, await res.text()).to.equal(200);
    const stored = JSON.stringify(await logged(id));
    expect(stored).to.not.include('Ngozi Achterberg');
    expect(stored).to.not.include('ngozi-achterberg-88');
    await lrs.caughtUp();
    const read = await lrs.call('GET', `statements?statementId=${id}`);
    expect((read.body as { authority: { name?: string } }).authority.name).to.equal('Ngozi Achterberg');
    // The person's name reaches the read models (which forget it on erasure), never the log file.
    // The log's files (events.sqlite and its -wal).
    const inLog = (needle: string) =>
      filesContaining(lrs.system.config.dataDir, needle).filter((f) =>
        basename(f).startsWith('events.sqlite'),
      );
    // (The event's `credential`, `token:<iss>:<sub>`, still names the token's subject in the
    // clear: decision 081, "Not done".)
    expect(inLog('Ngozi Achterberg')).to.deep.equal([]);
    expect(inLog('"name":"ngozi-achterberg-88"')).to.deep.equal([]);
    // …while the credential's account, which the registry holds in the log anyway, is there.
    expect(inLog(`"name":"${ADMIN.key}"`)).to.not.deep.equal([]);
  });
});
