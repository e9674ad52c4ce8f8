import { randomUUID } from 'node:crypto';
import { ADMIN, basic, expectNothingWritten, type StatementResult, TestLrs } from '@lrs/server/testing';
import { aStatement } from '@lrs/testkit';
import { expect } from 'chai';

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };

// ADL suite: 1.0.3 H.Communication1.3 and document.js (7.8), 2.0.0 H.Communication1.3 (Communication 1.3).
describe('conformance: alternate request syntax', () => {
  let lrs: TestLrs;
  before(async () => {
    lrs = await TestLrs.start();
  });
  after(async () => {
    await lrs.stop();
  });

  describe('under 1.0.3', () => {
    it('POST ?method=get with no body and no Content-Type answers a StatementResult (the form header is a SHOULD*)', async () => {
      await lrs.call('POST', 'statements', { json: aStatement().build() });
      const res = await lrs.call('POST', 'statements?method=get');
      expect(res.status, res.text).to.equal(200);
      expect(res.body).to.have.all.keys('statements', 'more');
      expect((res.body as StatementResult).statements).to.not.be.empty;
    });

    it('POST ?method=GET with limit as a form field pages by it', async () => {
      await lrs.call('POST', 'statements', { json: [aStatement().build(), aStatement().build()] });
      const res = await lrs.call('POST', 'statements?method=GET', {
        body: form({ limit: '1' }),
        headers: FORM,
      });
      expect((res.body as StatementResult).statements).to.have.length(1);
      expect((res.body as StatementResult).more).to.match(/^\/xapi\/statements\/more\//);
    });

    it('POST ?method=post (lower case) stores the form content and answers its id', async () => {
      const id = randomUUID();
      const res = await lrs.call('POST', 'statements?method=post', {
        headers: FORM,
        body: form({
          'X-Experience-API-Version': '1.0.2',
          'Content-Type': 'application/json',
          content: JSON.stringify(aStatement().withId(id).build()),
        }),
      });
      expect(res.status, res.text).to.equal(200);
      expect(res.body).to.deep.equal([id]);
    });

    it('form-only headers: Authorization and version in the form, the request carrying just the Content-Type', async () => {
      const id = randomUUID();
      const res = await lrs.call('POST', 'statements?method=PUT', {
        version: null,
        as: null,
        headers: FORM,
        body: form({
          statementId: id,
          content: JSON.stringify(aStatement().build()),
          'X-Experience-API-Version': '1.0.3',
          Authorization: basic(ADMIN),
        }),
      });
      expect(res.status, res.text).to.equal(204);
      expect((await lrs.call('GET', `statements?statementId=${id}`)).status).to.equal(200);
    });

    it("form parameters listed in Communication 1.3 are the request's headers: an unsupported version in the form is 400 even with a 1.0.3 header, and nothing is written", async () => {
      const before = await lrs.statementCount();
      const res = await lrs.call('POST', 'statements?method=PUT', {
        headers: FORM,
        body: form({
          statementId: randomUUID(),
          content: JSON.stringify(aStatement().build()),
          'X-Experience-API-Version': '0.8',
        }),
      });
      expect(res.status, res.text).to.equal(400);
      expect(res.error?.rule).to.equal('version.unsupported');
      expect(res.error?.pointer).to.match(/X-Experience-API-Version/i);
      await expectNothingWritten(lrs, before);
    });

    it("an Authorization form field replaces the request's header: a wrong one is 401 even with valid header credentials", async () => {
      const before = await lrs.statementCount();
      const res = await lrs.call('POST', 'statements?method=POST', {
        headers: FORM,
        body: form({
          content: JSON.stringify(aStatement().build()),
          Authorization: basic({ key: ADMIN.key, secret: 'not-the-secret-at-all' }),
        }),
      });
      expect(res.status, res.text).to.equal(401);
      expect(res.error?.rule).to.equal('auth.invalid_credentials');
      await expectNothingWritten(lrs, before);
    });

    it('an anonymous form is not read past the pre-authentication limit (64 KiB): 401 naming the Authorization field, nothing written', async () => {
      const before = await lrs.statementCount();
      const big = JSON.stringify(
        aStatement()
          .set('/result/extensions', { 'https://example.org/x': 'x'.repeat(300_000) })
          .build(),
      );
      const res = await lrs.call('POST', 'statements?method=POST', {
        as: null,
        headers: FORM,
        body: form({ content: big, Authorization: basic(ADMIN) }),
      });
      expect(res.status, res.text).to.equal(401);
      expect(res.error?.rule).to.equal('alternate-syntax.unauthenticated-body');
      expect(res.error?.pointer).to.equal('/form/Authorization');
      expect(res.error?.message).to.match(/first 65536 bytes/);
      await expectNothingWritten(lrs, before);
    });

    it('a large form whose Authorization field comes first, or whose header authenticates, is read whole', async () => {
      const big = (id: string) =>
        JSON.stringify(
          aStatement()
            .withId(id)
            .set('/result/extensions', { 'https://example.org/x': 'x'.repeat(300_000) })
            .build(),
        );
      const first = randomUUID();
      const viaField = await lrs.call('POST', 'statements?method=PUT', {
        as: null,
        headers: FORM,
        body: `${form({ Authorization: basic(ADMIN) })}&${form({ statementId: first, content: big(first) })}`,
      });
      expect(viaField.status, viaField.text).to.equal(204);
      const second = randomUUID();
      const viaHeader = await lrs.call('POST', 'statements?method=PUT', {
        headers: FORM,
        body: form({ statementId: second, content: big(second) }),
      });
      expect(viaHeader.status, viaHeader.text).to.equal(204);
    });

    it('content sent as JSON instead of a form is 400 and writes nothing', async () => {
      const before = await lrs.statementCount();
      const res = await lrs.call('POST', 'statements?method=post', {
        json: { 'Content-Type': 'application/json', content: { type: 'Buffer', data: [73, 39, 109] } },
      });
      expect(res.status, res.text).to.equal(400);
      await expectNothingWritten(lrs, before);
    });

    it('a statement with an attachment that needs a part is 400 (no attachment data in this syntax)', async () => {
      const before = await lrs.statementCount();
      const statement = aStatement()
        .withAttachment({
          usageType: 'https://example.org/usage/certificate',
          display: { 'en-US': 'Certificate' },
          contentType: 'text/plain',
          length: 27,
          sha2: '495395e777cd98da653df9615d09c0fd6bb2f8d4788394cd53c56a3bfdcd848a',
        })
        .build();
      const res = await lrs.call('POST', 'statements?method=PUT', {
        headers: FORM,
        body: form({ statementId: randomUUID(), content: JSON.stringify(statement) }),
      });
      expect(res.status, res.text).to.equal(400);
      await expectNothingWritten(lrs, before);
    });
  });

  describe('under 2.0 (the syntax was removed)', () => {
    for (const method of ['GET', 'PUT', 'POST']) {
      it(`POST ?method=${method} is a 4xx and writes nothing`, async () => {
        const before = await lrs.statementCount();
        const res = await lrs.call('POST', `statements?method=${method}`, {
          version: '2.0.0',
          headers: FORM,
          body: form({ statementId: randomUUID(), content: JSON.stringify(aStatement().build()) }),
        });
        expect(res.status, res.text).to.be.within(400, 499);
        await expectNothingWritten(lrs, before);
      });
    }

    it('PUT ?method=POST is a 4xx too', async () => {
      const res = await lrs.call('PUT', 'statements?method=POST', {
        version: '2.0.0',
        json: aStatement().build(),
      });
      expect(res.status, res.text).to.be.within(400, 499);
    });
  });
});
