import { expect } from 'chai';
import nock from 'nock';
import { SOURCE_CHECKPOINT, SOURCE_STOPPED, sourceStream } from '../src';
import { aRemoteStatement, aSource, PullHarness, page, REMOTE, REMOTE_AUTHORITY } from './support/remote';

const ATTENDED = 'http://adlnet.gov/expapi/verbs/attended';

describe('pulling from a remote LRS (nock)', () => {
  let h: PullHarness;
  beforeEach(async () => {
    h = await PullHarness.start();
  });
  afterEach(async () => h.stop());

  it('asks for statements since the checkpoint with attachments, follows `more` to the end, keeps id, timestamp and authority', async () => {
    const [a, b, c] = [aRemoteStatement(1), aRemoteStatement(2), aRemoteStatement(3)];
    let query: Record<string, string> = {};
    const remote = nock(REMOTE)
      .get('/xapi/statements')
      .query((q) => {
        query = q as Record<string, string>;
        return true;
      })
      .basicAuth({ user: 'lrs', pass: 'secret' })
      .reply(200, page([a, b], '/xapi/statements/more/p2'))
      .get('/xapi/statements/more/p2')
      .reply(200, page([c]));
    const puller = await h.puller();
    await puller.configure(aSource(), 'test');
    const outcome = await puller.pullOnce('lms');

    expect(outcome).to.include({ outcome: 'done', pages: 2, stored: 3, quarantined: 0 });
    expect(remote.isDone()).to.equal(true);
    // Communication 1.5.2: a pulling system MUST request attachments.
    expect(query).to.include({ ascending: 'true', attachments: 'true' });
    const kept = (await h.statements.existing(c.id!))!;
    expect(kept.timestamp).to.equal(c.timestamp);
    expect(kept.authority).to.deep.equal(REMOTE_AUTHORITY);
    const events = await h.statementEvents();
    expect(events.map((e) => (e.data as { source?: string }).source)).to.deep.equal(
      Array(3).fill('remote:lms'),
    );
    expect(puller.status('lms').since).to.equal(c.stored);
  });

  it('stores a statement the remote sends twice (same page and next page) once', async () => {
    const a = aRemoteStatement(1);
    nock(REMOTE)
      .get('/xapi/statements')
      .query(true)
      .reply(200, page([a, a], '/xapi/statements/more/p2'))
      .get('/xapi/statements/more/p2')
      .reply(200, page([a]));
    const puller = await h.puller();
    await puller.configure(aSource(), 'test');
    const outcome = await puller.pullOnce('lms');
    expect(outcome).to.include({ stored: 1, repeated: 2 });
    expect(await h.statementEvents()).to.have.length(1);
  });

  it('survives a restart: resumes from the stored checkpoint (1 ms overlap) without storing again or skipping', async () => {
    const [a, b] = [aRemoteStatement(1), aRemoteStatement(2)];
    nock(REMOTE)
      .get('/xapi/statements')
      .query(true)
      .reply(200, page([a]));
    const first = await h.puller();
    await first.configure(aSource(), 'test');
    await first.pullOnce('lms');
    await first.stop();

    let since = '';
    nock(REMOTE)
      .get('/xapi/statements')
      .query((q) => {
        since = String(q.since);
        return true;
      })
      .reply(200, page([a, b]));
    const second = await h.puller();
    const outcome = await second.pullOnce('lms');
    expect(since).to.equal(new Date(Date.parse(a.stored!) - 1).toISOString());
    expect(outcome).to.include({ stored: 1, repeated: 1 });
    expect(await h.statementEvents()).to.have.length(2);
  });

  it('backs off on a timeout and on 5xx, keeps the checkpoint, then recovers', async () => {
    const a = aRemoteStatement(1);
    nock(REMOTE)
      .get('/xapi/statements')
      .query(true)
      .delay(1000)
      .reply(200, page([a]))
      .get('/xapi/statements')
      .query(true)
      .reply(503, 'maintenance')
      .get('/xapi/statements')
      .query(true)
      .reply(200, page([a]));
    const puller = await h.puller();
    await puller.configure(aSource(), 'test');

    const timedOut = await puller.pullOnce('lms');
    expect(timedOut.outcome).to.equal('backing-off');
    expect(timedOut.error).to.match(/no answer within 300 ms/);
    const unavailable = await puller.pullOnce('lms');
    expect(unavailable.outcome).to.equal('backing-off');
    expect(puller.status('lms')).to.include({ state: 'backing-off', consecutiveFailures: 2, since: null });
    expect(puller.status('lms').lastError).to.match(/503/);

    const recovered = await puller.pullOnce('lms');
    expect(recovered).to.include({ outcome: 'done', stored: 1 });
    expect(puller.status('lms')).to.include({ state: 'idle', consecutiveFailures: 0, lastError: null });
  });

  it('retries on its own schedule with bounded exponential back-off until the remote recovers', async () => {
    const a = aRemoteStatement(1);
    nock(REMOTE)
      .get('/xapi/statements')
      .query(true)
      .times(3)
      .reply(500)
      .get('/xapi/statements')
      .query(true)
      .reply(200, page([a]));
    const puller = await h.puller({ schedule: true });
    await puller.configure(aSource(), 'test');
    await h.statementStored();
    expect(await h.statementEvents()).to.have.length(1);
    for (let n = 1; n < 20; n++) {
      const d = puller.backoffDelay(n);
      expect(d).to.be.at.most(50).and.at.least(5);
    }
  });

  it('treats malformed JSON as a failed page: nothing stored, nothing skipped', async () => {
    const a = aRemoteStatement(1);
    nock(REMOTE)
      .get('/xapi/statements')
      .query(true)
      .reply(200, '{"statements": [', { 'Content-Type': 'application/json' })
      .get('/xapi/statements')
      .query(true)
      .reply(200, page([a]));
    const puller = await h.puller();
    await puller.configure(aSource(), 'test');
    const bad = await puller.pullOnce('lms');
    expect(bad.outcome).to.equal('backing-off');
    expect(bad.error).to.match(/malformed JSON/);
    expect(await h.statementEvents()).to.have.length(0);
    expect(await puller.pullOnce('lms')).to.include({ outcome: 'done', stored: 1 });
  });

  it('stops a source whose credential expired (401), records it, and pulls again only after resume', async () => {
    nock(REMOTE).get('/xapi/statements').query(true).reply(401, 'token expired');
    const puller = await h.puller();
    await puller.configure(aSource(), 'test');
    const outcome = await puller.pullOnce('lms');
    expect(outcome.outcome).to.equal('stopped');
    expect(puller.status('lms')).to.deep.include({
      state: 'stopped',
      stopped: { reason: 'the remote refused the credentials (401)', status: 401 },
    });
    const events = await h.log.readStream(sourceStream('lms'));
    expect(events.map((e) => e.type)).to.include(SOURCE_STOPPED);
    expect((await puller.pullOnce('lms')).outcome).to.equal('skipped');

    // A restarted puller remembers the stop.
    const again = await h.puller();
    expect(again.status('lms').state).to.equal('stopped');

    nock(REMOTE)
      .get('/xapi/statements')
      .query(true)
      .reply(200, page([aRemoteStatement(1)]));
    await puller.resume('lms', 'test');
    expect(await puller.pullOnce('lms')).to.include({ outcome: 'done', stored: 1 });
  });

  it('quarantines a statement that fails validation with the reason, stores the rest, and lists it', async () => {
    const good = aRemoteStatement(1);
    const bad = aRemoteStatement(2, (b) => b.set('/verb/id', 'not an iri'));
    nock(REMOTE)
      .get('/xapi/statements')
      .query(true)
      .reply(200, page([good, bad]));
    const puller = await h.puller();
    await puller.configure(aSource(), 'test');
    const outcome = await puller.pullOnce('lms');
    expect(outcome).to.include({ stored: 1, quarantined: 1 });
    const listed = await puller.quarantine('lms');
    expect(listed).to.have.length(1);
    expect(listed[0]).to.include({ source: 'lms', statementId: bad.id });
    expect(listed[0]!.pointer).to.match(/verb\/id/);
    expect(listed[0]!.reason).to.be.a('string').and.not.equal('');
    // The checkpoint moves past it: it is kept in quarantine, not retried forever.
    const cps = (await h.log.readStream(sourceStream('lms'))).filter((e) => e.type === SOURCE_CHECKPOINT);
    expect(cps).to.have.length(1);
  });

  it('imports only the configured verbs', async () => {
    const kept = aRemoteStatement(1, (b) => b.withVerb(ATTENDED));
    const other = aRemoteStatement(2);
    let verb = '';
    nock(REMOTE)
      .get('/xapi/statements')
      .query((q) => {
        verb = String(q.verb);
        return true;
      })
      .reply(200, page([kept, other]));
    const puller = await h.puller();
    await puller.configure(aSource({ verbs: [ATTENDED] }), 'test');
    expect(await puller.pullOnce('lms')).to.include({ stored: 1, filtered: 1 });
    expect(verb).to.equal(ATTENDED);
  });
});
