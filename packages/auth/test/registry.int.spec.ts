import type { EventLog } from '@lrs/event-log';
import { BadRequest, Conflict, NotFound } from '@lrs/http';
import { expect } from 'chai';
import { type CredentialRegistry, ensureBootstrapCredential } from '../src/index';
import { BASE_URL, startRegistry, tempLogFile } from './support/log';

describe('CredentialRegistry', () => {
  let store: ReturnType<typeof tempLogFile>;
  let log: EventLog;
  let registry: CredentialRegistry;

  beforeEach(async () => {
    store = tempLogFile();
    log = await store.connect();
    registry = await startRegistry(log);
  });
  afterEach(async () => {
    await registry.stop();
    await log.close();
    store.remove();
  });

  it('issues a credential whose secret verifies, with an xAPI authority Agent identified by account', async () => {
    const issued = await registry.issue({ name: 'Moodle', scopes: ['statements/write'], issuedBy: 'test' });
    expect(issued.secret).to.have.length.greaterThan(30);
    expect(issued.credential.authority).to.deep.equal({
      objectType: 'Agent',
      name: 'Moodle',
      account: { homePage: BASE_URL, name: issued.key },
    });
    const result = await registry.verifyBasic(issued.key, issued.secret);
    expect(result.ok).to.equal(true);
  });

  it('rejects a wrong secret and an unknown key', async () => {
    const issued = await registry.issue({ name: 'LMS', scopes: ['all'], issuedBy: 'test' });
    expect(await registry.verifyBasic(issued.key, `${issued.secret}x`)).to.deep.equal({
      ok: false,
      reason: 'wrong_secret',
    });
    expect(await registry.verifyBasic('no-such-key', issued.secret)).to.deep.equal({
      ok: false,
      reason: 'unknown_key',
    });
  });

  it('stores only a salted scrypt hash: the secret is nowhere in the log', async () => {
    const a = await registry.issue({ name: 'A', scopes: ['all'], issuedBy: 'test' });
    const b = await registry.issue({ name: 'B', scopes: ['all'], issuedBy: 'test' });
    const events = await log.readAll();
    const text = JSON.stringify(events, (_k, v) => (typeof v === 'bigint' ? String(v) : v));
    expect(text).to.not.include(a.secret);
    expect(text).to.not.include(b.secret);
    expect(events.map((e) => [e.stream, e.type])).to.deep.equal([
      [`credential-${a.key}`, 'credential.issued'],
      [`credential-${b.key}`, 'credential.issued'],
    ]);
    const hashA = (events[0]!.data as { secretHash: { salt: string; N: number } }).secretHash;
    const hashB = (events[1]!.data as { secretHash: { salt: string } }).secretHash;
    expect(hashA.salt).to.not.equal(hashB.salt);
    expect(hashA.N).to.equal(16384);
  });

  it('never lists secrets or hashes', async () => {
    const issued = await registry.issue({ name: 'LMS', scopes: ['statements/write'], issuedBy: 'test' });
    const listed = JSON.stringify(registry.list());
    expect(listed).to.include(issued.key);
    expect(listed).to.not.include(issued.secret);
    expect(listed).to.not.include('secretHash');
    expect(listed).to.not.include('salt');
  });

  it('refuses bad names, unknown scopes and a taken key', async () => {
    const err = async (p: Promise<unknown>) =>
      p.then(
        () => null,
        (e: unknown) => e,
      );
    expect(await err(registry.issue({ name: ' ', scopes: ['all'], issuedBy: 't' }))).to.be.instanceOf(
      BadRequest,
    );
    const unknown = await err(registry.issue({ name: 'x', scopes: ['statements/delete'], issuedBy: 't' }));
    expect(unknown).to.be.instanceOf(BadRequest);
    expect((unknown as BadRequest).message).to.include('statements/delete');
    await registry.issue({ key: 'fixed-key', name: 'x', scopes: ['all'], issuedBy: 't' });
    const taken = await err(registry.issue({ key: 'fixed-key', name: 'y', scopes: ['all'], issuedBy: 't' }));
    expect(taken).to.be.instanceOf(Conflict);
    expect(await err(registry.revoke('missing', { revokedBy: 't' }))).to.be.instanceOf(NotFound);
  });

  it('answers repeated verifications from its cache, far faster than scrypt', async () => {
    const issued = await registry.issue({ name: 'LMS', scopes: ['all'], issuedBy: 'test' });
    const coldStart = performance.now();
    expect((await registry.verifyBasic(issued.key, issued.secret)).ok).to.equal(true);
    const cold = performance.now() - coldStart;
    const warmStart = performance.now();
    for (let i = 0; i < 200; i++)
      expect((await registry.verifyBasic(issued.key, issued.secret)).ok).to.equal(true);
    const warm200 = performance.now() - warmStart;
    expect(warm200, `200 cached verifications took ${warm200} ms, one cold ${cold} ms`).to.be.below(cold);
    // A different (wrong) secret is not served from the cache.
    expect((await registry.verifyBasic(issued.key, 'x'.repeat(43))).ok).to.equal(false);
  });

  it('shares one scrypt run between concurrent first verifications', async () => {
    const issued = await registry.issue({ name: 'LMS', scopes: ['all'], issuedBy: 'test' });
    const results = await Promise.all(
      Array.from({ length: 20 }, () => registry.verifyBasic(issued.key, issued.secret)),
    );
    expect(results.every((r) => r.ok)).to.equal(true);
  });

  it('drops a cached verification when the credential is revoked', async () => {
    const issued = await registry.issue({ name: 'LMS', scopes: ['all'], issuedBy: 'test' });
    expect((await registry.verifyBasic(issued.key, issued.secret)).ok).to.equal(true);
    const revoked = await registry.revoke(issued.key, { revokedBy: 'admin', reason: 'laptop stolen' });
    expect(revoked.revoked).to.include({ revokedBy: 'admin', reason: 'laptop stolen' });
    expect(await registry.verifyBasic(issued.key, issued.secret)).to.deep.equal({
      ok: false,
      reason: 'revoked',
    });
    // "revoked" is only revealed to whoever knows the secret.
    expect(await registry.verifyBasic(issued.key, 'x'.repeat(43))).to.deep.equal({
      ok: false,
      reason: 'wrong_secret',
    });
    // Revoking twice is a no-op that returns the first revocation.
    const again = await registry.revoke(issued.key, { revokedBy: 'someone-else' });
    expect(again.revoked?.revokedBy).to.equal('admin');
  });

  describe('across processes sharing one log file', () => {
    let otherLog: EventLog;
    let other: CredentialRegistry;
    beforeEach(async () => {
      otherLog = await store.connect();
      other = await startRegistry(otherLog);
    });
    afterEach(async () => {
      await other.stop();
      await otherLog.close();
    });

    it('sees a credential issued by the other process', async () => {
      const issued = await registry.issue({ name: 'LMS', scopes: ['all'], issuedBy: 'test' });
      expect((await other.verifyBasic(issued.key, issued.secret)).ok).to.equal(true);
    });

    it('makes a revocation in one process effective in the other, cache included', async () => {
      const issued = await registry.issue({ name: 'LMS', scopes: ['all'], issuedBy: 'test' });
      expect((await other.verifyBasic(issued.key, issued.secret)).ok).to.equal(true); // now cached there
      await registry.revoke(issued.key, { revokedBy: 'admin' });
      const head = await log.headPosition();
      await other.waitFor(head!, 5_000);
      expect(await other.verifyBasic(issued.key, issued.secret)).to.deep.equal({
        ok: false,
        reason: 'revoked',
      });
      expect(other.get(issued.key)?.revoked?.revokedBy).to.equal('admin');
    });

    it('resolves a concurrent revocation race with one revocation event', async () => {
      const issued = await registry.issue({ name: 'LMS', scopes: ['all'], issuedBy: 'test' });
      await other.waitFor((await log.headPosition())!);
      await Promise.all([
        registry.revoke(issued.key, { revokedBy: 'a' }),
        other.revoke(issued.key, { revokedBy: 'b' }),
      ]);
      const events = await log.readStream(`credential-${issued.key}`);
      expect(events.map((e) => e.type)).to.deep.equal(['credential.issued', 'credential.revoked']);
    });
  });

  describe('ensureBootstrapCredential', () => {
    const bootstrap = { key: 'bootstrap-admin', secret: 'bootstrap-secret-123456' };

    it('issues the configured credential with all + admin when no credential exists', async () => {
      expect(await ensureBootstrapCredential(registry, bootstrap)).to.equal('issued');
      expect(registry.get('bootstrap-admin')?.scopes).to.deep.equal(['all', 'admin']);
      expect((await registry.verifyBasic(bootstrap.key, bootstrap.secret)).ok).to.equal(true);
      expect(await ensureBootstrapCredential(registry, bootstrap)).to.equal('skipped');
      expect(registry.size).to.equal(1);
    });

    it('does nothing once any credential exists, even a revoked one', async () => {
      const other = await registry.issue({ name: 'LMS', scopes: ['all'], issuedBy: 'test' });
      await registry.revoke(other.key, { revokedBy: 'test' });
      expect(await ensureBootstrapCredential(registry, bootstrap)).to.equal('skipped');
      expect(registry.get('bootstrap-admin')).to.equal(undefined);
    });

    it('does nothing when not configured', async () => {
      expect(await ensureBootstrapCredential(registry, undefined)).to.equal('skipped');
      expect(registry.size).to.equal(0);
    });
  });
});
