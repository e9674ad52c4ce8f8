import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@lrs/config';
import { SessionStore, Sessions, userOfClaims } from '@lrs/service-portal';
import { expect } from 'chai';

/** The smallest request/response pair the session store touches. */
function exchange(cookie = '') {
  const set: string[] = [];
  const req = { headers: { cookie }, secure: false } as unknown as Parameters<Sessions['userOf']>[0];
  const res = { append: (_: string, v: string) => set.push(v) } as unknown as Parameters<
    Sessions['signOut']
  >[1];
  const sessionCookie = () => set.find((c) => c.startsWith('portal_session='))?.split(';')[0] ?? '';
  return { req, res, sessionCookie };
}

describe('portal sessions', () => {
  const config = loadConfig({ HOST: '127.0.0.1', LRS_DEV_SIGNIN: 'true', LRS_PORTAL_IDLE_MINUTES: '15' });
  const dir = mkdtempSync(join(tmpdir(), 'portal-sessions-'));
  let now = 1_000_000;
  const sessions = new Sessions(config, null, 'k'.repeat(40), () => now, SessionStore.open(dir));
  const claims = { sub: 'E00001', name: 'Kim', role: 'official', official_id: 'E00001' };
  const user = userOfClaims(claims, 'the-id-token', 'https://lrs.example');
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('end after the configured idle time, and a request keeps them alive', () => {
    const a = exchange();
    sessions.signIn(a.req, a.res, user, now + 3600_000);
    const cookie = a.sessionCookie();
    now += 14 * 60_000;
    expect(sessions.userOf(exchange(cookie).req)?.name).to.equal('Kim');
    now += 14 * 60_000;
    expect(sessions.userOf(exchange(cookie).req)?.name).to.equal('Kim');
    now += 15 * 60_000 + 1;
    expect(sessions.userOf(exchange(cookie).req)).to.equal(null);
  });

  it('end when the identity token expires, however active', () => {
    const a = exchange();
    sessions.signIn(a.req, a.res, user, now + 60_000);
    const cookie = a.sessionCookie();
    now += 59_000;
    expect(sessions.userOf(exchange(cookie).req)).to.not.equal(null);
    now += 1_000;
    expect(sessions.userOf(exchange(cookie).req)).to.equal(null);
  });

  it('end at the absolute lifetime (12 hours by default), however active', () => {
    const a = exchange();
    sessions.signIn(a.req, a.res, user, now + 48 * 3600_000);
    const cookie = a.sessionCookie();
    for (let i = 0; i < 12 * 6 - 1; i++) {
      now += 10 * 60_000;
      expect(sessions.userOf(exchange(cookie).req), `after ${(i + 1) * 10} minutes`).to.not.equal(null);
    }
    now += 10 * 60_000;
    expect(sessions.userOf(exchange(cookie).req)).to.equal(null);
  });

  it('end on sign-out for every copy of the cookie, and a new sign-in gets a new id', () => {
    const a = exchange();
    sessions.signIn(a.req, a.res, user, now + 3600_000);
    const cookie = a.sessionCookie();
    const b = exchange(cookie);
    sessions.signIn(b.req, b.res, user, now + 3600_000);
    expect(b.sessionCookie()).to.not.equal(cookie);
    expect(sessions.userOf(exchange(cookie).req)).to.equal(null);
    const out = exchange(b.sessionCookie());
    expect(sessions.signOut(out.req, out.res)?.name).to.equal('Kim');
    expect(sessions.userOf(exchange(b.sessionCookie()).req)).to.equal(null);
  });

  it('outlive the process: another store on the same data directory knows the session, and its sign-out ends it here', () => {
    const a = exchange();
    sessions.signIn(a.req, a.res, user, now + 3600_000);
    const cookie = a.sessionCookie();
    const other = new Sessions(config, null, 'k'.repeat(40), () => now, SessionStore.open(dir));
    const seen = other.userOf(exchange(cookie).req);
    expect(seen?.officialId).to.equal('E00001');
    expect(seen?.token).to.equal('the-id-token');
    const out = exchange(cookie);
    other.signOut(out.req, out.res);
    expect(sessions.userOf(exchange(cookie).req)).to.equal(null);
  });

  it('keep neither the session id nor the token readable in the file', () => {
    const a = exchange();
    sessions.signIn(a.req, a.res, user, now + 3600_000);
    const id = decodeURIComponent(a.sessionCookie().split('=')[1]!);
    const file = join(dir, 'portal', 'sessions.sqlite');
    const text = [file, `${file}-wal`]
      .filter((f) => existsSync(f))
      .map((f) => readFileSync(f).toString('latin1'))
      .join('');
    expect(text.length).to.be.greaterThan(0);
    expect(text).to.not.contain(id);
    expect(text).to.not.contain('the-id-token');
    expect(text).to.not.contain('Kim');
  });

  it("end with an official's erasure, which takes their profile too and leaves nothing of them in the file", () => {
    const erasureDir = mkdtempSync(join(tmpdir(), 'portal-erasure-'));
    const store = SessionStore.open(erasureDir, 'portal-key');
    const fileText = () =>
      [join(erasureDir, 'portal', 'sessions.sqlite'), join(erasureDir, 'portal', 'sessions.sqlite-wal')]
        .filter((f) => existsSync(f))
        .map((f) => readFileSync(f).toString('latin1'))
        .join('');
    const mine = new Sessions(config, null, 'k'.repeat(40), () => now, store);
    const other = userOfClaims(
      { sub: 'E00002', name: 'Lee', role: 'official', official_id: 'E00002' },
      'another-token',
      'https://lrs.example',
    );
    const a = exchange();
    mine.signIn(a.req, a.res, user, now + 3600_000);
    const b = exchange();
    mine.signIn(b.req, b.res, other, now + 3600_000);
    store.saveProfile('token:issuer:E00001', { timeZone: 'Asia/Seoul' }, now, 'E00001');
    store.saveProfile('token:issuer:E00002', { timeZone: 'Asia/Seoul' }, now, 'E00002');
    expect(fileText()).to.contain('token:issuer:E00001');

    expect(store.forgetOfficial('E00001')).to.equal(2);

    expect(mine.userOf(exchange(a.sessionCookie()).req)).to.equal(null);
    expect(store.profile('token:issuer:E00001').timeZone).to.equal(null);
    expect(mine.userOf(exchange(b.sessionCookie()).req)?.name).to.equal('Lee');
    expect(store.profile('token:issuer:E00002').timeZone).to.equal('Asia/Seoul');
    expect(fileText()).to.not.contain('E00001');
    expect(fileText()).to.contain('token:issuer:E00002');
    store.close();
    rmSync(erasureDir, { recursive: true, force: true });
  });

  it('of a sealed official are found by the pseudonym an erasure names; a profile kept before sealing moves to it at sign-in (decision 085)', () => {
    const tagged = mkdtempSync(join(tmpdir(), 'portal-pseudonym-'));
    const pseudonyms = new Map<string, string>();
    const store = SessionStore.open(tagged, 'portal-key', { subjectOf: (id) => pseudonyms.get(id) });
    const mine = new Sessions(config, null, 'k'.repeat(40), () => now, store);
    // Her profile was saved while her registry record was not sealed (tagged by id).
    store.saveProfile('token:issuer:E00001', { locale: 'ko' }, now, 'E00001');
    // The migration sealed the record: she has a pseudonym now, and signs in.
    pseudonyms.set('E00001', 'p-00000000-0000-4000-8000-000000000001');
    const a = exchange();
    mine.signIn(a.req, a.res, user, now + 3600_000);
    // Nothing but the erasure event's pseudonyms is known at the next start.
    pseudonyms.clear();
    expect(store.forgetSubjects(['p-00000000-0000-4000-8000-000000000002'])).to.equal(0);
    expect(store.forgetSubjects(['p-00000000-0000-4000-8000-000000000001'])).to.equal(2);
    expect(mine.userOf(exchange(a.sessionCookie()).req)).to.equal(null);
    expect(store.profile('token:issuer:E00001').locale).to.equal(null);
    // Idempotent: the start after that finds nothing left.
    expect(store.forgetSubjects(['p-00000000-0000-4000-8000-000000000001'])).to.equal(0);
    store.close();
    rmSync(tagged, { recursive: true, force: true });
  });

  it('purge ended rows when someone signs in', () => {
    const before = sessions.size;
    expect(before).to.be.greaterThan(0);
    now += 24 * 3600_000;
    const a = exchange();
    sessions.signIn(a.req, a.res, user, now + 3600_000);
    expect(sessions.size).to.equal(1);
  });
});

