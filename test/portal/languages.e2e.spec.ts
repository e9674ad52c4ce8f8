import { join } from 'node:path';
import { seedDemoCity } from '@lrs/server/demo';
import { TestLrs } from '@lrs/server/testing';
import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { ARTIFACTS, CHROMIUM, chromiumMissing, launchChromium, signInAs } from './support/browser';

describe('portal languages in a real browser (headless Chromium)', function () {
  this.timeout(120_000);
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
      officials: 60,
      districts: 1,
      officesPerDistrict: 2,
      pauseMs: 0,
    });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await lrs?.stop();
  });

  it('Accept-Language q-values choose the language, and a chosen language sticks', async () => {
    const context = await browser.newContext({
      extraHTTPHeaders: { 'accept-language': 'en;q=0.1,ko;q=0.9' },
    });
    const page = await context.newPage();
    await page.goto(`${lrs.url}/verify`);
    expect(await page.locator('html').getAttribute('lang')).to.equal('ko');
    expect(await page.locator('h1').textContent()).to.equal('이수증 확인');
    // Arrow keys on the selector do not switch the language; the Apply button does.
    await page.locator('#lang').focus();
    await page.keyboard.press('ArrowDown');
    expect(await page.locator('html').getAttribute('lang')).to.equal('ko');
    await page.locator('#lang').selectOption('zh-Hant');
    await page.getByRole('button', { name: '적용' }).click();
    await page.waitForURL(/\/verify$/);
    expect(await page.locator('html').getAttribute('lang')).to.equal('zh-Hant');
    await page.goto(`${lrs.url}/signin`);
    expect(await page.locator('html').getAttribute('lang')).to.equal('zh-Hant');
    await context.close();
  });

  it('Korean, Traditional and Simplified Chinese pages each get their own font first', async () => {
    const fonts: Record<string, string> = {};
    for (const lang of ['ko', 'zh-Hant', 'zh-Hans']) {
      const context = await browser.newContext({ extraHTTPHeaders: { 'accept-language': lang } });
      const page = await context.newPage();
      await page.goto(`${lrs.url}/verify`);
      fonts[lang] = await page.evaluate<string>("getComputedStyle(document.querySelector('h1')).fontFamily");
      await context.close();
    }
    expect(fonts.ko).to.match(/^"Noto Sans CJK KR"/);
    expect(fonts['zh-Hant']).to.match(/^"Noto Sans CJK TC"/);
    expect(fonts['zh-Hans']).to.match(/^"Noto Sans CJK SC"/);
  });

  it('an official reads My training in Korean and Chinese at phone width, with times in their zone', async () => {
    for (const lang of ['ko', 'zh-Hant', 'zh-Hans', 'vi']) {
      const page = await signInAs(browser, lrs.url, /E00001/, 390, {
        locale: lang,
        timezoneId: 'Asia/Taipei',
      });
      await page.waitForURL(/\/officials\/E00001$/);
      // The first page sets the browser's zone; the next one shows times in it, the zone named.
      await page.reload();
      expect(await page.locator('html').getAttribute('lang')).to.equal(lang);
      expect(await page.locator('footer.zone').textContent()).to.contain('Asia/Taipei');
      // Titles the data has only in other languages fall back to English, marked with their lang.
      expect(await page.locator('main [lang^="en"]').count()).to.be.greaterThan(lang === 'ko' ? -1 : 0);
      const text = await page.evaluate<string>(
        "(() => { const m = document.querySelector('main').cloneNode(true); m.querySelectorAll('[lang]').forEach((e) => e.remove()); return m.textContent; })()",
      );
      for (const english of ['Completed', 'Face-to-face', 'Basic', 'Social welfare', 'hours'])
        expect(text, `${lang}: ${english}`).to.not.contain(english);
      await page.screenshot({ path: join(ARTIFACTS, `my-training-${lang}-phone.png`), fullPage: true });
      await page.context().close();
    }
  });

  it('a policy unit reads the dashboard and the officials list in Korean and Chinese at phone width', async () => {
    for (const lang of ['ko', 'zh-Hant', 'zh-Hans']) {
      const page = await signInAs(browser, lrs.url, /demo-city/, 390, { locale: lang });
      await page.goto(`${lrs.url}/dashboard`);
      expect(await page.locator('html').getAttribute('lang')).to.equal(lang);
      await page.screenshot({ path: join(ARTIFACTS, `dashboard-${lang}-phone.png`), fullPage: true });
      await page.goto(`${lrs.url}/officials?status=in_progress`);
      await page.screenshot({ path: join(ARTIFACTS, `officials-${lang}-phone.png`) });
      await page.context().close();
    }
  });

  it('an unknown address gets an HTML page in the reader’s language', async () => {
    const res = await fetch(`${lrs.url}/no/such/page`, {
      headers: { accept: 'text/html', 'accept-language': 'vi' },
    });
    expect(res.status).to.equal(404);
    expect(res.headers.get('content-type')).to.match(/text\/html/);
    const text = await res.text();
    expect(text).to.contain('<html lang="vi">');
    expect(text).to.contain('Không tìm thấy trang');
  });
});
