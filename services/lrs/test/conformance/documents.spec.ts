import { randomUUID } from 'node:crypto';
import { expectProblem, TestLrs } from '@lrs/server/testing';
import { expect } from 'chai';
import { anActivityProfile, anAgentProfile, aState, type DocumentAddress } from '../documents/address';

const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };

// ADL suite: 1.0.3 document.js and H.Communication3.1, 2.0.0 4.1.4-Concurrency and 4.1.6.2/5/6
// (State, Agent Profile, Activity Profile; Communication 2.2, 3.1).
describe('conformance: document resources as the ADL suite drives them', () => {
  let lrs: TestLrs;
  before(async () => {
    lrs = await TestLrs.start();
  });
  after(async () => {
    await lrs.stop();
  });

  const fresh: Record<string, () => DocumentAddress> = {
    State: () => aState().withStateId(randomUUID()),
    'Activity Profile': () => anActivityProfile().withProfileId(randomUUID()),
    'Agent Profile': () => anAgentProfile().withProfileId(randomUUID()),
  };

  describe('POST onto a document that does not exist stores it as a PUT would (Communication 2.2)', () => {
    for (const [name, address] of Object.entries(fresh)) {
      for (const content of ['1', 'true']) {
        it(`${name}: POST of form-encoded "${content}" → 204, and GET returns it with its Content-Type`, async () => {
          const doc = address();
          const post = await lrs.call('POST', doc.path(), { body: content, headers: FORM });
          expect(post.status, post.text).to.equal(204);
          const get = await lrs.call('GET', doc.path());
          expect(get.status).to.equal(200);
          expect(get.text).to.equal(content);
          expect(get.headers.get('content-type')).to.equal(FORM['Content-Type']);
        });
      }
    }

    for (const [name, address] of Object.entries(fresh)) {
      for (const content of ['[1,2]', '"text"', '42', 'null', 'true']) {
        it(`${name}: POST of application/json ${content} (not an object) → 400 document.merge-not-object, with or without a stored document, nothing written`, async () => {
          const doc = address();
          const before = await lrs.eventCount();
          const first = await lrs.call('POST', doc.path(), {
            body: content,
            headers: { 'Content-Type': 'application/json' },
          });
          expectProblem(first, 400, 'document.merge-not-object', '/body');
          expect(await lrs.eventCount()).to.equal(before);
          expect((await lrs.call('GET', doc.path())).status).to.equal(404);
          await lrs.call('POST', doc.path(), { json: { car: 'Honda' } });
          const after = await lrs.eventCount();
          const again = await lrs.call('POST', doc.path(), {
            body: content,
            headers: { 'Content-Type': 'application/json' },
          });
          expectProblem(again, 400, 'document.merge-not-object', '/body');
          expect(await lrs.eventCount()).to.equal(after);
        });
      }
    }

    it('a JSON POST onto such a non-JSON document is then 400 and changes nothing (the JSON procedure applies)', async () => {
      const doc = fresh.State!();
      await lrs.call('POST', doc.path(), { body: '1', headers: FORM });
      const before = await lrs.eventCount();
      const merge = await lrs.call('POST', doc.path(), { json: { car: 'Honda' } });
      expectProblem(merge, 400, 'document.merge-target', '/body');
      expect(await lrs.eventCount()).to.equal(before);
      expect((await lrs.call('GET', doc.path())).text).to.equal('1');
    });

    it('a non-JSON POST onto an existing JSON document is still 400 naming the Content-Type', async () => {
      const doc = fresh['Agent Profile']!();
      await lrs.call('POST', doc.path(), { json: { car: 'Honda' } });
      const res = await lrs.call('POST', doc.path(), {
        body: 'abcdefg',
        headers: { 'Content-Type': 'not/json' },
      });
      expectProblem(res, 400, 'document.merge-content-type', '/headers/Content-Type');
      expect((await lrs.call('GET', doc.path())).body).to.deep.equal({ car: 'Honda' });
    });
  });

  describe('2.0 concurrency flow of 4.1.4-Concurrency', () => {
    for (const [name, address] of Object.entries(fresh)) {
      it(`${name}: delete and create without headers, then If-Match decides every PUT, POST and DELETE`, async () => {
        const v2 = { version: '2.0.0' };
        const doc = address();
        expect((await lrs.call('DELETE', doc.path(), v2)).status).to.equal(204);
        expect((await lrs.call('POST', doc.path(), { ...v2, json: { name: 'first' } })).status).to.equal(204);

        const get = await lrs.call('GET', doc.path(), v2);
        const etag = get.headers.get('etag')!;
        expect(etag).to.match(/^"[0-9a-f]{40}"$/);
        expect(Date.parse(get.headers.get('last-modified')!)).to.not.be.NaN;

        for (const method of ['PUT', 'POST', 'DELETE']) {
          const stale = await lrs.call(method, doc.path(), {
            ...v2,
            headers: { 'If-Match': '"1234"' },
            ...(method === 'DELETE' ? {} : { json: { name: 'stale' } }),
          });
          expectProblem(stale, 412, 'precondition.if-match', '/headers/If-Match');
        }
        expect((await lrs.call('GET', doc.path(), v2)).body).to.deep.equal({ name: 'first' });

        const noHeader = await lrs.call('PUT', doc.path(), { ...v2, json: { name: 'blind' } });
        expectProblem(noHeader, 409, 'precondition.required', '/headers/If-Match');
        expect(noHeader.error?.message).to.match(/If-Match/);

        const merged = await lrs.call('POST', doc.path(), {
          ...v2,
          json: { name: 'second', extra: 1 },
          headers: { 'If-Match': etag },
        });
        expect(merged.status, merged.text).to.equal(204);
        expect((await lrs.call('GET', doc.path(), v2)).body).to.deep.equal({ name: 'second', extra: 1 });

        const current = merged.headers.get('etag')!;
        expect(
          (await lrs.call('DELETE', doc.path(), { ...v2, headers: { 'If-Match': current } })).status,
        ).to.equal(204);
        expect((await lrs.call('GET', doc.path(), v2)).status).to.equal(404);
      });
    }
  });

  describe('document ids are opaque strings (Communication 2.2)', () => {
    for (const id of ['with space', 'ü/?#&=+', '%41%', '..', 'x'.repeat(300)]) {
      it(`${JSON.stringify(id.slice(0, 24))}: round-trips, is listed as sent and can be deleted`, async () => {
        const agent = { objectType: 'Agent' as const, mbox: `mailto:${randomUUID()}@example.org` };
        const doc = aState().forAgent(agent).withStateId(id);
        expect((await lrs.call('PUT', doc.path(), { json: { id } })).status).to.equal(204);
        expect((await lrs.call('GET', doc.path())).body).to.deep.equal({ id });
        expect((await lrs.call('GET', doc.all().path())).body).to.deep.equal([id]);
        expect((await lrs.call('DELETE', doc.path())).status).to.equal(204);
        expect((await lrs.call('GET', doc.path())).status).to.equal(404);
      });
    }
  });

  describe('the agent parameter is an Agent, not a Group (Communication 2.4, 2.6 notes)', () => {
    // Communication 2.6: "The agent parameter is an Agent Object and not a Group"; a Group's data goes
    // under an Agent carrying the Group's IFI.
    const group = { objectType: 'Group', mbox: 'mailto:team@example.org' };
    for (const [name, address] of [
      ['Agent Profile', anAgentProfile],
      ['State', aState],
    ] as const) {
      it(`${name}: a Group is 400 naming the agent parameter, and the same IFI as an Agent works`, async () => {
        const refused = await lrs.call('PUT', address().with('agent', JSON.stringify(group)).path(), {
          json: { a: 1 },
        });
        expectProblem(refused, 400, 'agent-parameter.group-not-allowed');
        expect(refused.error?.pointer).to.match(/^\/query\/agent/);
        const asAgent = address().forAgent({ objectType: 'Agent', mbox: group.mbox });
        expect(
          (await lrs.call('PUT', asAgent.path(), { json: { a: 1 }, headers: { 'If-None-Match': '*' } }))
            .status,
        ).to.equal(204);
      });
    }

    it('Agents: a Group is 400 too', async () => {
      const res = await lrs.call('GET', `agents?agent=${encodeURIComponent(JSON.stringify(group))}`);
      expectProblem(res, 400, 'agent-parameter.group-not-allowed');
    });
  });

  describe('parameters (Communication 2.3, 2.6, 2.7)', () => {
    it('a single-document GET ignores since and answers the document', async () => {
      const doc = fresh['Activity Profile']!();
      await lrs.call('POST', doc.path(), { json: { a: 1 } });
      const res = await lrs.call(
        'GET',
        doc.with('since', new Date(Date.now() - 60_000).toISOString()).path(),
      );
      expect(res.status, res.text).to.equal(200);
      expect(res.body).to.deep.equal({ a: 1 });
    });

    it('a GET carrying a request body is answered as any GET (the ADL suite sends one)', async () => {
      const doc = fresh.State!();
      await lrs.call('POST', doc.path(), { json: { a: 1 } });
      const res = await lrs.call('GET', doc.path(), { json: { ignored: true } });
      expect(res.status, res.text).to.equal(200);
      expect(res.body).to.deep.equal({ a: 1 });
    });

    for (const [label, value] of [
      ['not JSON', 'not JSON'],
      ['true', 'true'],
      ['1', '1'],
      ['an object that is no Agent', JSON.stringify({ key: 'value' })],
    ] as const) {
      it(`agent=${label} is 400 at /query/agent…, for every method`, async () => {
        for (const method of ['GET', 'PUT', 'POST', 'DELETE']) {
          const res = await lrs.call(method, fresh.State!().with('agent', value).path(), {
            ...(method === 'PUT' || method === 'POST' ? { json: { a: 1 } } : {}),
          });
          expect(res.status, `${method}: ${res.text}`).to.equal(400);
          expect(res.error?.pointer, method).to.match(/^\/query\/agent/);
        }
      });
    }
  });
});
