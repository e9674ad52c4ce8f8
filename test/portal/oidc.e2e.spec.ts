import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { seedDemoCity } from '@lrs/server/demo';
import { TestLrs } from '@lrs/server/testing';
import { expect } from 'chai';
import Provider from 'oidc-provider';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { axeViolations } from './support/axe';
import { ARTIFACTS, CHROMIUM, chromiumMissing, launchChromium } from './support/browser';

const CLIENT_ID = 'training-portal';
const CLIENT_SECRET = 'portal-client-secret-for-tests-only-0123456789';

// The organisation's directory as its identity provider knows it: its own claim names and group values.
const ACCOUNTS: Record<string, Record<string, unknown>> = {
  kim: { name: 'Kim (IdP)', employee_number: 'E00001', groups: ['welfare-staff'] },
  bureau: { name: 'Welfare bureau', org: 'demo-city', groups: ['welfare-bureau'] },
  ghost: { name: 'Not registered', employee_number: 'E99999', groups: ['welfare-staff'] },
  brief: { name: 'Short token', employee_number: 'E00002', groups: ['welfare-staff'] },
};

describe('portal sign-in with OpenID Connect against a real provider (headless Chromium)', function () {
  this.timeout(120_000);
  let lrs: TestLrs;
  let browser: Browser;
  let idp: Server;
  let idpUrl: string;
  let idTokenSeconds = 3600;

  before(async function () {
    if (chromiumMissing()) {
      console.warn(`    SKIPPED: ${CHROMIUM} is missing (scripts/setup.sh installs it as root)`);
      this.skip();
    }
    // The provider's server first (its port is the issuer); it also forwards the redirect URI to
    // the portal, whose ephemeral port is known only once it listens (a reverse proxy in real life).
    let handler: ((req: never, res: never) => void) | null = null;
    let portalUrl = '';
    idp = createServer((req, res) => {
      if (req.url?.startsWith('/rp-signed-out')) {
        res.writeHead(302, { location: `${portalUrl}/signin${req.url.slice('/rp-signed-out'.length)}` });
        return res.end();
      }
      if (req.url?.startsWith('/rp-callback')) {
        res.writeHead(302, {
          location: `${portalUrl}/signin/callback${req.url.slice('/rp-callback'.length)}`,
        });
        return res.end();
      }
      handler!(req as never, res as never);
    });
    await new Promise<void>((resolve) => idp.listen(0, '127.0.0.1', resolve));
    idpUrl = `http://127.0.0.1:${(idp.address() as AddressInfo).port}`;
    lrs = await TestLrs.start({
      LRS_OIDC_ISSUER: idpUrl,
      LRS_OIDC_CLIENT_ID: CLIENT_ID,
      LRS_OIDC_CLIENT_SECRET: CLIENT_SECRET,
      LRS_OIDC_REDIRECT_URI: `${idpUrl}/rp-callback`,
      LRS_OIDC_POST_LOGOUT_REDIRECT_URI: `${idpUrl}/rp-signed-out?out=1`,
      LRS_OIDC_CLAIMS: 'officialId=employee_number,roles=groups,jurisdiction=org',
      LRS_OIDC_ROLE_MAP: 'welfare-staff=official,welfare-bureau=policy-unit',
    });
    portalUrl = lrs.url;
    const provider = new Provider(idpUrl, {
      clients: [
        {
          client_id: CLIENT_ID,
          client_secret: CLIENT_SECRET,
          redirect_uris: [`${idpUrl}/rp-callback`],
          post_logout_redirect_uris: [`${idpUrl}/rp-signed-out?out=1`],
          grant_types: ['authorization_code'],
          response_types: ['code'],
        },
      ],
      async findAccount(_ctx: unknown, id: string) {
        const account = ACCOUNTS[id];
        if (!account) return undefined;
        return { accountId: id, claims: async () => ({ sub: id, ...account }) };
      },
      claims: { openid: ['sub'], profile: ['name', 'employee_number', 'groups', 'org'] },
      conformIdTokenClaims: false,
      features: { devInteractions: { enabled: true } },
      pkce: { required: () => true },
      ttl: { IdToken: () => idTokenSeconds },
      cookies: { keys: ['idp-cookie-key-for-tests'] },
    });
    handler = provider.callback() as never;
    await seedDemoCity(lrs.system.log, {
      keys: lrs.system.keys,
      officials: 40,
      districts: 1,
      officesPerDistrict: 2,
      pauseMs: 0,
    });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await lrs?.stop();
    await new Promise((resolve) => idp?.close(resolve));
  });

  /** Through the provider's own login and consent pages; `consent: false` presses its Cancel. */
  async function signIn(
    login: string,
    consent = true,
  ): Promise<{ page: Page; context: BrowserContext; ms: number; backMs: number }> {
    const context = await browser.newContext({ viewport: { width: 1000, height: 800 } });
    const page = await context.newPage();
    await page.goto(`${lrs.url}/me`);
    await page.waitForURL(/\/signin\?/);
    const started = Date.now();
    await page.locator('#signin-oidc').click();
    await page.locator('input[name="login"]').fill(login);
    await page.locator('input[name="password"]').fill('anything');
    await page.locator('button[type="submit"]').click();
    // The portal's part of the round trip: from the user's last click at the provider to the
    // landing page (code exchange, ID token and userinfo, session, landing page).
    const cancel = page.getByRole('link', { name: '[ Cancel ]' });
    await cancel.waitFor();
    const returned = Date.now();
    if (consent) await page.locator('button[autofocus], button[type="submit"]').first().click();
    else await cancel.click();
    await page.waitForURL((url) => url.origin === lrs.url, { waitUntil: 'load' });
    // A successful callback moves on by itself (a same-site page); a refusal stays there.
    if ((await page.locator('meta[http-equiv="refresh"]').count()) > 0)
      await page.waitForURL((url) => !url.pathname.startsWith('/signin/callback'), { waitUntil: 'load' });
    return { page, context, ms: Date.now() - started, backMs: Date.now() - returned };
  }

  it('an official signs in at the provider and lands on their training, with the mapped claims', async () => {
    const { page, context, ms, backMs } = await signIn('kim');
    await page.waitForURL(/\/officials\/E00001$/);
    expect(await page.locator('header').textContent()).to.contain('Kim (IdP)');
    console.log(
      `      sign-in through the provider's pages: ${ms} ms; consent click to landing page: ${backMs} ms`,
    );
    expect(backMs).to.be.below(1500);
    await page.screenshot({ path: join(ARTIFACTS, 'oidc-signed-in.png') });
    await context.close();
  });

  it('a policy unit gets its jurisdiction from the mapped claims', async () => {
    const { page, context } = await signIn('bureau');
    await page.waitForURL(/\/dashboard/);
    expect(await page.locator('.population').textContent()).to.equal('40');
    await context.close();
  });

  it("sign-out ends the portal's session and the provider's: a saved cookie fails, signing in asks for credentials again", async () => {
    const { page, context } = await signIn('kim');
    await page.waitForURL(/\/officials\/E00001$/);
    const saved = await context.cookies();
    await page.getByRole('button', { name: /Sign out/ }).click();
    // RP-initiated logout: the browser goes to the provider's end-session endpoint, which asks.
    await page.waitForURL((url) => url.origin === idpUrl);
    expect(page.url()).to.contain('id_token_hint=');
    await page.locator('button[name="logout"][value="yes"]').click();
    await page.waitForURL(/\/signin\?out=1/);
    expect(page.url().startsWith(lrs.url)).to.equal(true);
    expect(await page.locator('[role=status]').textContent()).to.equal('You are signed out.');
    expect(await axeViolations(page)).to.deep.equal([]);
    // Signing in again in the same browser: the provider has no session left and asks for credentials.
    await page.locator('#signin-oidc').click();
    await page.locator('input[name="login"]').waitFor();
    expect(await page.locator('input[name="password"]').count()).to.equal(1);
    // Put the old portal cookies back, as a thief who copied them would.
    await context.clearCookies();
    await context.addCookies(saved);
    await page.goto(`${lrs.url}/officials/E00001`);
    await page.waitForURL(/\/signin\?next=/);
    await context.close();
  });

  it('a refused consent signs nobody in and says so', async () => {
    const { page, context } = await signIn('kim', false);
    expect(await page.locator('[role=alert]').textContent()).to.match(/consent was refused/);
    expect(await axeViolations(page)).to.deep.equal([]);
    await page.goto(`${lrs.url}/me`);
    await page.waitForURL(/\/signin\?next=/);
    await context.close();
  });

  it('a user the registry does not know is told so and gets no session', async () => {
    const { page, context } = await signIn('ghost');
    expect(await page.locator('[role=alert]').textContent()).to.contain('E99999');
    expect(await page.locator('[role=alert]').textContent()).to.contain('not in the training registry');
    await page.goto(`${lrs.url}/me`);
    await page.waitForURL(/\/signin\?next=/);
    await context.close();
  });

  it('a session ends when the identity token expires', async () => {
    idTokenSeconds = 2;
    try {
      const { page, context } = await signIn('brief');
      await page.waitForURL(/\/officials\/E00002$/);
      // Wait on the condition, bounded: the session lasts the token's two seconds.
      const deadline = Date.now() + 20_000;
      let ended = false;
      while (!ended && Date.now() < deadline) {
        const response = await page.request.get(`${lrs.url}/me`, { maxRedirects: 0 });
        ended = (response.headers().location ?? '').startsWith('/signin');
      }
      expect(ended).to.equal(true);
      await context.close();
    } finally {
      idTokenSeconds = 3600;
    }
  });

  it('the development sign-in is off by default', async () => {
    const res = await fetch(`${lrs.url}/dev/signin`, { headers: { accept: 'text/html' } });
    expect(res.status).to.equal(404);
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${lrs.url}/signin`);
    expect(await page.locator('a[href^="/dev/signin"]').count()).to.equal(0);
    await page.context().close();
  });
});
