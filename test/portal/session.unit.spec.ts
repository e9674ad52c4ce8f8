import { loadConfig } from '@lrs/config';
import { Sessions } from '@lrs/service-portal';
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
  let now = 1_000_000;
  const sessions = new Sessions(config, null, 'k'.repeat(40), () => now);
  const user = { principal: {} as never, name: 'Kim', roles: ['official' as const], token: 't' };

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

  it('end on sign-out for every copy of the cookie, and a new sign-in gets a new id', () => {
    const a = exchange();
    sessions.signIn(a.req, a.res, user, now + 3600_000);
    const cookie = a.sessionCookie();
    const b = exchange(cookie);
    sessions.signIn(b.req, b.res, user, now + 3600_000);
    expect(b.sessionCookie()).to.not.equal(cookie);
    expect(sessions.userOf(exchange(cookie).req)).to.equal(null);
    const out = exchange(b.sessionCookie());
    sessions.signOut(out.req, out.res);
    expect(sessions.userOf(exchange(b.sessionCookie()).req)).to.equal(null);
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
