import { randomUUID } from 'node:crypto';
import { expectNothingWritten, expectProblem, TestLrs } from '@lrs/server/testing';
import { aGroup, anAgent, aStatement } from '@lrs/testkit';
import { expect } from 'chai';

// ADL suite templating configs: timestamps.js (XAPI-00123, 2.0 RFC 3339 case) and authorities.js
// (XAPI-00098/00100), plus the 2.0 rule that timestamps are returned in UTC.
describe('conformance: statement timestamps and authority', () => {
  let lrs: TestLrs;
  before(async () => {
    lrs = await TestLrs.start();
  });
  after(async () => {
    await lrs.stop();
  });

  describe('timestamps (Data 4.5; xAPI 2.0 RFC 3339 and UTC)', () => {
    it('2.0 accepts the RFC 3339 form with a space separator and returns it in UTC with a T', async () => {
      const id = randomUUID();
      const res = await lrs.call('POST', 'statements', {
        version: '2.0.0',
        json: aStatement().withId(id).at('2008-09-15 15:53:00.601+02:00').build(),
      });
      expect(res.status, res.text).to.equal(200);
      const back = await lrs.call('GET', `statements?statementId=${id}`, { version: '2.0.0' });
      expect(back.body).to.have.property('timestamp', '2008-09-15T13:53:00.601Z');
    });

    it('2.0 accepts the space form in a SubStatement too', async () => {
      const res = await lrs.call('POST', 'statements', {
        version: '2.0.0',
        json: aStatement().withObject(aStatement().at('2008-09-15 15:53:00.601+00:00')).build(),
      });
      expect(res.status, res.text).to.equal(200);
    });

    it('1.0.3 (ISO 8601 only) rejects the space form with 400 at /timestamp, writing nothing', async () => {
      const before = await lrs.statementCount();
      const res = await lrs.call('POST', 'statements', {
        version: '1.0.3',
        json: aStatement().at('2008-09-15 15:53:00.601+00:00').build(),
      });
      expectProblem(res, 400, 'format.timestamp', '/timestamp');
      await expectNothingWritten(lrs, before);
    });

    for (const version of ['1.0.3', '2.0.0']) {
      for (const bad of [
        '2008-09-15T15:53:00.601-00:00',
        '2008-09-15T15:53:00.601-0000',
        '2008-09-15 15:53',
        '01/011/2015',
      ]) {
        it(`${version} rejects "${bad}" with 400 at /timestamp`, async () => {
          const res = await lrs.call('POST', 'statements', { version, json: aStatement().at(bad).build() });
          expectProblem(res, 400, 'format.timestamp', '/timestamp');
        });
      }
    }
  });

  describe('authority (Data 2.4.9)', () => {
    const oauthPair = () =>
      aGroup().withMembers(
        anAgent().withAccount('https://lrs.example.org/xAPI/OAuth/Token', 'oauth_consumer_x75db'),
        anAgent().withMbox('mailto:bob@example.org'),
      );

    for (const version of ['1.0.3', '2.0.0']) {
      it(`${version}: an anonymous Group of two Agents is accepted`, async () => {
        const res = await lrs.call('POST', 'statements', {
          version,
          json: aStatement().withAuthority(oauthPair()).build(),
        });
        expect(res.status, res.text).to.equal(200);
      });

      it(`${version}: an identified Group is rejected with 400 naming its IFI, even with two members`, async () => {
        const before = await lrs.statementCount();
        const res = await lrs.call('POST', 'statements', {
          version,
          json: aStatement()
            .withAuthority(oauthPair().identifiedByMbox('mailto:xapigroup@example.org'))
            .build(),
        });
        expectProblem(res, 400, 'authority.group-anonymous', '/authority/mbox');
        await expectNothingWritten(lrs, before);
      });
    }
  });
});
