import { TestLrs } from '@lrs/server/testing';
import { expect } from 'chai';
import { nowSeconds, signHs256 } from './support/jwt';

/**
 * The security promises on the web portal, over plain HTTP (the browser tests in test/portal cover the pages):
 * security headers, CSRF on every state change, and no redirect that leaves the site.
 */
const SECRET = 'portal-security-hs256-secret-0123456789abcdef';

function cookiesOf(res: Response): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of res.headers.getSetCookie()) {
    const [pair] = c.split(';');
    const at = pair!.indexOf('=');
    out[pair!.slice(0, at)] = decodeURIComponent(pair!.slice(at + 1));
  }
  return out;
}

describe('portal security: headers, CSRF, redirects', function () {
  this.timeout(30_000);
  let lrs: TestLrs;
  let csrf: string;
  const token = () =>
    signHs256(
      { sub: 'auditor-1', name: 'Auditor', role: 'auditor', iat: nowSeconds(), exp: nowSeconds() + 300 },
      SECRET,
    );

  const post = (path: string, fields: Record<string, string>, cookie?: string) =>
    fetch(`${lrs.url}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        ...(cookie ? { Cookie: cookie } : {}),
      },
      body: new URLSearchParams(fields).toString(),
    });

  before(async () => {
    lrs = await TestLrs.start({ LRS_JWT_HS256_SECRET: SECRET, LRS_PORTAL_SECRET: 's'.repeat(40) });
    const form = await fetch(`${lrs.url}/signin`);
    csrf = cookiesOf(form).portal_csrf!;
    expect(csrf).to.match(/^[A-Za-z0-9_-]{32}$/);
  });
  after(() => lrs.stop());

  it('pages carry a CSP without inline script, no framing, nosniff and no-store', async () => {
    for (const path of ['/signin', '/verify', '/verify?code=x']) {
      const res = await fetch(`${lrs.url}${path}`);
      expect(res.status, path).to.equal(200);
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp, path).to.include("default-src 'none'").and.include("frame-ancestors 'none'");
      expect(csp, path).to.include("script-src 'self'").and.not.include('unsafe-inline');
      expect(res.headers.get('x-frame-options'), path).to.equal('DENY');
      expect(res.headers.get('x-content-type-options'), path).to.equal('nosniff');
      expect(res.headers.get('cache-control'), path).to.equal('no-store');
    }
  });

  it('session and CSRF cookies are HttpOnly and SameSite=Strict', async () => {
    const res = await post('/signin', { csrf, token: token(), next: '/' }, `portal_csrf=${csrf}`);
    expect(res.status).to.equal(303);
    const set = res.headers.getSetCookie();
    expect(set.some((c) => c.startsWith('portal_session='))).to.equal(true);
    for (const c of set.filter((c) => /^portal_(session|csrf)=/.test(c)))
      expect(c).to.include('HttpOnly').and.include('SameSite=Strict');
  });

  it('refuses a sign-in and a sign-out without the form token, or with another browser’s (403 portal.csrf)', async () => {
    const cases = [
      await post('/signin', { token: token(), next: '/' }, `portal_csrf=${csrf}`),
      await post('/signin', { csrf: 'A'.repeat(32), token: token(), next: '/' }, `portal_csrf=${csrf}`),
      await post('/signin', { csrf, token: token(), next: '/' }),
      await post('/signout', {}, `portal_csrf=${csrf}; portal_session=${token()}`),
    ];
    for (const res of cases) {
      expect(res.status).to.equal(403);
      expect(await res.text()).to.include('data-rule="portal.csrf"');
      expect(res.headers.getSetCookie().some((c) => c.startsWith('portal_session='))).to.equal(false);
    }
  });

  it('never redirects off the site after sign-in, whatever `next` says', async () => {
    const offSite = [
      '//evil.example/x',
      'https://evil.example/',
      '/\\evil.example',
      'javascript:alert(1)',
      '/%0d%0aSet-Cookie:x=1',
    ];
    for (const next of offSite) {
      const res = await post('/signin', { csrf, token: token(), next }, `portal_csrf=${csrf}`);
      expect(res.status, next).to.equal(303);
      const location = res.headers.get('location') ?? '';
      expect(
        location.startsWith('/') && !location.startsWith('//') && !location.startsWith('/\\'),
        `${next} → ${location}`,
      ).to.equal(true);
      expect(location, next).to.not.include('evil.example');
    }
    const same = await post('/signin', { csrf, token: token(), next: '/dashboard' }, `portal_csrf=${csrf}`);
    expect(same.headers.get('location')).to.equal('/dashboard');
  });

  it('the language switch returns only to a page of the same host', async () => {
    const away = await fetch(`${lrs.url}/lang?lang=ko`, {
      redirect: 'manual',
      headers: { Referer: 'https://evil.example/phish' },
    });
    expect(away.status).to.equal(303);
    expect(away.headers.get('location')).to.equal('/');
    const home = await fetch(`${lrs.url}/lang?lang=ko`, {
      redirect: 'manual',
      headers: { Referer: `${lrs.url}/verify?code=abc` },
    });
    expect(home.headers.get('location')).to.equal('/verify?code=abc');
  });

  it('a bad token on sign-in goes back to the form, saying nothing about why', async () => {
    const res = await post(
      '/signin',
      { csrf, token: signHs256({ sub: 'x', role: 'admin' }, 'wrong-key'.repeat(5)), next: '/' },
      `portal_csrf=${csrf}`,
    );
    expect(res.status).to.equal(303);
    expect(res.headers.get('location')).to.equal('/signin?error=1&next=%2F');
  });
});
