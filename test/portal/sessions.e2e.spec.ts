// Portal sessions live in the data directory (decision 061): a restart keeps users signed in, and
// signing out ends the session for every process on that directory.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seedDemoCity } from '@lrs/server/demo';
import { TestLrs } from '@lrs/server/testing';
import { expect } from 'chai';

const ENV = { LRS_DEV_SIGNIN: 'true', LRS_JWT_HS256_SECRET: 'x'.repeat(40) };

/** The cookies a response sets, as one Cookie header together with those already held. */
function withCookies(held: Record<string, string>, res: Response): Record<string, string> {
  const out = { ...held };
  for (const line of res.headers.getSetCookie()) {
    const [pair = ''] = line.split(';');
    const i = pair.indexOf('=');
    out[pair.slice(0, i)] = pair.slice(i + 1);
  }
  return out;
}
const header = (cookies: Record<string, string>) =>
  Object.entries(cookies)
    .map(([k, v]) => `${k}=${v}`)
    .join('; ');

describe('portal sessions across restarts and processes', function () {
  this.timeout(120_000);
  let dataDir: string;
  let lrs: TestLrs | null = null;

  before(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'portal-sessions-e2e-'));
  });
  after(async () => {
    await lrs?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const start = async () => {
    lrs = await TestLrs.start({ ...ENV, LRS_DATA_DIR: dataDir });
    return lrs;
  };
  const restart = async () => {
    await lrs?.stop();
    return start();
  };
  /** The dashboard as this cookie's holder gets it: 200 when signed in, else a redirect to sign in. */
  const dashboard = async (cookies: Record<string, string>) => {
    const res = await fetch(`${lrs!.url}/dashboard`, {
      headers: { cookie: header(cookies) },
      redirect: 'manual',
    });
    return { status: res.status, location: res.headers.get('location') };
  };

  it('a signed-in user stays signed in after a restart on the same data directory; sign-out ends it for every later process', async () => {
    await start();
    await seedDemoCity(lrs!.system.log, {
      keys: lrs!.system.keys,
      officials: 10,
      districts: 1,
      officesPerDistrict: 1,
      pauseMs: 0,
    });
    // The development sign-in's form: its CSRF cookie first, then the auditor's button.
    const form = await fetch(`${lrs!.url}/dev/signin`);
    let cookies = withCookies({}, form);
    const signIn = await fetch(`${lrs!.url}/dev/signin`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: header(cookies), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf: cookies.portal_csrf!, user: 'auditor:auditor', next: '/dashboard' }),
    });
    expect(signIn.status).to.equal(303);
    cookies = withCookies(cookies, signIn);
    expect(cookies.portal_session).to.match(/^[A-Za-z0-9_-]{43}$/);
    expect((await dashboard(cookies)).status).to.equal(200);

    await restart();
    expect((await dashboard(cookies)).status, 'after a restart').to.equal(200);
    const saved = { ...cookies };

    const out = await fetch(`${lrs!.url}/signout`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: header(cookies), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf: cookies.portal_csrf! }),
    });
    expect([out.status, out.headers.get('location')]).to.deep.equal([303, '/signin?out=1']);
    const denied = await dashboard(saved);
    expect(denied.status).to.equal(303);
    expect(denied.location).to.match(/^\/signin\?next=/);

    await restart();
    expect((await dashboard(saved)).status, 'a saved cookie after sign-out and a restart').to.equal(303);
  });
});