describe('portal configuration', () => {
  it('the development sign-in refuses a non-loopback address without the explicit override', () => {
    expect(() => loadConfig({ LRS_DEV_SIGNIN: 'true' })).to.throw(/HOST=0\.0\.0\.0/);
    expect(() => loadConfig({ LRS_DEV_SIGNIN: 'true', HOST: '10.0.0.5' })).to.throw(
      /LRS_DEV_SIGNIN_ANY_HOST/,
    );
    expect(loadConfig({ LRS_DEV_SIGNIN: 'true', HOST: '127.0.0.1' }).portal?.devSignIn).to.equal(true);
    expect(loadConfig({ LRS_DEV_SIGNIN: 'true', HOST: '::1' }).portal?.devSignIn).to.equal(true);
    expect(
      loadConfig({ LRS_DEV_SIGNIN: 'true', HOST: '0.0.0.0', LRS_DEV_SIGNIN_ANY_HOST: 'true' }).portal
        ?.devSignIn,
    ).to.equal(true);
    expect(loadConfig({}).portal?.devSignIn).to.equal(false);
  });
  it('the absolute session lifetime is hours, 12 by default, and nonsense is refused naming the variable', () => {
    expect(loadConfig({}).portal?.sessionHours).to.equal(12);
    expect(loadConfig({ LRS_PORTAL_SESSION_HOURS: '8' }).portal?.sessionHours).to.equal(8);
    for (const bad of ['0', '-1', 'ten', '100000'])
      expect(() => loadConfig({ LRS_PORTAL_SESSION_HOURS: bad }), bad).to.throw(/LRS_PORTAL_SESSION_HOURS/);
  });
  it('OpenID Connect needs an https issuer (http only on loopback), a client id and a secret', () => {
    expect(() => loadConfig({ LRS_OIDC_ISSUER: 'http://idp.example' })).to.throw(/https/);
    expect(() => loadConfig({ LRS_OIDC_ISSUER: 'https://idp.example' })).to.throw(
      /LRS_OIDC_CLIENT_ID|required/,
    );
    const oidc = loadConfig({
      LRS_BASE_URL: 'https://lrs.example',
      LRS_OIDC_ISSUER: 'https://idp.example/realms/city',
      LRS_OIDC_CLIENT_ID: 'portal',
      LRS_OIDC_CLIENT_SECRET: 's',
      LRS_OIDC_CLAIMS: 'officialId=employee_number',
      LRS_OIDC_ROLE_MAP: 'staff=official',
    }).portal?.oidc;
    expect(oidc?.redirectUri).to.equal('https://lrs.example/signin/callback');
    expect(oidc?.postLogoutRedirectUri).to.equal('https://lrs.example/signin?out=1');
    expect(oidc?.claims).to.deep.equal({
      officialId: 'employee_number',
      roles: 'roles',
      jurisdiction: 'jurisdiction',
      name: 'name',
    });
    expect(oidc?.roleMap).to.deep.equal({ staff: 'official' });
    expect(() =>
      loadConfig({
        LRS_OIDC_ISSUER: 'https://i',
        LRS_OIDC_CLIENT_ID: 'a',
        LRS_OIDC_CLIENT_SECRET: 'b',
        LRS_OIDC_CLAIMS: 'email=x',
      }),
    ).to.throw(/officialId/);
  });
});
