import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { type Browser, chromium, type Page } from 'playwright-core';

/** The Debian package scripts/setup.sh installs; playwright cannot download browsers here. */
export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = join(process.cwd(), 'test-artifacts', 'portal');

export const chromiumMissing = () => !existsSync(CHROMIUM);

export async function launchChromium(): Promise<Browser> {
  mkdirSync(ARTIFACTS, { recursive: true });
  // Playwright itself launches with a fresh temporary --user-data-dir (it refuses the flag here).
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** A fresh browser context signed in through the development sign-in as the user whose button matches. */
export async function signInAs(
  browser: Browser,
  baseUrl: string,
  label: RegExp,
  width = 1200,
  options: { locale?: string; timezoneId?: string } = {},
): Promise<Page> {
  const context = await browser.newContext({
    viewport: { width, height: 900 },
    acceptDownloads: true,
    ...(options.locale ? { locale: options.locale } : {}),
    ...(options.timezoneId ? { timezoneId: options.timezoneId } : {}),
  });
  const page = await context.newPage();
  await page.goto(`${baseUrl}/dev/signin`);
  expect(await page.locator('.warning').count()).to.equal(1);
  await page.getByRole('button', { name: label }).first().click();
  await page.waitForLoadState('load');
  return page;
}
