import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN, basic, TestLrs } from '@lrs/server/testing';
import { expect } from 'chai';

// Decision 084: an erased statement's verb, activity and registration keys stay in the statements
// index as rows pointing at no statement. They must never make a later statement match them, even
// when the erased statement was the newest one and the LRS restarts before the next arrives.
const ACCOUNT = { homePage: 'https://lms.example.org', name: 'hvantreck-2290' };
const VERB = 'http://adlnet.gov/expapi/verbs/experienced';
const COURSE = 'https://example.org/courses/records-management';
const REGISTRATION = randomUUID();

describe("an erased person's statements match no later statement (decision 084)", function () {
  this.timeout(120_000);
  const dataDir = mkdtempSync(join(tmpdir(), 'lrs-erasure-keys-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  const ids = (reply: { body: unknown }) =>
    ((reply.body as { statements: { id: string }[] }).statements ?? []).map((s) => s.id);

  it('after erasing the newest statement and a restart, the next statement takes a new place', async () => {
    const first = await TestLrs.start({ LRS_DATA_DIR: dataDir });
    const earlier = randomUUID();
    try {
      const write = await first.call('POST', 'statements', {
        json: [
          {
            id: earlier,
            actor: { mbox: 'mailto:colleague@example.org' },
            verb: { id: 'http://adlnet.gov/expapi/verbs/completed' },
            object: { id: 'https://example.org/courses/ethics' },
          },
          // The erased person's statement is the newest in the index.
          {
            id: randomUUID(),
            actor: { name: 'Hedda Vantreck', account: ACCOUNT },
            verb: { id: VERB },
            object: { id: COURSE },
            context: { registration: REGISTRATION },
          },
        ],
      });
      expect(write.status, write.text).to.equal(200);
      await first.caughtUp();
      const erased = await fetch(`${first.url}/api/admin/erasures`, {
        method: 'POST',
        headers: { Authorization: basic(ADMIN), 'Content-Type': 'application/json' },
        body: JSON.stringify({
          subject: { agent: { account: ACCOUNT } },
          reason: 'request of the data subject',
          legalBasis: 'PIPA art. 36',
        }),
      });
      expect(erased.status).to.equal(201);
      await first.caughtUp();
      for (const filter of [
        `verb=${encodeURIComponent(VERB)}`,
        `activity=${encodeURIComponent(COURSE)}`,
        `registration=${REGISTRATION}`,
      ])
        expect(ids(await first.call('GET', `statements?${filter}`)), filter).to.deep.equal([]);
    } finally {
      await first.stop();
    }

    const second = await TestLrs.start({ LRS_DATA_DIR: dataDir });
    try {
      const later = randomUUID();
      const write = await second.call('POST', 'statements', {
        json: {
          id: later,
          actor: { mbox: 'mailto:colleague@example.org' },
          verb: { id: 'http://adlnet.gov/expapi/verbs/attempted' },
          object: { id: 'https://example.org/courses/budgeting' },
        },
      });
      expect(write.status, write.text).to.equal(200);
      await second.caughtUp();
      // The erased statement's verb, course and registration still find nothing.
      for (const filter of [
        `verb=${encodeURIComponent(VERB)}`,
        `activity=${encodeURIComponent(COURSE)}`,
        `registration=${REGISTRATION}`,
      ])
        expect(ids(await second.call('GET', `statements?${filter}`)), filter).to.deep.equal([]);
      // The colleague's statements, newest first, both there.
      const colleague = await second.call(
        'GET',
        `statements?agent=${encodeURIComponent(JSON.stringify({ mbox: 'mailto:colleague@example.org' }))}`,
      );
      expect(ids(colleague)).to.deep.equal([later, earlier]);
    } finally {
      await second.stop();
    }
  });
});
