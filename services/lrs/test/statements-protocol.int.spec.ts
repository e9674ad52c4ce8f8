import { randomUUID } from 'node:crypto';
import {
  ADMIN,
  basic,
  expectNothingWritten,
  expectProblem,
  type StatementResult,
  TestLrs,
} from '@lrs/server/testing';
import { anAgent, aStatement } from '@lrs/testkit';
import { expect } from 'chai';

/** An alternate-syntax request (Communication 1.3): POST ?method=X with a url-encoded form. */
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };

describe('Statements resource: protocol (versioning, alternate syntax, authentication, bad input)', () => {
  let lrs: TestLrs;
  before(async () => {
    lrs = await TestLrs.start();
  });
  after(async () => {
    await lrs.stop();
  });

  describe('versioning (Communication 3.3, XAPI 2.0 changes)', () => {
    it('rejects a statements request without X-Experience-API-Version with 400 and writes nothing', async () => {
      const before = await lrs.statementCount();
      for (const [method, path] of [
        ['GET', `statements?statementId=${randomUUID()}`],
        ['POST', 'statements'],
        ['PUT', `statements?statementId=${randomUUID()}`],
      ] as const) {
        const res = await lrs.call(method, path, {
          version: null,
          ...(method === 'GET' ? {} : { json: aStatement().build() }),
        });
        expectProblem(res, 400, 'version.missing', '/headers/X-Experience-API-Version');
      }
      await expectNothingWritten(lrs, before);
    });

    for (const version of ['0.9', '0.95', '1.1.0', '3.0', 'banana']) {
      it(`rejects version ${version} with 400`, async () => {
        const res = await lrs.call('POST', 'statements', { version, json: aStatement().build() });
        expectProblem(res, 400, 'version.unsupported', '/headers/X-Experience-API-Version');
      });
    }

    it('serves 1.0 and 1.0.x as 1.0.3 and answers with that version header', async () => {
      for (const version of ['1.0', '1.0.0', '1.0.3']) {
        const res = await lrs.call('POST', 'statements', { version, json: aStatement().build() });
        expect(res.status, `${version}: ${res.text}`).to.equal(200);
        expect(res.headers.get('x-experience-api-version')).to.equal('1.0.3');
      }
    });

    it('About answers 200 whatever the version header, lists 1.0.3 and 2.0.0, needs no credentials', async () => {
      for (const version of [null, '0.9', '1.0.3', '2.0.0']) {
        const res = await lrs.call('GET', 'about', { version, as: null });
        expect(res.status, String(version)).to.equal(200);
        expect((res.body as { version: string[] }).version).to.include.members(['1.0.3', '2.0.0']);
      }
    });

    describe('under 2.0', () => {
      it('answers with X-Experience-API-Version 2.0.0 and stores version 2.0.0', async () => {
        const res = await lrs.call('POST', 'statements', { version: '2.0', json: aStatement().build() });
        expect(res.status, res.text).to.equal(200);
        expect(res.headers.get('x-experience-api-version')).to.equal('2.0.0');
        const back = await lrs.call('GET', `statements?statementId=${(res.body as string[])[0]}`, {
          version: '2.0.0',
        });
        expect(back.body).to.have.property('version', '2.0.0');
      });

      it('converts a timestamp with an offset to UTC instead of rejecting it', async () => {
        const res = await lrs.call('POST', 'statements', {
          version: '2.0.0',
          json: aStatement().at('2025-03-01T10:00:00.000+02:00').build(),
        });
        expect(res.status, res.text).to.equal(200);
        const back = await lrs.call('GET', `statements?statementId=${(res.body as string[])[0]}`, {
          version: '2.0.0',
        });
        const timestamp = (back.body as { timestamp: string }).timestamp;
        expect(timestamp).to.match(/Z$/);
        expect(Date.parse(timestamp)).to.equal(Date.parse('2025-03-01T08:00:00Z'));
      });

      it('rejects a statement with a property the spec does not define, writing nothing', async () => {
        const before = await lrs.statementCount();
        const res = await lrs.call('POST', 'statements', {
          version: '2.0.0',
          json: aStatement().set('/mood', 'happy').build(),
        });
        expect(res.status, res.text).to.equal(400);
        expect(res.error?.pointer).to.equal('/mood');
        await expectNothingWritten(lrs, before);
      });

      it('rejects the alternate request syntax', async () => {
        const before = await lrs.statementCount();
        const res = await lrs.call('POST', 'statements?method=PUT', {
          version: '2.0.0',
          headers: FORM,
          body: form({ statementId: randomUUID(), content: JSON.stringify(aStatement().build()) }),
        });
        expectProblem(res, 400, 'alternate-syntax.removed');
        await expectNothingWritten(lrs, before);
      });
    });
  });

  describe('alternate request syntax under 1.0.3 (Communication 1.3)', () => {
    const altHeaders = { ...FORM };
    it('GET through POST ?method=GET answers a StatementResult', async () => {
      const res = await lrs.call('POST', 'statements?method=GET', {
        headers: altHeaders,
        body: form({ limit: '1' }),
      });
      expect(res.status, res.text).to.equal(200);
      expect(res.body).to.have.property('statements').that.is.an('array');
      expect(res.body).to.have.property('more');
    });

    it('PUT through the form (statementId and content as fields) answers 204 and stores it', async () => {
      const id = randomUUID();
      const res = await lrs.call('POST', 'statements?method=PUT', {
        headers: altHeaders,
        body: form({ statementId: id, content: JSON.stringify(aStatement().build()) }),
      });
      expect(res.status, res.text).to.equal(204);
      expect((await lrs.call('GET', `statements?statementId=${id}`)).status).to.equal(200);
    });

    it('takes Authorization, version and Content-Type from form fields', async () => {
      const res = await fetch(`${lrs.url}/xapi/statements?method=POST`, {
        method: 'POST',
        headers: FORM,
        body: form({
          Authorization: basic(ADMIN),
          'X-Experience-API-Version': '1.0.3',
          'Content-Type': 'application/json',
          content: JSON.stringify(aStatement().build()),
        }),
      });
      expect(res.status, await res.clone().text()).to.equal(200);
      expect(await res.json())
        .to.be.an('array')
        .with.length(1);
    });

    it("a version form field is the request's version header (Communication 1.3): '0.8' in the form is 400 even with a valid header, nothing written", async () => {
      const before = await lrs.statementCount();
      const id = randomUUID();
      const res = await lrs.call('POST', 'statements?method=PUT', {
        headers: altHeaders,
        body: form({
          statementId: id,
          'X-Experience-API-Version': '0.8',
          content: JSON.stringify(aStatement().build()),
        }),
      });
      expect(res.status, res.text).to.equal(400);
      expect(res.error?.rule).to.equal('version.unsupported');
      expect(await lrs.statementCount()).to.equal(before);
    });

    it('treats content without a Content-Type field as application/json', async () => {
      const res = await lrs.call('POST', 'statements?method=POST', {
        headers: altHeaders,
        body: form({ content: JSON.stringify(aStatement().build()) }),
      });
      expect(res.status, res.text).to.equal(200);
    });

    it('rejects parameters other than method in the query string with 400, writing nothing', async () => {
      const before = await lrs.statementCount();
      const id = randomUUID();
      const res = await lrs.call('POST', `statements?method=PUT&statementId=${id}`, {
        headers: altHeaders,
        body: form({ statementId: id, content: JSON.stringify(aStatement().build()) }),
      });
      expectProblem(res, 400, 'alternate-syntax.query', '/query');
      await expectNothingWritten(lrs, before);
    });

    it('rejects a PUT with no content, and a body that is not url-encoded, with 400', async () => {
      const empty = await lrs.call('POST', 'statements?method=PUT', { headers: altHeaders, body: '' });
      expect(empty.status, empty.text).to.equal(400);
      const json = await lrs.call('POST', 'statements?method=PUT', {
        headers: altHeaders,
        body: JSON.stringify({ statementId: randomUUID(), content: JSON.stringify(aStatement().build()) }),
      });
      expect(json.status, json.text).to.equal(400);
    });

    it('rejects ?method= on a request that is not a POST with 400', async () => {
      const res = await lrs.call('GET', 'statements?method=POST');
      expectProblem(res, 400, 'parameter.unknown', '/query/method');
    });

    it('rejects an unknown method with 400', async () => {
      const res = await lrs.call('POST', 'statements?method=PATCH', { headers: altHeaders, body: form({}) });
      expectProblem(res, 400, 'alternate-syntax.method', '/query/method');
    });
  });

  describe('authentication and scopes (Communication 4)', () => {
    it('answers 401 with a Basic challenge without credentials or with wrong ones', async () => {
      const missing = await lrs.call('GET', 'statements', { as: null });
      expectProblem(missing, 401, 'auth.missing');
      expect(missing.headers.get('www-authenticate')).to.match(/^Basic /);
      const wrong = await lrs.call('POST', 'statements', {
        as: { key: ADMIN.key, secret: 'wrong-secret-000000' },
        json: aStatement().build(),
      });
      expectProblem(wrong, 401, 'auth.invalid_credentials');
      expect(wrong.headers.get('www-authenticate')).to.match(/^Basic /);
    });

    it('a statements/read/mine credential sees only the statements it wrote', async () => {
      const mine = await lrs.issueCredential('kiosk', ['statements/write', 'statements/read/mine']);
      const learner = anAgent().withMbox(`mailto:${randomUUID()}@example.org`);
      const agent = encodeURIComponent(JSON.stringify(learner.build()));
      const own = await lrs.call('POST', 'statements', {
        as: mine,
        json: aStatement().withActor(learner).build(),
      });
      const other = await lrs.call('POST', 'statements', { json: aStatement().withActor(learner).build() });
      const ownId = (own.body as string[])[0]!;
      const otherId = (other.body as string[])[0]!;
      // The admin's write is not the kiosk's to wait for: without this the index may not hold it
      // yet, and the kiosk's reads below would not show that the restriction hides it.
      await lrs.caughtUp();
      const list = await lrs.call('GET', `statements?agent=${agent}`, { as: mine });
      expect(list.status).to.equal(200);
      expect((list.body as StatementResult).statements.map((s) => s.id)).to.deep.equal([ownId]);
      expect((await lrs.call('GET', `statements?statementId=${ownId}`, { as: mine })).status).to.equal(200);
      expect((await lrs.call('GET', `statements?statementId=${otherId}`, { as: mine })).status).to.equal(404);
      const admin = await lrs.call('GET', `statements?agent=${agent}`);
      expect((admin.body as StatementResult).statements).to.have.length(2);
    });

    it('a statements/write-only credential gets 403 on GET and can still write', async () => {
      const writer = await lrs.issueCredential('writer', ['statements/write']);
      const res = await lrs.call('GET', 'statements', { as: writer });
      expect(res.status, res.text).to.equal(403);
      expect(
        (await lrs.call('POST', 'statements', { as: writer, json: aStatement().build() })).status,
      ).to.equal(200);
    });

    it('a statements/read-only credential gets 403 on POST and writes nothing', async () => {
      const reader = await lrs.issueCredential('reader', ['statements/read']);
      const before = await lrs.statementCount();
      const res = await lrs.call('POST', 'statements', { as: reader, json: aStatement().build() });
      expect(res.status, res.text).to.equal(403);
      await expectNothingWritten(lrs, before);
    });

    it('sets authority to the credential, overriding one sent by the client', async () => {
      const res = await lrs.call('POST', 'statements', {
        json: aStatement().withAuthority(anAgent().withMbox('mailto:forger@example.org')).build(),
      });
      const back = await lrs.call('GET', `statements?statementId=${(res.body as string[])[0]}`);
      expect(JSON.stringify((back.body as { authority: unknown }).authority)).to.not.include('forger');
    });
  });

  describe('CORS', () => {
    it('answers a preflight without credentials or version header', async () => {
      const res = await fetch(`${lrs.url}/xapi/statements`, {
        method: 'OPTIONS',
        headers: {
          Origin: 'https://course.example.org',
          'Access-Control-Request-Method': 'PUT',
          'Access-Control-Request-Headers': 'authorization, content-type, x-experience-api-version',
        },
      });
      expect(res.status).to.equal(204);
      expect(res.headers.get('access-control-allow-origin')).to.equal('https://course.example.org');
      expect(res.headers.get('access-control-allow-methods')).to.include('PUT');
      expect(res.headers.get('access-control-allow-headers')).to.include('x-experience-api-version');
    });

    it('exposes the xAPI headers on actual responses', async () => {
      const res = await lrs.call('GET', 'statements', { headers: { Origin: 'https://course.example.org' } });
      expect(res.headers.get('access-control-expose-headers')).to.include(
        'X-Experience-API-Consistent-Through',
      );
    });
  });

  describe('bad input (Communication 3.2): status, rule and pointer, nothing written', () => {
    const rejects = async (
      request: { method: string; path: string; body?: string; headers?: Record<string, string> },
      status: number,
      rule: string,
      pointer?: string,
    ) => {
      const before = await lrs.statementCount();
      const res = await lrs.call(request.method, request.path, {
        ...(request.body !== undefined ? { body: request.body } : {}),
        headers: { 'Content-Type': 'application/json', ...request.headers },
      });
      expectProblem(res, status, rule, pointer);
      await expectNothingWritten(lrs, before);
    };
    const valid = () => JSON.stringify(aStatement().build());

    it('malformed JSON', async () => {
      await rejects({ method: 'POST', path: 'statements', body: '{"actor": ' }, 400, 'json.syntax');
    });
    it('a JSON value that is not a statement or an array', async () => {
      await rejects({ method: 'POST', path: 'statements', body: '"hello"' }, 400, 'statement.type');
    });
    it('a Content-Type other than application/json or multipart/mixed', async () => {
      await rejects(
        { method: 'POST', path: 'statements', body: valid(), headers: { 'Content-Type': 'text/plain' } },
        400,
        'content-type',
        '/headers/Content-Type',
      );
    });
    it('an unknown parameter', async () => {
      await rejects(
        { method: 'PUT', path: `statements?statementId=${randomUUID()}&mood=1`, body: valid() },
        400,
        'parameter.unknown',
        '/query/mood',
      );
    });
    it('a parameter in the wrong case', async () => {
      await rejects(
        { method: 'PUT', path: `statements?statementID=${randomUUID()}`, body: valid() },
        400,
        'parameter.case',
        '/query/statementID',
      );
      const res = await lrs.call('GET', 'statements?Limit=1');
      expectProblem(res, 400, 'parameter.case', '/query/Limit');
    });
    it('a repeated parameter', async () => {
      const id = randomUUID();
      await rejects(
        { method: 'PUT', path: `statements?statementId=${id}&statementId=${id}`, body: valid() },
        400,
        'parameter.repeated',
        '/query/statementId',
      );
    });
    it('a statement id that is not a UUID', async () => {
      await rejects(
        { method: 'POST', path: 'statements', body: JSON.stringify(aStatement().withId('1234').build()) },
        400,
        'format.uuid',
        '/id',
      );
    });
  });

  describe('size limits (Communication 3.2: 413)', () => {
    let small: TestLrs;
    before(async () => {
      small = await TestLrs.start({ LRS_MAX_BODY_BYTES: '32KiB', LRS_MAX_STATEMENT_BYTES: '4KiB' });
    });
    after(async () => {
      await small.stop();
    });
    const padded = (bytes: number) =>
      aStatement()
        .withResult({ response: 'x'.repeat(bytes) })
        .build();

    it('a body over LRS_MAX_BODY_BYTES → 413, nothing written', async () => {
      const before = await small.statementCount();
      const res = await small.call('POST', 'statements', {
        json: Array.from({ length: 12 }, () => padded(3_000)),
      });
      expect(res.status, res.text).to.equal(413);
      expect(res.error?.rule).to.be.a('string');
      await expectNothingWritten(small, before);
    });

    it('one statement over LRS_MAX_STATEMENT_BYTES → 413 naming it, nothing written', async () => {
      const before = await small.statementCount();
      const res = await small.call('POST', 'statements', { json: [aStatement().build(), padded(5_000)] });
      expectProblem(res, 413, 'statement.size', '/1');
      await expectNothingWritten(small, before);
    });

    it('a statement just under the limit is accepted', async () => {
      const res = await small.call('POST', 'statements', { json: padded(3_000) });
      expect(res.status, res.text).to.equal(200);
    });
  });
});
