import { randomUUID } from 'node:crypto';
import { expectNothingWritten, expectProblem, TestLrs } from '@lrs/server/testing';
import { anAgent, aStatement } from '@lrs/testkit';
import { expect } from 'chai';

// ADL LRS conformance suite, 1.0.3 and 2.0.0: Communication 3.3 (versioning), 2.8 (About),
// Data 2.4.10 (statement version) and the 405 checks of its non-templating tests.
describe('conformance: versions, About and methods', () => {
  let lrs: TestLrs;
  before(async () => {
    lrs = await TestLrs.start();
  });
  after(async () => {
    await lrs.stop();
  });

  describe('X-Experience-API-Version (Communication 3.3)', () => {
    for (const [sent, served] of [
      ['2.0.9', '2.0.0'],
      ['1.0.99', '1.0.3'],
      ['1.0.1', '1.0.3'],
    ] as const) {
      it(`serves a request sent as ${sent} as ${served}`, async () => {
        const res = await lrs.call('POST', 'statements', { version: sent, json: aStatement().build() });
        expect(res.status, res.text).to.equal(200);
        expect(res.headers.get('x-experience-api-version')).to.equal(served);
      });
    }

    it('is on every response, even those refused before the version is read (repeated parameter, bad alternate syntax, preflight, no route)', async () => {
      const form = { 'Content-Type': 'application/x-www-form-urlencoded' };
      for (const [method, path, extra] of [
        ['GET', 'statements?limit=1&limit=2', {}],
        ['POST', 'statements?method=PUT&statementId=x', { headers: form, body: '' }],
        ['OPTIONS', 'statements', { as: null }],
        ['GET', 'no-such-resource', {}],
      ] as const) {
        const res = await lrs.call(method, path, extra);
        expect(res.headers.get('x-experience-api-version'), `${method} ${path} → ${res.status}`).to.equal(
          '1.0.3',
        );
      }
    });

    for (const sent of ['2.1.0', '1.1.0', '0.95']) {
      it(`rejects ${sent} with 400 and writes nothing`, async () => {
        const before = await lrs.statementCount();
        const res = await lrs.call('POST', 'statements', { version: sent, json: aStatement().build() });
        expectProblem(res, 400, 'version.unsupported', '/headers/X-Experience-API-Version');
        await expectNothingWritten(lrs, before);
      });
    }
  });

  describe('About (Communication 2.8)', () => {
    it('lists every 1.0.x patch version and 2.0.0, with an extensions object, whatever the version header', async () => {
      for (const version of [null, '1.0.3', '2.0.0']) {
        const res = await lrs.call('GET', 'about', { version, as: null });
        expect(res.status, String(version)).to.equal(200);
        expect(res.body).to.deep.equal({
          version: ['1.0.0', '1.0.1', '1.0.2', '1.0.3', '2.0.0'],
          extensions: {},
        });
      }
    });

    it('answers HEAD with the headers of GET and no body', async () => {
      const res = await lrs.call('HEAD', 'about', { as: null });
      expect(res.status).to.equal(200);
      expect(res.headers.get('content-type')).to.match(/^application\/json/);
      expect(res.text).to.equal('');
    });
  });

  describe('statement version property (Data 2.4.10)', () => {
    // Data 2.4.10 asks for the version header's format, which includes "1.0" (Communication 3.3).
    for (const [header, version] of [
      ['1.0.3', '1.0'],
      ['1.0.3', '1.0.9'],
      ['2.0.0', '2.0'],
      ['2.0.0', '2.0.0'],
      ['2.0.0', '1.0.0'],
    ] as const) {
      it(`accepts version "${version}" under ${header} and returns it as sent`, async () => {
        const id = randomUUID();
        const res = await lrs.call('POST', 'statements', {
          version: header,
          json: aStatement().withId(id).withVersion(version).build(),
        });
        expect(res.status, res.text).to.equal(200);
        const back = await lrs.call('GET', `statements?statementId=${id}`, { version: header });
        expect(back.body).to.have.property('version', version);
      });
    }

    for (const [header, version] of [
      ['1.0.3', '2.0.0'],
      ['1.0.3', '1.1.0'],
      ['2.0.0', '0.9.9'],
      ['2.0.0', '2.1'],
    ] as const) {
      it(`rejects version "${version}" under ${header} with 400 at /version`, async () => {
        const before = await lrs.statementCount();
        const res = await lrs.call('POST', 'statements', {
          version: header,
          json: aStatement().withVersion(version).build(),
        });
        expectProblem(res, 400, 'statement.version', '/version');
        await expectNothingWritten(lrs, before);
      });
    }
  });

  describe('methods a resource does not have (RFC 9110 405)', () => {
    const agent = encodeURIComponent(JSON.stringify(anAgent().build()));
    for (const [method, path, allow] of [
      ['DELETE', `statements?statementId=${randomUUID()}`, 'GET, HEAD, PUT, POST'],
      ['DELETE', 'activities?activityId=https://example.org/course/1', 'GET, HEAD'],
      ['POST', 'activities?activityId=https://example.org/course/1', 'GET, HEAD'],
      ['PUT', 'activities?activityId=https://example.org/course/1', 'GET, HEAD'],
      ['DELETE', `agents?agent=${agent}`, 'GET, HEAD'],
      ['POST', `agents?agent=${agent}`, 'GET, HEAD'],
      ['PUT', `agents?agent=${agent}`, 'GET, HEAD'],
    ] as const) {
      it(`${method} ${path.split('?')[0]} → 405 with Allow: ${allow}`, async () => {
        const before = await lrs.eventCount();
        const res = await lrs.call(method, path);
        expectProblem(res, 405, 'method.not-allowed', '/method');
        expect(res.headers.get('allow')).to.equal(allow);
        expect(await lrs.eventCount()).to.equal(before);
      });
    }

    it('still answers 401 first to a request without credentials', async () => {
      const res = await lrs.call('DELETE', 'statements', { as: null });
      expect(res.status).to.equal(401);
    });
  });
});
