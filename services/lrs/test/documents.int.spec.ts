import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { expectProblem, TestLrs } from '@lrs/server/testing';
import { expect } from 'chai';
import { anActivityProfile, anAgentProfile, aState, COURSE, LEARNER } from './documents/address';

const sha1 = (bytes: Buffer | string) => createHash('sha1').update(bytes).digest('hex');
const json = (value: unknown) => ({
  body: JSON.stringify(value),
  headers: { 'Content-Type': 'application/json' },
});

describe('xAPI document resources: State, Agent Profile, Activity Profile (Communication 2.2-2.7)', () => {
  let lrs: TestLrs;
  before(async () => {
    lrs = await TestLrs.start({ LRS_MAX_DOCUMENT_BYTES: '8MiB' });
  });
  after(async () => {
    await lrs?.stop();
  });

  /** A fresh learner per test, so documents of one test never show up in another's lists. */
  const fresh = () => aState().forAgent({ mbox: `mailto:${randomUUID()}@example.org` });

  describe('single documents', () => {
    it('PUT stores any content type; GET returns it byte-for-byte with Content-Type, quoted SHA-1 ETag and Last-Modified', async () => {
      const doc = fresh();
      const content = 'bookmark=page-7';
      const put = await lrs.call('PUT', doc.path(), {
        body: content,
        headers: { 'Content-Type': 'text/plain' },
      });
      expect(put.status, put.text).to.equal(204);
      const got = await lrs.call('GET', doc.path());
      expect(got.status).to.equal(200);
      expect(got.text).to.equal(content);
      expect(got.headers.get('content-type')).to.equal('text/plain');
      expect(got.headers.get('etag')).to.equal(`"${sha1(content)}"`);
      const lastModified = Date.parse(got.headers.get('last-modified') ?? '');
      expect(Math.abs(lastModified - Date.now())).to.be.below(5000);
    });

    it('the same Agent written differently (name, mbox domain case) addresses the same document', async () => {
      const mbox = `mailto:${randomUUID()}@example.org`;
      await lrs.call('PUT', aState().forAgent({ mbox }).path(), json({ a: 1 }));
      const got = await lrs.call(
        'GET',
        aState()
          .forAgent({ name: 'Ann', mbox: mbox.replace('example.org', 'EXAMPLE.org') })
          .path(),
      );
      expect(got.status, got.text).to.equal(200);
      expect(got.body).to.deep.equal({ a: 1 });
    });

    it('registration is part of the key: the same stateId with and without one are two documents', async () => {
      const doc = fresh();
      const registration = randomUUID();
      await lrs.call('PUT', doc.path(), json({ where: 'none' }));
      await lrs.call('PUT', doc.inRegistration(registration).path(), json({ where: 'registration' }));
      expect((await lrs.call('GET', doc.path())).body).to.deep.equal({ where: 'none' });
      expect(
        (await lrs.call('GET', doc.inRegistration(registration.toUpperCase()).path())).body,
      ).to.deep.equal({
        where: 'registration',
      });
    });

    it('GET of a document that does not exist is 404 naming stateId', async () => {
      expectProblem(await lrs.call('GET', fresh().path()), 404, 'document.not-found', '/query/stateId');
    });

    it('DELETE removes the document (204), after which GET is 404; deleting again is 204 and writes nothing', async () => {
      const doc = fresh();
      await lrs.call('PUT', doc.path(), json({ a: 1 }));
      expect((await lrs.call('DELETE', doc.path())).status).to.equal(204);
      expect((await lrs.call('GET', doc.path())).status).to.equal(404);
      const before = await lrs.eventCount();
      expect((await lrs.call('DELETE', doc.path())).status).to.equal(204);
      expect(await lrs.eventCount()).to.equal(before);
    });

    it('binary documents of several MB round-trip byte-for-byte, chunked so no append exceeds 1 MiB', async () => {
      const doc = fresh().withStateId('recording');
      const bytes = randomBytes(5 * 1024 * 1024 + 123);
      const put = await lrs.call('PUT', doc.path(), {
        body: bytes,
        headers: { 'Content-Type': 'application/octet-stream' },
      });
      expect(put.status, put.text).to.equal(204);
      const res = await fetch(`${lrs.endpoint}${doc.path()}`, {
        headers: {
          'X-Experience-API-Version': '1.0.3',
          Authorization: `Basic ${Buffer.from('admin:change-me-please-now').toString('base64')}`,
        },
      });
      const back = Buffer.from(await res.arrayBuffer());
      expect(res.status).to.equal(200);
      expect(res.headers.get('content-type')).to.equal('application/octet-stream');
      expect(back.equals(bytes)).to.equal(true);
      expect(res.headers.get('etag')).to.equal(`"${sha1(bytes)}"`);
      const events = await lrs.system.log.readAll();
      const largest = Math.max(
        ...events.map((e) => (e.data instanceof Uint8Array ? e.data.length : JSON.stringify(e.data).length)),
      );
      expect(largest).to.be.below(1024 * 1024);
    });
  });

  describe('POST merges JSON objects (Communication 2.2 "JSON Procedure")', () => {
    it('top-level properties of the posted object overwrite, others stay', async () => {
      const doc = fresh();
      await lrs.call('POST', doc.path(), json({ x: 'foo', y: 'bar', nested: { keep: false } }));
      const post = await lrs.call('POST', doc.path(), json({ x: 'bash', z: 'faz', nested: { only: true } }));
      expect(post.status, post.text).to.equal(204);
      const got = await lrs.call('GET', doc.path());
      expect(got.body).to.deep.equal({ x: 'bash', y: 'bar', z: 'faz', nested: { only: true } });
      expect(got.headers.get('content-type')).to.equal('application/json');
      expect(got.headers.get('etag')).to.equal(`"${sha1(got.text)}"`);
    });

    it('POST to a document that does not exist stores the object', async () => {
      const doc = fresh();
      expect((await lrs.call('POST', doc.path(), json({ a: 1 }))).status).to.equal(204);
      expect((await lrs.call('GET', doc.path())).body).to.deep.equal({ a: 1 });
    });

    it('a merge into a non-JSON document is 400 and changes nothing', async () => {
      const doc = fresh();
      await lrs.call('PUT', doc.path(), { body: 'plain text', headers: { 'Content-Type': 'text/plain' } });
      const before = await lrs.eventCount();
      expectProblem(
        await lrs.call('POST', doc.path(), json({ a: 1 })),
        400,
        'document.merge-target',
        '/body',
      );
      expect(await lrs.eventCount()).to.equal(before);
      expect((await lrs.call('GET', doc.path())).text).to.equal('plain text');
    });

    it('a merge into a JSON document that is not an object (an array) is 400', async () => {
      const doc = fresh();
      await lrs.call('PUT', doc.path(), json([1, 2]));
      expectProblem(
        await lrs.call('POST', doc.path(), json({ a: 1 })),
        400,
        'document.merge-target',
        '/body',
      );
    });

    it('posting JSON that is not an object, or not JSON, or not application/json is 400 naming the field', async () => {
      const doc = fresh();
      await lrs.call('PUT', doc.path(), json({ a: 1 }));
      const before = await lrs.eventCount();
      expectProblem(await lrs.call('POST', doc.path(), json([1])), 400, 'document.merge-not-object', '/body');
      expectProblem(
        await lrs.call('POST', doc.path(), {
          body: '{"a":',
          headers: { 'Content-Type': 'application/json' },
        }),
        400,
        'document.merge-json',
        '/body',
      );
      expectProblem(
        await lrs.call('POST', doc.path(), { body: 'a=1', headers: { 'Content-Type': 'text/plain' } }),
        400,
        'document.merge-content-type',
        '/headers/Content-Type',
      );
      expect(await lrs.eventCount()).to.equal(before);
    });
  });

  describe('id lists and multi-document DELETE', () => {
    it('GET without stateId lists the ids; since is exclusive; Last-Modified is the newest document', async () => {
      const doc = fresh();
      await lrs.call('PUT', doc.withStateId('a').path(), json({}));
      await lrs.call('PUT', doc.withStateId('b').path(), json({}));
      const list = await lrs.call('GET', doc.all().path());
      expect(list.status, list.text).to.equal(200);
      expect(list.body).to.have.members(['a', 'b']);
      const lastModified = list.headers.get('last-modified');
      expect(lastModified).to.be.a('string');
      await new Promise((r) => setTimeout(r, 20));
      const since = new Date().toISOString();
      await new Promise((r) => setTimeout(r, 20));
      await lrs.call('PUT', doc.withStateId('c').path(), json({}));
      expect((await lrs.call('GET', doc.all().with('since', since).path())).body).to.deep.equal(['c']);
    });

    it('a registration narrows the list; without one, every registration is listed', async () => {
      const doc = fresh();
      const registration = randomUUID();
      await lrs.call('PUT', doc.withStateId('plain').path(), json({}));
      await lrs.call('PUT', doc.inRegistration(registration).withStateId('registered').path(), json({}));
      expect((await lrs.call('GET', doc.all().inRegistration(registration).path())).body).to.deep.equal([
        'registered',
      ]);
      expect((await lrs.call('GET', doc.all().path())).body).to.have.members(['plain', 'registered']);
    });

    it('deleted documents leave the list', async () => {
      const doc = fresh();
      await lrs.call('PUT', doc.withStateId('a').path(), json({}));
      await lrs.call('PUT', doc.withStateId('b').path(), json({}));
      await lrs.call('DELETE', doc.withStateId('a').path());
      expect((await lrs.call('GET', doc.all().path())).body).to.deep.equal(['b']);
    });

    it('DELETE without stateId deletes all State of the Activity + Agent (+ registration), nothing else', async () => {
      const doc = fresh();
      const registration = randomUUID();
      const other = fresh();
      await lrs.call('PUT', doc.withStateId('a').path(), json({}));
      await lrs.call('PUT', doc.inRegistration(registration).withStateId('b').path(), json({}));
      await lrs.call('PUT', other.withStateId('keep').path(), json({}));
      expect((await lrs.call('DELETE', doc.all().inRegistration(registration).path())).status).to.equal(204);
      expect((await lrs.call('GET', doc.all().path())).body).to.deep.equal(['a']);
      expect((await lrs.call('DELETE', doc.all().path())).status).to.equal(204);
      expect((await lrs.call('GET', doc.all().path())).body).to.deep.equal([]);
      expect((await lrs.call('GET', doc.withStateId('a').path())).status).to.equal(404);
      expect((await lrs.call('GET', other.withStateId('keep').path())).status).to.equal(200);
    });
  });

  describe('bad input: 4xx naming the parameter and the rule, nothing written', () => {
    const cases: [string, () => string, number, string, string][] = [
      [
        'missing activityId',
        () => aState().withoutParam('activityId').path(),
        400,
        'parameter.required',
        '/query/activityId',
      ],
      [
        'missing agent',
        () => aState().withoutParam('agent').path(),
        400,
        'parameter.required',
        '/query/agent',
      ],
      [
        'missing stateId on PUT',
        () => aState().withoutParam('stateId').path(),
        400,
        'parameter.required',
        '/query/stateId',
      ],
      ['an empty stateId', () => aState().withStateId('').path(), 400, 'parameter.empty', '/query/stateId'],
      [
        'an activityId that is not an IRI',
        () => aState().forActivity('not an iri').path(),
        400,
        'parameter.iri',
        '/query/activityId',
      ],
      [
        'a registration that is not a UUID',
        () => aState().inRegistration('nope').path(),
        400,
        'parameter.uuid',
        '/query/registration',
      ],
      [
        'an unknown parameter',
        () => aState().with('colour', 'red').path(),
        400,
        'parameter.unknown',
        '/query/colour',
      ],
      [
        'agent that is not JSON',
        () => aState().with('agent', '{mbox:').path(),
        400,
        'agent-parameter.invalid-json',
        '/query/agent',
      ],
      [
        'missing profileId on an Activity Profile PUT',
        () => anActivityProfile().withoutParam('profileId').path(),
        400,
        'parameter.required',
        '/query/profileId',
      ],
      [
        'missing agent on an Agent Profile PUT',
        () => anAgentProfile().withoutParam('agent').path(),
        400,
        'parameter.required',
        '/query/agent',
      ],
    ];
    for (const [name, path, status, rule, pointer] of cases) {
      it(`${name} → ${status} ${rule} at ${pointer}`, async () => {
        const before = await lrs.eventCount();
        expectProblem(await lrs.call('PUT', path(), json({ a: 1 })), status, rule, pointer);
        expect(await lrs.eventCount()).to.equal(before);
      });
    }

    it('an agent with two IFIs → 400 at /query/agent…, nothing written', async () => {
      const before = await lrs.eventCount();
      const reply = await lrs.call(
        'PUT',
        aState()
          .forAgent({ ...LEARNER, openid: 'https://openid.example.org/ann' })
          .path(),
        json({}),
      );
      expect(reply.status, reply.text).to.equal(400);
      expect(reply.error?.pointer).to.match(/^\/query\/agent/);
      expect(reply.error?.rule).to.be.a('string');
      expect(await lrs.eventCount()).to.equal(before);
    });

    it('a Group as the agent → 400', async () => {
      const reply = await lrs.call(
        'GET',
        aState()
          .forAgent({ objectType: 'Group', mbox: 'mailto:team@example.org' } as never)
          .path(),
      );
      expectProblem(reply, 400, 'agent-parameter.group-not-allowed', '/query/agent/objectType');
    });

    it('since that is not a timestamp → 400 at /query/since', async () => {
      expectProblem(
        await lrs.call('GET', aState().all().with('since', 'yesterday').path()),
        400,
        'parameter.timestamp',
        '/query/since',
      );
    });

    it('a body over LRS_MAX_DOCUMENT_BYTES → 413 at /body, nothing written', async () => {
      const before = await lrs.eventCount();
      const reply = await lrs.call('PUT', fresh().path(), {
        body: Buffer.alloc(8 * 1024 * 1024 + 1),
        headers: { 'Content-Type': 'application/octet-stream' },
      });
      expectProblem(reply, 413, 'document.size', '/body');
      expect(await lrs.eventCount()).to.equal(before);
    });

    it('DELETE of an Agent Profile without profileId → 400 (no multi-document DELETE there)', async () => {
      expectProblem(
        await lrs.call('DELETE', anAgentProfile().all().path()),
        400,
        'parameter.required',
        '/query/profileId',
      );
    });
  });

  describe('scopes (Communication 4.2)', () => {
    it('state may read and write State but not profiles; profile the reverse; all/read only reads', async () => {
      const state = await lrs.issueCredential('state-only', ['state']);
      const profile = await lrs.issueCredential('profile-only', ['profile']);
      const reader = await lrs.issueCredential('reader', ['all/read']);
      const writer = await lrs.issueCredential('statements', ['statements/write']);
      const doc = fresh();
      expect((await lrs.call('PUT', doc.path(), { ...json({}), as: state })).status).to.equal(204);
      expectProblem(
        await lrs.call('PUT', anActivityProfile().path(), { ...json({}), as: state }),
        403,
        'auth.scope',
      );
      expectProblem(await lrs.call('PUT', doc.path(), { ...json({}), as: profile }), 403, 'auth.scope');
      expect(
        (
          await lrs.call('PUT', anAgentProfile().withProfileId(randomUUID()).path(), {
            ...json({}),
            as: profile,
            headers: { 'Content-Type': 'application/json', 'If-None-Match': '*' },
          })
        ).status,
      ).to.equal(204);
      expect((await lrs.call('GET', doc.path(), { as: reader })).status).to.equal(200);
      expectProblem(await lrs.call('DELETE', doc.path(), { as: reader }), 403, 'auth.scope');
      expectProblem(await lrs.call('GET', doc.path(), { as: writer }), 403, 'auth.scope');
    });
  });

  describe('profile resources', () => {
    it('Activity Profile: PUT (If-None-Match *), GET, list, DELETE', async () => {
      const activity = `${COURSE}/${randomUUID()}`;
      const doc = anActivityProfile().forActivity(activity);
      const put = await lrs.call('PUT', doc.path(), {
        ...json({ passMark: 80 }),
        headers: { 'Content-Type': 'application/json', 'If-None-Match': '*' },
      });
      expect(put.status, put.text).to.equal(204);
      expect((await lrs.call('GET', doc.path())).body).to.deep.equal({ passMark: 80 });
      expect((await lrs.call('GET', doc.all().path())).body).to.deep.equal(['settings']);
      expect((await lrs.call('DELETE', doc.path())).status).to.equal(204);
      expect((await lrs.call('GET', doc.all().path())).body).to.deep.equal([]);
    });

    it('Agent Profile: POST merges, GET lists ids of the Agent', async () => {
      const doc = anAgentProfile().forAgent({ mbox: `mailto:${randomUUID()}@example.org` });
      await lrs.call('POST', doc.path(), json({ theme: 'dark' }));
      await lrs.call('POST', doc.path(), json({ lang: 'fr' }));
      expect((await lrs.call('GET', doc.path())).body).to.deep.equal({ theme: 'dark', lang: 'fr' });
      expect((await lrs.call('GET', doc.all().path())).body).to.deep.equal(['preferences']);
    });
  });

  it('alternate request syntax (1.0.3): a form POST with method=PUT stores the content', async () => {
    const doc = fresh();
    const query = new URLSearchParams(doc.path().split('?')[1]);
    const form = new URLSearchParams({
      ...Object.fromEntries(query),
      'X-Experience-API-Version': '1.0.3',
      Authorization: `Basic ${Buffer.from('admin:change-me-please-now').toString('base64')}`,
      'Content-Type': 'application/json',
      content: '{"via":"form"}',
    });
    const res = await fetch(`${lrs.endpoint}activities/state?method=PUT`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
    });
    expect(res.status, await res.text()).to.equal(204);
    expect((await lrs.call('GET', doc.path())).body).to.deep.equal({ via: 'form' });
  });
});
