import { seedDemoCity } from '@lrs/server/demo';
import { TestLrs } from '@lrs/server/testing';
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { axeViolations as violations } from './support/axe';
import { CHROMIUM, chromiumMissing, launchChromium, signInAs } from './support/browser';

describe('portal accessibility: axe-core WCAG 2.2 AA on every page in every role (headless Chromium)', function () {
  this.timeout(240_000);
  let lrs: TestLrs;
  let browser: Browser;

  before(async function () {
    if (chromiumMissing()) {
      console.warn(`    SKIPPED: ${CHROMIUM} is missing (scripts/setup.sh installs it as root)`);
      this.skip();
    }
    lrs = await TestLrs.start({ LRS_DEV_SIGNIN: 'true', LRS_JWT_HS256_SECRET: 'x'.repeat(40) });
    await seedDemoCity(lrs.system.log, {
      keys: lrs.system.keys,
      officials: 120,
      districts: 2,
      officesPerDistrict: 2,
      pauseMs: 0,
    });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await lrs?.stop();
  });

  const check = async (page: Page, paths: string[]): Promise<string[]> => {
    const out: string[] = [];
    for (const path of paths) {
      await page.goto(`${lrs.url}${path}`);
      out.push(...(await violations(page)));
      // Beyond axe: every table has a caption; no progress bar reports more than its maximum.
      const extra = await page.evaluate<string[]>(
        `[...document.querySelectorAll('table:not(:has(caption))')].map(() => 'table without caption').concat([...document.querySelectorAll('[role=progressbar],progress')].filter((e) => Number(e.getAttribute('aria-valuenow') ?? e.value) > Number(e.getAttribute('aria-valuemax') ?? e.max)).map(() => 'progress above its maximum'))`,
      );
      out.push(...extra.map((e) => `${page.url()} ${e}`));
    }
    return out;
  };

  it('the focus ring reaches 3:1 contrast against the page', async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${lrs.url}/verify`);
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    const [outline, width] = await page.evaluate<[string, string]>(
      '[getComputedStyle(document.activeElement).outlineColor, getComputedStyle(document.activeElement).outlineWidth]',
    );
    const rgb = outline.match(/\d+/g)!.slice(0, 3).map(Number);
    const lum = (c: number[]) =>
      c
        .map((v) => v / 255)
        .map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4))
        .reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i]!, 0);
    const ratio = (1 + 0.05) / (lum(rgb) + 0.05);
    expect(ratio, outline).to.be.at.least(3);
    expect(Number.parseFloat(width)).to.be.at.least(2);
    await page.context().close();
  });

  for (const locale of ['en', 'ko', 'zh-Hant']) {
    it(`anonymous pages (${locale})`, async () => {
      const page = await (await browser.newContext({ locale })).newPage();
      const found = await check(page, [
        '/signin',
        '/verify',
        '/verify?code=nonsense',
        '/no/such/page',
        '/dev/signin',
      ]);
      expect(found, found.join('\n')).to.deep.equal([]);
      await page.context().close();
    });

    it(`an official's pages (${locale})`, async () => {
      const page = await signInAs(browser, lrs.url, /E00001/, 390, { locale });
      const found = await check(page, ['/officials/E00001', '/officials/E00002', '/profile']);
      await page.goto(`${lrs.url}/officials/E00001`);
      const certificate = await page.locator('a[href*="/certificate"]').first().getAttribute('href');
      // "Download my data" (decision 070) is on the page axe just checked; it downloads her own data.
      const myData = await page.locator('#download-my-data').getAttribute('href');
      expect(myData).to.equal('/officials/E00001/personal-data?format=json');
      const exported = await page.request.get(`${lrs.url}${myData}`);
      expect(exported.status()).to.equal(200);
      expect((await exported.json()).subject.officialId).to.equal('E00001');
      expect(
        (await page.request.get(`${lrs.url}/officials/E00002/personal-data?format=json`)).status(),
      ).to.equal(403);
      found.push(...(await check(page, [certificate!])));
      expect(found, found.join('\n')).to.deep.equal([]);
      await page.context().close();
    });

    it(`a policy unit's pages (${locale})`, async () => {
      // Korean at phone width: the responsive tables and the filters too.
      const page = await signInAs(browser, lrs.url, /demo-city/, locale === 'ko' ? 390 : 1200, { locale });
      const found = await check(page, [
        '/dashboard',
        '/dashboard?orgUnit=d1',
        '/dashboard?orgUnit=d1-o1',
        '/officials',
        '/officials?status=overdue&page=2',
        '/officials?q=nobody-has-this-name',
        '/audit',
        '/cohort',
        '/cohort?status=overdue&sort=hours&dir=desc',
        '/programmes',
        '/duties',
        '/audit/snapshots',
        '/profile',
      ]);
      expect(found, found.join('\n')).to.deep.equal([]);
      await page.context().close();
    });

    it(`an auditor's pages (${locale})`, async () => {
      const page = await signInAs(browser, lrs.url, /^(Auditor|감사인|稽核人員)$/, 1200, { locale });
      const found = await check(page, [
        '/audit',
        '/audit/snapshots',
        '/dashboard',
        '/officials',
        '/cohort',
        '/programmes',
        '/duties',
        '/profile',
      ]);
      expect(found, found.join('\n')).to.deep.equal([]);
      await page.context().close();
    });
  }
});
