import { join } from 'node:path';
import { DEMO_HOME, DEMO_POLICY, demoPeriod, seedDemoCity } from '@lrs/server/demo';
import { ADMIN, basic, TestLrs } from '@lrs/server/testing';
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { axeViolations } from './support/axe';
import { ARTIFACTS, CHROMIUM, chromiumMissing, launchChromium, signInAs } from './support/browser';

const CASEWORK = 'https://lms.demo-city.example/courses/casework';
const DAY = 86_400_000;

describe('audit pages in a real browser (headless Chromium)', function () {
  this.timeout(120_000);
  let lrs: TestLrs;
  let browser: Browser;
  let auditor: Page;
  /** Between the city's load and the two late changes: the earlier cut-off of every comparison. */
  let earlier: string;
  let lateAttendee: string;
  let voidedOfficial: string;
  /** When the demo city's year was loaded, before its own late rosters and corrections. */
  let demoReportCutOff: string;

  const api = async (path: string, body: unknown) => {
    const res = await fetch(`${lrs.url}${path}`, {
      method: 'POST',
      headers: {
        authorization: basic(ADMIN),
        'content-type': 'application/json',
        'x-experience-api-version': '1.0.3',
      },
      body: JSON.stringify(body),
    });
    expect(res.status, await res.clone().text()).to.be.oneOf([200, 204]);
    return res;
  };

  before(async function () {
    if (chromiumMissing()) {
      console.warn(`    SKIPPED: ${CHROMIUM} is missing (scripts/setup.sh installs it as root)`);
      this.skip();
    }
    lrs = await TestLrs.start({ LRS_DEV_SIGNIN: 'true', LRS_JWT_HS256_SECRET: 'x'.repeat(40) });
    const seeded = await seedDemoCity(lrs.system.log, {
      keys: lrs.system.keys,
      officials: 60,
      districts: 1,
      officesPerDistrict: 2,
      pauseMs: 0,
    });
    demoReportCutOff = seeded.reportCutOff;
    await lrs.system.completion.catchUp();
    const reader = lrs.system.completion.reader();
    const ids = Array.from({ length: 60 }, (_, i) => `E${String(i + 1).padStart(5, '0')}`);
    lateAttendee = ids.find(
      (id) => id !== 'E00001' && !reader.facts(id).some((f) => f.activityId === CASEWORK),
    )!;
    const credited = (id: string) => reader.facts(id).find((f) => !f.voided && f.officialId === id);
    voidedOfficial = ids.find((id) => id !== 'E00001' && id !== lateAttendee && credited(id))!;
    const toVoid = credited(voidedOfficial)!.statementId;

    await new Promise((r) => setTimeout(r, 20));
    earlier = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 20));

    // A face-to-face roster imported three weeks after the session it records.
    const end = new Date(Math.max(Date.now() - 21 * DAY, Date.UTC(Number(demoPeriod()), 0, 2)));
    await api('/api/connectors/rosters', {
      session: {
        activityId: CASEWORK,
        title: { 'en-US': 'Case management' },
        start: new Date(end.getTime() - 3 * 3_600_000).toISOString(),
        end: end.toISOString(),
        timeZone: 'Asia/Seoul',
        instructor: 'E00001',
        offeringId: 'CASE-LATE-1',
      },
      attendees: [{ official: lateAttendee, minutes: 180, status: 'attended' }],
    });
    // A record entered for the wrong person, withdrawn by a voiding statement.
    await api('/xapi/statements', {
      actor: { objectType: 'Agent', account: { homePage: DEMO_HOME, name: 'registrar' } },
      verb: { id: 'http://adlnet.gov/expapi/verbs/voided', display: { 'en-US': 'voided' } },
      object: { objectType: 'StatementRef', id: toVoid },
    });
    browser = await launchChromium();
    auditor = await signInAs(browser, lrs.url, /^Auditor$/);
  });
  after(async () => {
    await browser?.close();
    await lrs?.stop();
  });

  it('an auditor replays a cut-off and sees its progress, manifest and fingerprints', async () => {
    await auditor.goto(`${lrs.url}/audit`);
    await auditor
      .getByLabel(/^Cut-off/)
      .first()
      .fill(earlier);
    await auditor.getByRole('button', { name: 'Replay' }).click();
    await auditor.waitForURL(/\/audit\/replays\/[0-9a-f-]{36}$/);
    const progress = auditor.locator('progress#progress');
    expect(Number(await progress.getAttribute('max'))).to.be.greaterThan(0);
    // No page reloads itself: the progress updates in place, and the page loads once when done.
    expect(await auditor.locator('meta[http-equiv="refresh"]').count()).to.equal(0);
    await auditor.locator('.replay-state[data-state="completed"]').waitFor({ timeout: 30_000 });
    expect(await progress.getAttribute('value')).to.equal(await progress.getAttribute('max'));
    expect(await auditor.locator('.progress-text').textContent()).to.match(/^100% · \d+ events read/);
    const fingerprints = auditor.locator('table.fingerprints tbody tr');
    expect(
      await fingerprints.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-projection'))),
    ).to.eql(['transcripts', 'completion']);
    for (const fp of await auditor.locator('code.fingerprint').allTextContents())
      expect(fp).to.match(/^[0-9a-f]{64}$/);
    expect(await auditor.locator('dl.manifest').textContent())
      .to.contain(earlier)
      .and.contain(DEMO_POLICY);
    // The late roster and the void came after the cut-off: the replay's registry still has 60 officials.
    expect(await auditor.locator('dl.manifest').textContent()).to.match(/60 officials/);
    await auditor.screenshot({ path: join(ARTIFACTS, 'audit-replay.png'), fullPage: true });
    expect(await axeViolations(auditor)).to.deep.equal([]);
  });

  it('compares the cut-off with now and explains a late roster and a void', async () => {
    await auditor.getByRole('link', { name: 'Compare with now' }).click();
    // A background job: its page shows progress until the comparison is ready.
    await auditor.waitForURL(/\/audit\/compare\/[0-9a-f-]{36}$/);
    await auditor.locator('li.change').first().waitFor({ timeout: 60_000 });
    const late = auditor.locator(`li.change[data-official="${lateAttendee}"]`);
    // People, not ids: the change names the official, the id beside.
    expect(await late.locator('a').first().textContent()).to.not.equal(lateAttendee);
    expect(await late.locator('small').first().textContent()).to.equal(lateAttendee);
    expect(await late.locator('[data-cause="late-arrival"]').textContent()).to.match(
      /^Late arrival: Case management, learnt .+, recorded .+ after the earlier cut-off \(source roster:/,
    );
    expect(await late.textContent()).to.match(/hours: [\d.]+ → [\d.]+/);
    const voided = auditor.locator(`li.change[data-official="${voidedOfficial}"]`);
    expect(await voided.locator('[data-cause="void"]').textContent()).to.match(
      /^Withdrawn: the record of .+ was voided/,
    );
    expect(await auditor.locator('li.change').count()).to.equal(2);
    await auditor.screenshot({ path: join(ARTIFACTS, 'audit-diff.png'), fullPage: true });
    expect(await axeViolations(auditor)).to.deep.equal([]);
  });

  it('takes a report snapshot at the cut-off and verifies that it reproduces', async () => {
    await auditor.goto(`${lrs.url}/audit`);
    await auditor.locator('#snap-asOf').fill(earlier);
    await auditor.getByRole('button', { name: 'Take snapshot' }).click();
    await auditor.waitForURL(/\/audit\/snapshots\/[0-9a-f-]{36}$/);
    const id = (await auditor.locator('#snapshot-id').textContent())!;
    await auditor.locator('#verify-snapshot').click();
    await auditor.waitForURL(/\/audit\/snapshot\?id=/);
    expect(await auditor.locator('[data-result]').getAttribute('data-result')).to.equal('matches');
    await auditor.screenshot({ path: join(ARTIFACTS, 'audit-snapshot-verify.png'), fullPage: true });
    expect(await axeViolations(auditor)).to.deep.equal([]);
    // The snapshot is a cut-off too: compared with now it shows the same two explained changes.
    await auditor.goto(`${lrs.url}/audit`);
    await auditor.locator('#from').fill(id);
    await auditor.getByRole('button', { name: 'Compare', exact: true }).click();
    await auditor.locator('li.change').first().waitFor({ timeout: 60_000 });
    expect(await auditor.locator('li.change').count()).to.equal(2);
  });

  it("the demo city's own report at its cut-off differs from the later one by its late rosters", async () => {
    const period = demoPeriod();
    const q = new URLSearchParams({ policy: DEMO_POLICY, period, from: demoReportCutOff, to: earlier });
    await auditor.goto(`${lrs.url}/audit/diff?${q.toString()}`);
    await auditor.locator('[data-cause="late-arrival"]').first().waitFor({ timeout: 60_000 });
    const late = await auditor.locator('[data-cause="late-arrival"]').allTextContents();
    expect(late.length).to.be.greaterThan(0);
    for (const text of late) expect(text).to.match(/^Late arrival: Case management, .*source roster:/);
  });

  it('cut-offs are chosen with a date and a time in the user’s time zone, the zone named', async () => {
    const page = await signInAs(browser, lrs.url, /^Auditor$/, 1200, { timezoneId: 'Asia/Seoul' });
    await page.goto(`${lrs.url}/audit`);
    await page.reload(); // the first page told the server the browser's zone
    expect(await page.locator('#snap-asOf-zone').textContent()).to.contain('Asia/Seoul (GMT+9)');
    // The earlier cut-off, one second on, as a clock in Seoul shows it.
    const at = new Date(Math.floor(Date.parse(earlier) / 1000) * 1000 + 1000);
    const [date, time] = at.toLocaleString('sv-SE', { timeZone: 'Asia/Seoul' }).split(' ') as [
      string,
      string,
    ];
    await page.locator('#snap-asOf-date').fill(date);
    await page.locator('#snap-asOf-time').fill(time);
    await page.getByRole('button', { name: 'Take snapshot' }).click();
    await page.waitForURL(/\/audit\/snapshots\/[0-9a-f-]{36}$/);
    const cutOff = (await page.locator('dl.snapshot time').first().getAttribute('datetime'))!;
    expect(new Date(cutOff).toISOString()).to.equal(at.toISOString());
    // "Snapshot now" needs no cut-off at all.
    const before = Date.now();
    await page.goto(`${lrs.url}/audit`);
    await page.locator('#snapshot-now').click();
    await page.waitForURL(/\/audit\/snapshots\/[0-9a-f-]{36}$/);
    const now = Date.parse((await page.locator('dl.snapshot time').first().getAttribute('datetime'))!);
    expect(now).to.be.at.least(before - 1000);
    await page.context().close();
  });

  it('an unknown snapshot and an official on the audit pages get readable errors', async () => {
    const missing = await auditor.goto(`${lrs.url}/audit/snapshot?id=00000000-0000-4000-8000-000000000000`);
    expect(missing?.status()).to.equal(404);
    expect(await auditor.locator('[data-rule]').getAttribute('data-rule')).to.equal('audit.snapshot.unknown');
    const official = await signInAs(browser, lrs.url, /\(E00002\)/);
    const response = await official.goto(`${lrs.url}/audit`);
    expect(response?.status()).to.equal(403);
    expect(await official.locator('h1').textContent()).to.equal('Forbidden');
  });
});
