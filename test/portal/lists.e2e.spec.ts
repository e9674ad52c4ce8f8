import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { seedDemoCity } from '@lrs/server/demo';
import { TestLrs } from '@lrs/server/testing';
import { ReferenceStore } from '@lrs/training';
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { ARTIFACTS, CHROMIUM, chromiumMissing, launchChromium, signInAs } from './support/browser';

const EVIL = '=HYPERLINK("http://evil.example/?x","open")';

describe('portal lists of officials and exports (headless Chromium)', function () {
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
      officials: 300,
      districts: 2,
      officesPerDistrict: 2,
      pauseMs: 0,
    });
    // An org unit whose name a spreadsheet would run as a formula.
    await new ReferenceStore(lrs.system.log).importRecords(
      'org-units',
      [{ orgUnitId: 'd1-o1', name: EVIL, parent: 'd1' }],
      'test',
    );
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await lrs?.stop();
  });

  const download = async (page: Page, selector: string): Promise<string> => {
    const event = page.waitForEvent('download');
    await page.locator(selector).click();
    return readFileSync((await (await event).path())!, 'utf8');
  };

  it('lists every official with name, unit, staff group, hours, status and due date, paged with a total', async () => {
    const page = await signInAs(browser, lrs.url, /Policy unit — demo-city/);
    await page.goto(`${lrs.url}/dashboard`);
    await page.locator('#all-officials').click();
    await page.waitForURL(/\/officials\?/);
    expect(await page.locator('[data-total]').getAttribute('data-total')).to.equal('300');
    expect(await page.locator('table.officials tbody tr').count()).to.equal(50);
    const headers = await page.locator('table.officials thead th').allTextContents();
    for (const h of ['Name', 'Official ID', 'Org unit', 'Staff group', 'Earned hours', 'Status', 'Due'])
      expect(headers.join('|')).to.contain(h);
    expect(await page.locator('table.officials caption').textContent()).to.equal('Officials, page 1 of 6');
    await page.getByRole('link', { name: 'Next page' }).click();
    expect(await page.locator('table.officials caption').textContent()).to.equal('Officials, page 2 of 6');
    expect(await page.locator('table.officials tbody tr').count()).to.equal(50);
    await page.screenshot({ path: join(ARTIFACTS, 'officials-list.png'), fullPage: true });
  });

  it('searches by name or id and filters by status, staff group and org unit; the export is the whole list', async () => {
    const page = await signInAs(browser, lrs.url, /Policy unit — demo-city/);
    await page.goto(`${lrs.url}/officials`);
    await page.locator('#q').fill('E00007');
    await page.getByRole('button', { name: 'Filter' }).click();
    expect(await page.locator('[data-total]').getAttribute('data-total')).to.equal('1');
    expect(await page.locator('table.officials tbody tr').getAttribute('data-official')).to.equal('E00007');
    const found = (await page.locator('table.officials tbody tr td a').first().textContent())!;
    // By (part of) the name: every hit has it.
    await page.locator('#q').fill(found.split(' ')[1]!);
    await page.getByRole('button', { name: 'Filter' }).click();
    const hits = await page.locator('table.officials tbody tr td:first-child a').allTextContents();
    expect(hits.length).to.be.greaterThan(0);
    for (const h of hits) expect(h).to.contain(found.split(' ')[1]);

    await page.goto(`${lrs.url}/officials?staffGroup=nursing&status=completed&unit=d2`);
    const total = Number(await page.locator('[data-total]').getAttribute('data-total'));
    expect(total).to.be.greaterThan(0);
    for (const row of await page.locator('table.officials tbody tr').all()) {
      expect(await row.locator('[data-status]').getAttribute('data-status')).to.equal('completed');
      expect(await row.locator('td').nth(3).textContent()).to.equal('Nursing');
      expect(await row.locator('td').nth(2).textContent()).to.match(/^District 2 office/);
    }
    const csv = await download(page, '#export-officials');
    const lines = csv.split('\r\n').filter((l) => l !== '');
    expect(lines.length - 2).to.equal(total);

    await page.goto(`${lrs.url}/officials`);
    const all = await download(page, '#export-officials');
    expect(all.split('\r\n').filter((l) => l !== '').length - 2).to.equal(300);
  });

  it('exports open in Excel: BOM, headers in the reader’s language, an as-of line, formulas neutralised', async () => {
    const page = await signInAs(browser, lrs.url, /— demo-city/, 1200, { locale: 'ko-KR' });
    await page.goto(`${lrs.url}/officials?unit=d1-o1`);
    expect(await page.locator('table.officials tbody tr td').nth(2).textContent()).to.equal(EVIL);
    const csv = await download(page, '#export-officials');
    expect(csv.charCodeAt(0)).to.equal(0xfeff);
    const [asOf, header, first] = csv.slice(1).split('\r\n');
    expect(asOf).to.match(/기준 자료/);
    expect(header).to.match(/^성명,공무원 번호,조직,직렬,/);
    expect(first).to.contain(`"'=HYPERLINK(""http://evil.example/?x"",""open"")"`);
    expect(csv).to.not.match(/(^|,)=HYPERLINK/m);

    await page.goto(`${lrs.url}/dashboard?orgUnit=d1-o1`);
    const dashboard = await download(page, '#export-csv');
    expect(dashboard.charCodeAt(0)).to.equal(0xfeff);
    expect(dashboard.split('\r\n')[1]).to.match(/^공무원 번호,성명,대상 인원/);
  });

  it('the cohort page of a city-wide policy is paged 50 a page with the total; its export is every trainee, formulas neutralised', async () => {
    const page = await signInAs(browser, lrs.url, /Policy unit — demo-city/);
    await page.goto(`${lrs.url}/cohort`);
    const total = Number(await page.locator('[data-total]').getAttribute('data-total'));
    expect(total).to.be.greaterThan(50);
    const pages = Math.ceil(total / 50);
    expect(await page.locator('table.cohort tbody tr').count()).to.equal(50);
    expect(await page.locator('table.cohort caption').textContent()).to.match(
      new RegExp(`\\(page 1 of ${pages}\\)$`),
    );
    await page.getByRole('link', { name: 'Next page' }).click();
    expect(await page.locator('table.cohort caption').textContent()).to.match(
      new RegExp(`\\(page 2 of ${pages}\\)$`),
    );
    const csv = await download(page, '#export-cohort');
    const lines = csv.slice(1).trimEnd().split('\r\n');
    expect(lines.length - 2).to.equal(total);
    expect(csv).to.contain(`"'=HYPERLINK(""http://evil.example/?x"",""open"")"`);
    expect(csv).to.not.match(/(^|,)=HYPERLINK/m);
  });
});
