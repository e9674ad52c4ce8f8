import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { seedDemoCity } from '@lrs/server/demo';
import { TestLrs } from '@lrs/server/testing';
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { ARTIFACTS, CHROMIUM, chromiumMissing, launchChromium, signInAs as signIn } from './support/browser';

describe('portal in a real browser (headless Chromium)', function () {
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
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await lrs?.stop();
  });

  const signInAs = (label: RegExp, width = 1200): Promise<Page> => signIn(browser, lrs.url, label, width);

  it('an official downloads her own data: everything held about her as JSON, and her transcript as a CSV file', async () => {
    const page = await signInAs(/\(E00001\)/, 390);
    await page.waitForURL(/\/officials\/E00001$/);
    expect(await page.getByRole('heading', { name: 'Your data' }).count()).to.equal(1);
    const json = page.waitForEvent('download');
    await page.getByRole('link', { name: 'Download my data (JSON)' }).click();
    const exported = JSON.parse(readFileSync((await (await json).path())!, 'utf8'));
    expect(exported.subject.officialId).to.equal('E00001');
    // Her registry record lives under her pseudonym's stream, never her id (decision 077).
    expect(exported.records.registry[0].source.stream).to.match(/^training-official-p-[0-9a-f-]{36}$/);
    expect(exported.records.transcript.length).to.equal(6);
    const csv = page.waitForEvent('download');
    await page.getByRole('link', { name: 'Transcript entries' }).click();
    const download = await csv;
    expect(download.suggestedFilename()).to.equal('personal-data-E00001-transcript.csv');
    const lines = readFileSync((await download.path())!, 'utf8')
      .trim()
      .split('\r\n');
    expect(lines[0]).to.match(/^\uFEFF?transcript held about E00001; exported /);
    expect(lines.length - 2).to.equal(6);
  });

  it('an official sees progress and transcript, prints the certificate and verifies it publicly', async () => {
    const page = await signInAs(/\(E00001\)/, 390);
    await page.waitForURL(/\/officials\/E00001$/);
    // E00001 took every course: basic 3.5 h of 3, job 7.5 h of 5 (nominal hours, 0.25 rounding).
    expect(await page.locator('[data-requirement="basic-3h"] .figure').textContent()).to.equal(
      '3.5 / 3 hours',
    );
    expect(await page.locator('[data-requirement="job-5h"] .figure').textContent()).to.equal('7.5 / 5 hours');
    expect(await page.locator('.badge[data-status]').first().getAttribute('data-status')).to.equal(
      'completed',
    );
    expect(await page.locator('table.transcript tbody tr').count()).to.equal(6);
    expect(await page.locator('table.transcript').textContent()).to.contain('Case management');
    await page.screenshot({ path: join(ARTIFACTS, 'my-training-phone.png'), fullPage: true });
    await page.getByRole('link', { name: 'Printable certificate' }).click();
    const code = (await page.locator('#code').textContent())!.trim();
    // Twelve characters a person can type, grouped by four, no I, L, O or U.
    expect(code).to.match(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
    expect(await page.locator('.certificate .issuer').textContent()).to.equal('Demo City');
    expect(await page.locator('.certificate .qr svg path').count()).to.be.greaterThan(0);
    // The printed address (LRS_BASE_URL, here the test's default) with the code.
    expect(await page.locator('.verify-url').textContent()).to.match(new RegExp(`/verify\\?code=${code}$`));
    await page.emulateMedia({ media: 'print' });
    await page.screenshot({ path: join(ARTIFACTS, 'certificate.png') });
    await page.pdf?.({ path: join(ARTIFACTS, 'certificate.pdf') }).catch(() => undefined);
    await page.emulateMedia({ media: 'screen' });
    // The public page needs no session.
    const anonymous = await (await browser.newContext()).newPage();
    await anonymous.goto(`${lrs.url}/verify?code=${encodeURIComponent(code)}`);
    expect(await anonymous.locator('[data-result]').getAttribute('data-result')).to.equal('valid');
    await anonymous.screenshot({ path: join(ARTIFACTS, 'verify.png') });
    // Typed by hand: lower case, spaces instead of hyphens, O for 0 and l for 1 still verify.
    await anonymous.goto(`${lrs.url}/verify`);
    const typed = code.toLowerCase().replaceAll('-', ' ').replaceAll('0', 'o').replaceAll('1', 'l');
    await anonymous.locator('#code').fill(typed);
    await anonymous.getByRole('button', { name: 'Verify' }).click();
    expect(await anonymous.locator('[data-result]').getAttribute('data-result')).to.equal('valid');
    // A forged code (one character of the MAC changed) is refused.
    const forged = code.slice(0, -1) + (code.endsWith('A') ? 'B' : 'A');
    await anonymous.goto(`${lrs.url}/verify?code=${encodeURIComponent(forged)}`);
    expect(await anonymous.locator('[data-result]').getAttribute('data-result')).to.equal('invalid');
  });

  it("an official who opens another official's page gets forbidden", async () => {
    const page = await signInAs(/\(E00002\)/);
    const response = await page.goto(`${lrs.url}/officials/E00001`);
    expect(response?.status()).to.equal(403);
    expect(await page.locator('h1').textContent()).to.equal('Forbidden');
    await page.screenshot({ path: join(ARTIFACTS, 'forbidden.png') });
  });

  it('a policy unit drills down from the city to an official and exports CSV', async () => {
    const page = await signInAs(/Policy unit — demo-city/);
    await page.goto(`${lrs.url}/dashboard`);
    expect(await page.locator('.population').textContent()).to.equal('300');
    // Charts: SVG for the eye, a data table for screen readers; the rate scale runs 0–100%.
    expect(await page.locator('figure.chart-figure').count()).to.equal(3);
    expect(await page.locator('figure.chart-figure svg[aria-hidden="true"]').count()).to.equal(3);
    expect(await page.locator('#chart-units-title + svg text.tick').allTextContents()).to.deep.equal([
      '0%',
      '25%',
      '50%',
      '75%',
      '100%',
    ]);
    const hourRows = await page
      .locator('figure.chart-figure')
      .nth(1)
      .locator('tbody tr td')
      .allTextContents();
    expect(hourRows.map(Number).reduce((a, b) => a + b, 0)).to.equal(300);
    // Completion over the period week by week (issue 22): 0–100%, every week of the period in the
    // table, the count only growing, ending at the officials completed.
    expect(await page.locator('#chart-weeks-title').textContent()).to.equal(
      'Completion over the period, week by week (0–100%)',
    );
    expect(
      await page.locator('#chart-weeks-title + svg text.tick:not(.week)').allTextContents(),
    ).to.deep.equal(['0%', '25%', '50%', '75%', '100%']);
    const weekRows = page.locator('#chart-weeks-title ~ details tbody tr');
    expect(await weekRows.count()).to.be.within(52, 54);
    expect(await weekRows.first().locator('th').textContent()).to.match(/^\d{4}-W\d{2} \(/);
    const soFar = (await weekRows.locator('td:nth-child(3)').allTextContents()).map((t) =>
      Number(t.replaceAll(',', '')),
    );
    expect(soFar).to.deep.equal([...soFar].sort((a, b) => a - b));
    const completedNow = await page.locator('dl.summary dt:text-is("Completed") + dd').textContent();
    expect(soFar.at(-1)).to.equal(Number(completedNow!.replaceAll(',', '')));
    expect(soFar.at(-1)).to.be.greaterThan(0);
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard.png'), fullPage: true });
    await page.getByRole('link', { name: 'Demo City', exact: true }).click();
    await page.getByRole('link', { name: 'District 1', exact: true }).click();
    await page.getByRole('link', { name: 'District 1 office 1', exact: true }).click();
    const rows = page.locator('table.dashboard tbody tr');
    expect(await rows.count()).to.be.greaterThan(0);
    expect(await page.locator('#unit-officials').getAttribute('href')).to.contain('unit=d1-o1');
    const download = page.waitForEvent('download');
    await page.locator('#export-csv').click();
    const csv = readFileSync((await (await download).path())!, 'utf8');
    const lines = csv.trim().split('\r\n');
    expect(lines[1]).to.match(/^Official ID,Name,Officials/);
    expect(lines.length - 2).to.equal(await rows.count());
    await rows.first().locator('a').first().click();
    await page.waitForURL(/\/officials\/E\d{5}$/);
    expect(await page.locator('h1').textContent()).to.match(/My training/);
  });

  it('pages carry a CSP without inline script and the sign-in refuses off-site next targets', async () => {
    const res = await fetch(`${lrs.url}/signin?next=//evil.example/x`);
    expect(res.headers.get('content-security-policy')).to.match(/script-src 'self'/);
    const text = await res.text();
    expect(text).to.not.contain('evil.example');
    expect(text).to.not.match(/<script>(?!<\/script>)/);
  });
});
