import { createHash, randomUUID } from 'node:crypto';
import { expectProblem, TestLrs } from '@lrs/server/testing';
import { expect } from 'chai';
import { anActivityProfile, anAgentProfile, aState, type DocumentAddress } from './documents/address';

const sha1 = (text: string) => createHash('sha1').update(text).digest('hex');
const jsonBody = (value: unknown, headers: Record<string, string> = {}) => ({
  body: JSON.stringify(value),
  headers: { 'Content-Type': 'application/json', ...headers },
});

describe('document concurrency: ETags, If-Match, If-None-Match (Communication 3.1; xAPI 2.0)', () => {
  let lrs: TestLrs;
  before(async () => {
    lrs = await TestLrs.start();
  });
  after(async () => {
    await lrs?.stop();
  });

  const freshState = () => aState().forAgent({ mbox: `mailto:${randomUUID()}@example.org` });
  const freshActivityProfile = () => anActivityProfile().forActivity(`https://example.org/a/${randomUUID()}`);
  const freshAgentProfile = () => anAgentProfile().forAgent({ mbox: `mailto:${randomUUID()}@example.org` });

  /** Creates the document and returns its ETag as the LRS quotes it. */
  async function created(doc: DocumentAddress, value: unknown = { v: 1 }): Promise<string> {
    const put = await lrs.call('PUT', doc.path(), jsonBody(value, { 'If-None-Match': '*' }));
    expect(put.status, put.text).to.equal(204);
    const etag = put.headers.get('etag')!;
    expect(etag).to.equal(`"${sha1(JSON.stringify(value))}"`);
    return etag;
  }

  describe('PUT with neither header onto an existing document', () => {
    it('State under 1.0.3: allowed, the document is replaced', async () => {
      const doc = freshState();
      await created(doc);
      expect((await lrs.call('PUT', doc.path(), jsonBody({ v: 2 }))).status).to.equal(204);
      expect((await lrs.call('GET', doc.path())).body).to.deep.equal({ v: 2 });
    });

    it('State under 2.0: 409 explaining to check the state and send If-Match; nothing written', async () => {
      const doc = freshState();
      const etag = await created(doc);
      const before = await lrs.eventCount();
      const reply = await lrs.call('PUT', doc.path(), { ...jsonBody({ v: 2 }), version: '2.0.0' });
      expectProblem(reply, 409, 'precondition.required', '/headers/If-Match');
      expect(reply.error?.message)
        .to.match(/If-Match/)
        .and.to.include(etag);
      expect(await lrs.eventCount()).to.equal(before);
    });

    for (const [name, make] of [
      ['Activity Profile', freshActivityProfile],
      ['Agent Profile', freshAgentProfile],
    ] as const) {
      for (const version of ['1.0.3', '2.0.0']) {
        it(`${name} under ${version}: 409, nothing written`, async () => {
          const doc = make();
          await created(doc);
          const before = await lrs.eventCount();
          expectProblem(
            await lrs.call('PUT', doc.path(), { ...jsonBody({ v: 2 }), version }),
            409,
            'precondition.required',
          );
          expect(await lrs.eventCount()).to.equal(before);
        });
      }
      it(`${name}: PUT with neither header creates a document that does not exist`, async () => {
        expect((await lrs.call('PUT', make().path(), jsonBody({ v: 1 }))).status).to.equal(204);
      });
    }
  });

  describe('If-Match', () => {
    for (const method of ['PUT', 'POST', 'DELETE'] as const) {
      for (const version of ['1.0.3', '2.0.0']) {
        it(`${method} (${version}) with a stale ETag → 412, nothing changes; with the current one → 204`, async () => {
          const doc = freshState();
          const etag = await created(doc);
          const before = await lrs.eventCount();
          const stale = `"${sha1('something else')}"`;
          const body: { body?: string; headers: Record<string, string> } =
            method === 'DELETE' ? { headers: {} } : jsonBody({ v: 2 });
          const failed = await lrs.call(method, doc.path(), {
            ...body,
            version,
            headers: { ...body.headers, 'If-Match': stale },
          });
          expectProblem(failed, 412, 'precondition.if-match', '/headers/If-Match');
          expect(await lrs.eventCount()).to.equal(before);
          expect((await lrs.call('GET', doc.path())).body).to.deep.equal({ v: 1 });
          const ok = await lrs.call(method, doc.path(), {
            ...body,
            version,
            headers: { ...body.headers, 'If-Match': etag },
          });
          expect(ok.status, ok.text).to.equal(204);
        });
      }
    }

    it('accepts an unquoted ETag and *; If-Match on a missing document → 412', async () => {
      const doc = freshState();
      const etag = await created(doc);
      expect(
        (await lrs.call('PUT', doc.path(), jsonBody({ v: 2 }, { 'If-Match': etag.slice(1, -1) }))).status,
      ).to.equal(204);
      expect((await lrs.call('PUT', doc.path(), jsonBody({ v: 3 }, { 'If-Match': '*' }))).status).to.equal(
        204,
      );
      expectProblem(
        await lrs.call('PUT', freshState().path(), jsonBody({ v: 1 }, { 'If-Match': '*' })),
        412,
        'precondition.if-match',
      );
    });

    it('a malformed If-Match → 400 naming the header', async () => {
      expectProblem(
        await lrs.call('PUT', freshState().path(), jsonBody({}, { 'If-Match': '"a"b"' })),
        400,
        'precondition.syntax',
        '/headers/If-Match',
      );
    });
  });

  describe('If-None-Match: *', () => {
    it('PUT and POST onto an existing document → 412, nothing changes', async () => {
      const doc = freshAgentProfile();
      await created(doc);
      const before = await lrs.eventCount();
      for (const method of ['PUT', 'POST']) {
        expectProblem(
          await lrs.call(method, doc.path(), jsonBody({ v: 9 }, { 'If-None-Match': '*' })),
          412,
          'precondition.if-none-match',
          '/headers/If-None-Match',
        );
      }
      expect(await lrs.eventCount()).to.equal(before);
    });

    it('creates a document again after it was deleted', async () => {
      const doc = freshState();
      await created(doc);
      await lrs.call('DELETE', doc.path());
      await created(doc, { v: 'again' });
    });
  });

  describe('races: two writers can never both win', () => {
    it('two PUTs with the same If-Match: exactly one 204 and one 412 (20 rounds)', async () => {
      for (let round = 0; round < 20; round++) {
        const doc = freshActivityProfile();
        const etag = await created(doc);
        const replies = await Promise.all(
          ['a', 'b'].map((writer) => lrs.call('PUT', doc.path(), jsonBody({ writer }, { 'If-Match': etag }))),
        );
        const statuses = replies.map((r) => r.status).sort();
        expect(statuses, replies.map((r) => r.text).join('\n')).to.deep.equal([204, 412]);
        const winner = replies.findIndex((r) => r.status === 204);
        expect((await lrs.call('GET', doc.path())).body).to.deep.equal({ writer: ['a', 'b'][winner] });
      }
    });

    it('eight PUTs with If-None-Match: * onto a new document: exactly one 204, seven 412', async () => {
      const doc = freshState();
      const replies = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          lrs.call('PUT', doc.path(), jsonBody({ i }, { 'If-None-Match': '*' })),
        ),
      );
      const statuses = replies.map((r) => r.status);
      expect(statuses.filter((s) => s === 204)).to.have.length(1);
      expect(statuses.filter((s) => s === 412)).to.have.length(7);
    });

    it('concurrent POST merges without headers lose no key', async () => {
      const doc = freshState();
      await lrs.call('PUT', doc.path(), jsonBody({}));
      const keys = Array.from({ length: 12 }, (_, i) => `k${i}`);
      const replies = await Promise.all(
        keys.map((k) => lrs.call('POST', doc.path(), jsonBody({ [k]: true }))),
      );
      for (const r of replies) expect(r.status, r.text).to.equal(204);
      expect(Object.keys((await lrs.call('GET', doc.path())).body as object)).to.have.members(keys);
    });
  });
});
