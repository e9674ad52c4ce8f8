import { randomUUID } from 'node:crypto';
import { expectNothingWritten, expectProblem, type StatementResult, TestLrs } from '@lrs/server/testing';
import { aStatement } from '@lrs/testkit';
import { expect } from 'chai';

// ADL suite: 1.0.3 H.Communication2.1 and 2.0.0 4.1.6.1 / 4.2.4.2 (Communication 2.1, Data 2.4.7, 2.4.8).
describe('conformance: the statements resource as the ADL suite drives it', () => {
  let lrs: TestLrs;
  before(async () => {
    lrs = await TestLrs.start();
  });
  after(async () => {
    await lrs.stop();
  });

  for (const version of ['1.0.3', '2.0.0']) {
    describe(`under ${version}`, () => {
      it('answers GET with Content-Type exactly application/json, for one statement and for a list (XAPI-00161)', async () => {
        const id = randomUUID();
        await lrs.call('PUT', `statements?statementId=${id}`, { version, json: aStatement().build() });
        for (const path of [
          `statements?statementId=${id}`,
          `statements?statementId=${id}&attachments=false`,
          'statements?limit=2',
        ]) {
          const res = await lrs.call('GET', path, { version });
          expect(res.status, res.text).to.equal(200);
          expect(res.headers.get('content-type'), path).to.equal('application/json');
        }
      });

      it('accepts a statement whose Content-Type has parameters or other letter case (RFC 9110 8.3.1)', async () => {
        for (const contentType of [
          'application/json; charset=UTF-8',
          'Application/JSON',
          'application/json;charset=utf-8',
        ]) {
          const res = await lrs.call('POST', 'statements', {
            version,
            body: JSON.stringify(aStatement().build()),
            headers: { 'Content-Type': contentType },
          });
          expect(res.status, `${contentType}: ${res.text}`).to.equal(200);
        }
      });

      it('carries X-Experience-API-Consistent-Through on a 400 for a parameter in the wrong case (XAPI-00153)', async () => {
        const res = await lrs.call('GET', 'statements?LIMIT=1', { version });
        expectProblem(res, 400, 'parameter.case', '/query/LIMIT');
        expect(Date.parse(res.headers.get('x-experience-api-consistent-through')!)).to.not.be.NaN;
      });

      it('overwrites a stored value sent by the client and gives stored millisecond precision (XAPI-00097, XAPI-00023)', async () => {
        const id = randomUUID();
        const sent = '2011-07-15T00:00:00.000Z';
        const put = await lrs.call('PUT', `statements?statementId=${id}`, {
          version,
          json: aStatement().set('/stored', sent).build(),
        });
        expect(put.status, put.text).to.equal(204);
        const back = await lrs.call('GET', `statements?statementId=${id}`, { version });
        const stored = (back.body as { stored: string }).stored;
        expect(stored).to.not.equal(sent);
        expect(stored).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
        // Last-Modified is the stored time to the second (Communication 2.1.3).
        expect(Date.parse(back.headers.get('last-modified')!)).to.equal(
          Math.floor(Date.parse(stored) / 1000) * 1000,
        );
      });

      it('sets a missing timestamp to stored and accepts one a few minutes in the future (Data 2.4.7)', async () => {
        const id = randomUUID();
        await lrs.call('PUT', `statements?statementId=${id}`, { version, json: aStatement().build() });
        const back = (await lrs.call('GET', `statements?statementId=${id}`, { version })).body as Record<
          string,
          string
        >;
        expect(back.timestamp).to.equal(back.stored);
        const future = new Date(Date.now() + 5 * 60_000).toISOString();
        const res = await lrs.call('POST', 'statements', { version, json: aStatement().at(future).build() });
        expect(res.status, res.text).to.equal(200);
      });

      it('answers a repeat of a stored statement with 204, by PUT and by POST, and keeps the first', async () => {
        const id = randomUUID();
        const statement = aStatement().withId(id).build();
        expect((await lrs.call('POST', 'statements', { version, json: statement })).status).to.equal(200);
        const before = await lrs.statementCount();
        expect(
          (await lrs.call('PUT', `statements?statementId=${id}`, { version, json: statement })).status,
        ).to.equal(204);
        expect((await lrs.call('POST', 'statements', { version, json: statement })).status).to.equal(204);
        await expectNothingWritten(lrs, before);
      });

      it('rejects a batch using one id twice with 400, writing none of it', async () => {
        const before = await lrs.statementCount();
        const id = randomUUID();
        const res = await lrs.call('POST', 'statements', {
          version,
          json: [aStatement().withId(id).build(), aStatement().withId(id).build()],
        });
        expect(res.status, res.text).to.equal(400);
        await expectNothingWritten(lrs, before);
      });

      it('a more link can be followed as a path on the same host and keeps the original query', async () => {
        const verb = { id: `https://example.org/verbs/${randomUUID()}`, display: { en: 'paged' } };
        await lrs.call('POST', 'statements', {
          version,
          json: [aStatement().withVerb(verb).build(), aStatement().withVerb(verb).build()],
        });
        const first = (
          await lrs.call('GET', `statements?verb=${encodeURIComponent(verb.id)}&limit=1`, { version })
        ).body as StatementResult;
        expect(first.statements).to.have.length(1);
        const next = await lrs.call('GET', new URL(first.more, lrs.url).pathname, { version });
        const second = next.body as StatementResult;
        expect(second.statements).to.have.length(1);
        expect(second.statements[0]).to.have.nested.property('verb.id', verb.id);
        expect(second.statements[0]!.id).to.not.equal(first.statements[0]!.id);
        expect(second.more).to.equal('');
      });
    });
  }
});
