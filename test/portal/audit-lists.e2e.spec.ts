// The list of report snapshots, the report a finished replay reproduces, snapshots' rows and the
// profile's time zone, in a real browser for every role that may see them, with axe-core.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEMO_POLICY, demoPeriod, seedDemoCity } from '@lrs/server/demo';
import { ADMIN, basic, TestLrs } from '@lrs/server/testing';
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { axeViolations } from './support/axe';
import { ARTIFACTS, CHROMIUM, chromiumMissing, launchChromium, signInAs } from './support/browser';

const TITLE = 'Annual welfare education of officials';

describe('report snapshots, reproduced reports and the profile in a real browser (headless Chromium)', function () {
  this.timeout(180_000);
  let lrs: TestLrs;
  let browser: Browser;
  let auditor: Page;
  let unit: Page;
  // The period the portal takes now (the policy's calendar year in Seoul).
  const period = demoPeriod();

  before(async function () {
    if (chromiumMissing()) {
      console.warn(`    SKIPPED: ${CHROMIUM} is missing (scripts/setup.sh installs it as root)`);
      this.skip();
    }
    lrs = await TestLrs.start({ LRS_DEV_SIGNIN: 'true', LRS_JWT_HS256_SECRET: 'x'.repeat(40) });
    await seedDemoCity(lrs.system.log, {
      keys: lrs.system.keys,
      officials: 30,
      districts: 1,
      officesPerDistrict: 2,
      pauseMs: 0,
    });
    await lrs.caughtUp();
    browser = await launchChromium();
    auditor = await signInAs(browser, lrs.url, /^Auditor$/);
    unit = await signInAs(browser, lrs.url, /Policy unit — demo-city/);
  });
  after(async () => {
    await browser?.close();
    await lrs?.stop();
  });

  const download = async (page: Page, selector: string): Promise<string> => {
    const event = page.waitForEvent('download');
    await page.locator(selector).first().click();
    return readFileSync((await (await event).path())!, 'utf8');
  };
  const snapshotApi = async (body: Record<string, unknown>) => {
    const res = await fetch(`${lrs.url}/api/reports/snapshots`, {
      method: 'POST',
      headers: { authorization: basic(ADMIN), 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status, await res.clone().text()).to.equal(201);
    return ((await res.json()) as { snapshotId: string }).snapshotId;
  };

  /** Replays now and waits, on the page, until the replay has completed and its report shows. */
  async function replayNow(page: Page): Promise<void> {
    await page.goto(`${lrs.url}/audit`);
    await page
      .getByLabel(/^Cut-off/)
      .first()
      .fill(new Date().toISOString());
    await page.getByRole('button', { name: 'Replay' }).click();
    await page.waitForURL(/\/audit\/replays\/[0-9a-f-]{36}$/);
    await page.locator('.replay-state[data-state="completed"]').waitFor({ timeout: 60_000 });
    await page.locator('section[aria-labelledby="reproduced"]').waitFor();
  }

  it('a finished replay shows the report it reproduced: officials by name, units, hours, status, due date, totals, and its CSV', async () => {
    await replayNow(auditor);
    const section = auditor.locator('section[aria-labelledby="reproduced"]');
    expect(await section.locator('.report-population').textContent()).to.equal('30');
    const totals = await section.locator('table.report-totals tbody td.num').allTextContents();
    expect(totals.map(Number).reduce((a, b) => a + b, 0)).to.equal(30);
    const rows = section.locator('table.officials tbody tr');
    expect(await rows.count()).to.equal(30);
    const headers = await section.locator('table.officials thead th').allTextContents();
    expect(headers[0]).to.match(/^Name/);
    expect(headers.join('|')).to.contain('Org unit').and.contain('Status').and.contain('Due');
    // People first: the name, the id beside it, the unit by its name.
    const first = rows.first();
    const id = (await first.getAttribute('data-official'))!;
    expect(await first.locator('td').first().textContent()).to.not.equal(id);
    expect(await first.locator('td').nth(2).textContent()).to.match(/^District 1 office \d$/);
    await auditor.screenshot({ path: join(ARTIFACTS, 'audit-replay-report.png'), fullPage: true });
    expect(await axeViolations(auditor)).to.deep.equal([]);

    const csv = await download(auditor, '#export-officials');
    expect(csv.charCodeAt(0)).to.equal(0xfeff);
    const [asOf, header, ...lines] = csv
      .slice(1)
      .split('\r\n')
      .filter((l) => l !== '');
    const cutOff = (await auditor.locator('dl.facts time').first().getAttribute('datetime'))!;
    expect(asOf).to.match(new RegExp(`^"?Data as of .+; policy ${DEMO_POLICY}, period ${period}`));
    expect(asOf).to.contain(new Date(cutOff).getUTCFullYear().toString());
    expect(header!.split(',')[0]).to.equal('Name');
    expect(lines.length).to.equal(30);
    // Exactly what the page shows for that official: the same earned hours and status.
    const line = lines.find((l) => l.includes(`,${id},`))!;
    const shownHours = await first.locator('td[data-label="Earned hours"]').textContent();
    const shownStatus = await first.locator('td[data-label="Status"]').textContent();
    expect(line).to.contain(`,${shownHours},${shownStatus},`);

    // A policy the replay cannot report on is said in place; the manifest stays on the page.
    const response = await auditor.goto(`${auditor.url().split('?')[0]}?policy=no-such-policy`);
    expect(response?.status()).to.equal(200);
    expect(
      await auditor.locator('section[aria-labelledby="reproduced"] [role=alert]').getAttribute('data-rule'),
    ).to.equal('audit.policy.unknown');
    expect(await auditor.locator('table.fingerprints tbody tr').count()).to.equal(2);
    expect(await axeViolations(auditor)).to.deep.equal([]);
  });

  it('lists snapshots newest first with policy title, period, cut-off in the reader’s zone, taker and short fingerprint; filters; views, verifies and downloads', async () => {
    // Two taken on the list page's own "Snapshot now", two through the API (one office, one programme statistics).
    await auditor.goto(`${lrs.url}/audit/snapshots`);
    await auditor.locator('#snapshot-now').click();
    await auditor.waitForURL(/\/audit\/snapshots\/[0-9a-f-]{36}$/);
    const byPage = (await auditor.locator('#snapshot-id').textContent())!;
    const office = await snapshotApi({
      policy: DEMO_POLICY,
      period,
      orgUnit: 'd1-o1',
      asOf: new Date().toISOString(),
    });
    const stats = await snapshotApi({
      kind: 'programme-statistics',
      policy: DEMO_POLICY,
      period,
      asOf: new Date().toISOString(),
    });

    await auditor.goto(`${lrs.url}/audit/snapshots`);
    expect(await auditor.locator('[data-total]').getAttribute('data-total')).to.equal('3');
    expect(await auditor.locator('.result-count').textContent()).to.match(/Times in \S+/);
    const ids = await auditor
      .locator('table.snapshots tbody tr')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-snapshot')));
    expect(ids).to.deep.equal([stats, office, byPage]);
    const row = auditor.locator(`tr[data-snapshot="${byPage}"]`);
    expect(await row.locator('td[data-label="Policy"]').textContent()).to.equal(TITLE);
    expect(await row.locator('td[data-label="Period"]').textContent()).to.equal(period);
    expect(await row.locator('td[data-label="Org unit"]').textContent()).to.equal('All org units');
    expect(await row.locator('td[data-label="Taken by"]').textContent()).to.equal('Auditor');
    expect(await row.locator('td[data-label="Fingerprint"]').textContent()).to.match(/^[0-9a-f]{12}$/);
    // The cut-off in the reader's zone, the zone named.
    expect(await row.locator('td[data-label="Cut-off"]').textContent()).to.match(/(UTC|GMT[+-]?\d*)$/);
    expect(
      await auditor.locator(`tr[data-snapshot="${office}"] td[data-label="Org unit"]`).textContent(),
    ).to.equal('District 1 office 1');
    await auditor.screenshot({ path: join(ARTIFACTS, 'audit-snapshot-list.png'), fullPage: true });
    expect(await axeViolations(auditor)).to.deep.equal([]);

    await auditor.locator('#f-kind').selectOption('programme-statistics');
    await auditor.getByRole('button', { name: 'Filter' }).click();
    await auditor.waitForURL(/kind=programme-statistics/);
    expect(
      await auditor
        .locator('table.snapshots tbody tr')
        .evaluateAll((r) => r.map((x) => x.getAttribute('data-snapshot'))),
    ).to.deep.equal([stats]);
    await auditor.goto(`${lrs.url}/audit/snapshots?orgUnit=d1-o1`);
    expect(await auditor.locator('[data-total]').getAttribute('data-total')).to.equal('1');
    const bad = await auditor.goto(`${lrs.url}/audit/snapshots?kind=everything`);
    expect(bad?.status()).to.equal(400);
    expect(await auditor.locator('[data-rule]').getAttribute('data-rule')).to.equal('audit.snapshot.kind');

    // Download from the list: the snapshot's rows as CSV, its cut-off named.
    await auditor.goto(`${lrs.url}/audit/snapshots`);
    const csv = await download(auditor, `tr[data-snapshot="${byPage}"] a[download]`);
    expect(csv.charCodeAt(0)).to.equal(0xfeff);
    const [asOf, , ...lines] = csv
      .slice(1)
      .split('\r\n')
      .filter((l) => l !== '');
    expect(asOf).to.match(/Data as of /);
    expect(lines.length).to.equal(30);

    // View: the snapshot's own rows and totals.
    await auditor.locator(`tr[data-snapshot="${byPage}"]`).getByRole('link', { name: 'View' }).click();
    await auditor.waitForURL(new RegExp(`/audit/snapshots/${byPage}$`));
    expect(
      await auditor.locator('section[aria-labelledby="snapshot-rows"] table.officials tbody tr').count(),
    ).to.equal(30);
    const totals = await auditor.locator('table.report-totals tbody td.num').allTextContents();
    expect(totals.map(Number).reduce((a, b) => a + b, 0)).to.equal(30);
    expect(await axeViolations(auditor)).to.deep.equal([]);
    // Verify from the list.
    await auditor.goto(`${lrs.url}/audit/snapshots`);
    await auditor.locator(`tr[data-snapshot="${byPage}"]`).getByRole('link', { name: 'Verify' }).click();
    await auditor.waitForURL(/\/audit\/snapshot\?id=/);
    expect(await auditor.locator('[data-result]').getAttribute('data-result')).to.equal('matches');
    // A programme-statistics snapshot's page, and its download as JSON.
    await auditor.goto(`${lrs.url}/audit/snapshots/${stats}`);
    expect(await axeViolations(auditor)).to.deep.equal([]);
  });

  it("a policy unit lists only its jurisdiction's snapshots and sees its replay's report; an official is refused", async () => {
    await unit.goto(`${lrs.url}/audit/snapshots`);
    expect(await unit.locator('[data-total]').getAttribute('data-total')).to.equal('0');
    await unit.locator('#snapshot-now').click();
    await unit.waitForURL(/\/audit\/snapshots\/[0-9a-f-]{36}$/);
    const own = (await unit.locator('#snapshot-id').textContent())!;
    await unit.goto(`${lrs.url}/audit/snapshots`);
    expect(
      await unit
        .locator('table.snapshots tbody tr')
        .evaluateAll((r) => r.map((x) => x.getAttribute('data-snapshot'))),
    ).to.deep.equal([own]);
    expect(await unit.locator(`tr[data-snapshot="${own}"] td[data-label="Taken by"]`).textContent()).to.equal(
      'Policy unit demo-city',
    );
    expect(await axeViolations(unit)).to.deep.equal([]);
    await unit.goto(`${lrs.url}/audit/snapshots/${own}`);
    expect(await axeViolations(unit)).to.deep.equal([]);
    await replayNow(unit);
    expect(await unit.locator('.report-population').textContent()).to.equal('30');
    expect(await axeViolations(unit)).to.deep.equal([]);

    const official = await signInAs(browser, lrs.url, /\(E00002\)/);
    const response = await official.goto(`${lrs.url}/audit/snapshots`);
    expect(response?.status()).to.equal(403);
    expect(await official.locator('h1').textContent()).to.equal('Forbidden');
    await official.context().close();
  });

  it('the profile keeps a time zone and a language per user, on every device; the audit pages use that zone', async () => {
    const official = await signInAs(browser, lrs.url, /\(E00003\)/, 1000, { timezoneId: 'Asia/Seoul' });
    await official.goto(`${lrs.url}/profile`);
    await official.reload(); // the first page told the server the browser's zone
    expect(await official.locator('#timeZone').inputValue()).to.equal('Asia/Seoul');
    expect(await official.locator('#zones option').count()).to.be.greaterThan(300);
    expect(await axeViolations(official)).to.deep.equal([]);

    // A zone that is none: refused, said so, nothing saved.
    await official.locator('#timeZone').fill('Mars/Olympus');
    const refused = official.waitForResponse(
      (r) => r.url().endsWith('/profile') && r.request().method() === 'POST',
    );
    await official.getByRole('button', { name: 'Save' }).click();
    expect((await refused).status()).to.equal(400);
    expect(await official.locator('[role=alert]').textContent()).to.contain('Mars/Olympus');
    expect(await official.locator('#timeZone').getAttribute('aria-invalid')).to.equal('true');
    expect(await axeViolations(official)).to.deep.equal([]);

    await official.locator('#timeZone').fill('Asia/Ho_Chi_Minh');
    await official.locator('#locale').selectOption('vi');
    await official.locator('button[type="submit"]').last().click();
    await official.waitForURL(/\/profile\?saved=1$/);
    expect(await official.locator('html').getAttribute('lang')).to.equal('vi');
    expect(await official.locator('[role=status]').textContent()).to.equal('Đã lưu cài đặt của bạn.');
    expect(await official.locator('#current-zone').textContent()).to.match(/^Asia\/Ho_Chi_Minh/);
    expect(await axeViolations(official)).to.deep.equal([]);
    await official.context().close();

    // Another device, another browser zone and language: the profile's choice holds.
    const again = await signInAs(browser, lrs.url, /\(E00003\)/, 1000, {
      timezoneId: 'Europe/Paris',
      locale: 'en-GB',
    });
    await again.goto(`${lrs.url}/profile`);
    await again.reload();
    expect(await again.locator('html').getAttribute('lang')).to.equal('vi');
    expect(await again.locator('#timeZone').inputValue()).to.equal('Asia/Ho_Chi_Minh');
    await again.context().close();

    // The policy unit's profile page passes axe too.
    await unit.goto(`${lrs.url}/profile`);
    expect(await axeViolations(unit)).to.deep.equal([]);

    // An auditor's chosen zone is the zone of the cut-offs they choose and of the times shown.
    await auditor.goto(`${lrs.url}/profile`);
    expect(await axeViolations(auditor)).to.deep.equal([]);
    await auditor.locator('#timeZone').fill('America/New_York');
    await auditor.getByRole('button', { name: 'Save' }).click();
    await auditor.waitForURL(/saved=1/);
    await auditor.goto(`${lrs.url}/audit`);
    expect(await auditor.locator('#snap-asOf-zone').textContent()).to.contain('America/New_York');
    await auditor.goto(`${lrs.url}/audit/snapshots`);
    expect(await auditor.locator('.result-count').textContent()).to.contain('America/New_York');
    expect(await auditor.locator('table.snapshots td[data-label="Cut-off"]').first().textContent()).to.match(
      /(EST|EDT|GMT-[45])$/,
    );
  });
});
