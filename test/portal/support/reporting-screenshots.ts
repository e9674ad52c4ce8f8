/**
 * Screenshots of the reporting pages over the examples, in Korean and Chinese at phone width:
 *   node --import tsx test/portal/support/reporting-screenshots.ts OUT_DIR
 * (a TestLrs on 127.0.0.1 with the development sign-in, loaded with examples/cohort, department, commune).
 */
import { join } from 'node:path';
import { TestLrs } from '@lrs/server/testing';
import { loadExample } from '../../examples/load-example';
import { launchChromium, signInAs } from './browser';

const out = process.argv[2] ?? join(process.cwd(), 'docs', 'screenshots');
const lrs = await TestLrs.start({ LRS_DEV_SIGNIN: 'true', LRS_JWT_HS256_SECRET: 'x'.repeat(40) });
const browser = await launchChromium();
try {
  for (const example of ['cohort', 'department', 'commune']) await loadExample(lrs, example);
  await lrs.caughtUp();
  const shots: [string, string, string, string][] = [
    ['ko', 'province', '/cohort', 'cohort-ko-phone.png'],
    ['zh-Hans', 'province', '/cohort', 'cohort-zh-Hans-phone.png'],
    ['zh-Hant', 'department', '/programmes', 'programmes-zh-Hant-phone.png'],
    ['ko', 'department', '/programmes', 'programmes-ko-phone.png'],
    ['vi', 'dong-thap', '/duties', 'duties-vi-phone.png'],
    ['zh-Hans', 'dong-thap', '/duties', 'duties-zh-Hans-phone.png'],
    ['zh-Hant', 'department', '/profile', 'profile-zh-Hant-phone.png'],
  ];
  for (const [locale, jurisdiction, path, file] of shots) {
    const page = await signInAs(browser, lrs.url, new RegExp(`^Policy unit — ${jurisdiction}$`), 390);
    await page.context().addCookies([{ name: 'portal_lang', value: locale, url: lrs.url }]);
    await page.goto(`${lrs.url}${path}`);
    await page.screenshot({ path: join(out, file), fullPage: true });
    await page.context().close();
  }
} finally {
  await browser.close();
  await lrs.stop();
}
