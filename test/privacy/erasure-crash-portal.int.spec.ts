// Decision 085: an official's portal sessions and profile are tagged by their pseudonym, which the
// erasure event names, so an erasure killed between the event and the session store's deletion is
// finished by the next start.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN, basic, TestLrs } from '@lrs/server/testing';
import { filesContaining } from '@lrs/testkit';
import { expect } from 'chai';
import { killAfterErasureRecorded } from './support/kill-after-erasure';

const ENV = { LRS_DEV_SIGNIN: 'true', LRS_JWT_HS256_SECRET: 'x'.repeat(40) };
const OFFICIAL = 'vtrinh-4410';
const NAME = 'Vương Trịnh Khải';

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

describe("an official's erasure killed before their portal session ended (decision 085)", function () {
  this.timeout(120_000);
  const dataDir = mkdtempSync(join(tmpdir(), 'lrs-erasure-crash-portal-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('after a restart their session is refused, their profile is gone and the session store names nobody', async () => {
    const first = await TestLrs.start({ ...ENV, LRS_DATA_DIR: dataDir });
    let cookies: Record<string, string> = {};
    const me = (lrs: TestLrs) =>
      fetch(`${lrs.url}/me`, { headers: { cookie: header(cookies) }, redirect: 'manual' });
    try {
      const imported = await fetch(`${first.url}/api/admin/training/officials`, {
        method: 'POST',
        headers: { Authorization: basic(ADMIN), 'Content-Type': 'application/json' },
        body: JSON.stringify([
          {
            officialId: OFFICIAL,
            name: NAME,
            orgUnit: 'xa-my-tho',
            staffGroup: 'collaborator',
            jurisdiction: 'dong-thap',
            identifiers: [{ account: { homePage: 'https://elearning.example.vn', name: OFFICIAL } }],
          },
        ]),
      });
      expect(imported.status, await imported.clone().text()).to.equal(200);
      await first.caughtUp();
      // The official signs in to the portal and picks Vietnamese (kept in their profile, decision 062).
      const form = await fetch(`${first.url}/dev/signin`);
      cookies = withCookies({}, form);
      const signIn = await fetch(`${first.url}/dev/signin`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie: header(cookies), 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ csrf: cookies.portal_csrf!, user: `official:${OFFICIAL}`, next: '/me' }),
      });
      expect(signIn.status).to.equal(303);
      cookies = withCookies(cookies, signIn);
      const lang = await fetch(`${first.url}/lang?lang=vi`, {
        headers: { cookie: header(cookies) },
        redirect: 'manual',
      });
      expect(lang.status).to.equal(303);
      expect((await me(first)).status, 'signed in').to.equal(303);
      expect((await me(first)).headers.get('location')).to.equal(`/officials/${OFFICIAL}`);
      expect(
        filesContaining(dataDir, OFFICIAL).some((f) => f.includes('/portal/')),
        'profile row',
      ).to.equal(true);
    } finally {
      await first.stop();
    }

    await killAfterErasureRecorded(dataDir, { officialId: OFFICIAL });
    // The kill came before the session store was told: the session and the profile are still there.
    expect(filesContaining(dataDir, OFFICIAL).some((f) => f.includes('/portal/'))).to.equal(true);

    const second = await TestLrs.start({ ...ENV, LRS_DATA_DIR: dataDir });
    try {
      const refused = await me(second);
      expect(refused.status).to.equal(303);
      expect(refused.headers.get('location')).to.match(/^\/signin\?next=/);
      expect(second.system.sessionStore.size, 'sessions left').to.equal(0);
      await second.caughtUp();
      await second.system.erasuresSettled;
      for (const needle of [OFFICIAL, NAME])
        expect(filesContaining(dataDir, needle), needle).to.deep.equal([]);
    } finally {
      await second.stop();
    }
  });
});
