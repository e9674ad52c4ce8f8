/**
 * Refreshes docs/screenshots from a running portal with the demo city loaded and the development
 * sign-in on (README, Portal):
 *   node --import tsx test/portal/support/screenshots.ts http://127.0.0.1:8080 [reportCutOff]
 * `reportCutOff` is the instant `pnpm demo-data` printed; the audit screenshots compare it with now.
 */
import { join } from 'node:path';
import { demoPeriod } from '@lrs/server/demo';
import { launchChromium, signInAs } from './browser';

const base = process.argv[2] ?? 'http://127.0.0.1:8080';
const cutOff = process.argv[3];
const out = join(process.cwd(), 'docs', 'screenshots');
// The demo policy's period as the portal takes it (the calendar year in Seoul, not in UTC).
const period = demoPeriod();
const policy = 'city-annual-welfare-education';

const browser = await launchChromium();
try {
  const official = await signInAs(browser, base, /\(E00001\)/, 390);
  await official.screenshot({ path: join(out, 'my-training-phone.png'), fullPage: true });
  await official.getByRole('link', { name: 'Printable certificate' }).click();
  const code = (await official.locator('#code').textContent())?.trim() ?? '';
  await official.emulateMedia({ media: 'print' });
  await official.screenshot({ path: join(out, 'certificate.png') });
  const anonymous = await (await browser.newContext({ viewport: { width: 1000, height: 600 } })).newPage();
  await anonymous.goto(`${base}/verify?code=${encodeURIComponent(code)}`);
  await anonymous.screenshot({ path: join(out, 'verify.png') });
  const other = await signInAs(browser, base, /\(E00002\)/, 1000);
  await other.goto(`${base}/officials/E00001`);
  await other.screenshot({ path: join(out, 'forbidden.png') });

  const unit = await signInAs(browser, base, /Policy unit — demo-city/);
  await unit.goto(`${base}/dashboard?policy=${policy}&period=${period}&orgUnit=city`);
  await unit.screenshot({ path: join(out, 'dashboard.png'), fullPage: true });
  await unit.goto(`${base}/officials?policy=${policy}&period=${period}&status=in_progress`);
  await unit.screenshot({ path: join(out, 'officials.png') });

  // Korean and Chinese at phone width: an official's training, the dashboard, the list.
  for (const [lang, zone] of [
    ['ko', 'Asia/Seoul'],
    ['zh-Hant', 'Asia/Taipei'],
    ['zh-Hans', 'Asia/Shanghai'],
  ] as const) {
    const person = await signInAs(browser, base, /E00001/, 390, { locale: lang, timezoneId: zone });
    await person.reload();
    await person.screenshot({ path: join(out, `my-training-${lang}-phone.png`), fullPage: true });
    const policyUnit = await signInAs(browser, base, /demo-city/, 390, { locale: lang, timezoneId: zone });
    await policyUnit.goto(`${base}/dashboard?policy=${policy}&period=${period}&orgUnit=city`);
    await policyUnit.screenshot({ path: join(out, `dashboard-${lang}-phone.png`) });
    await policyUnit.goto(`${base}/officials?policy=${policy}&period=${period}`);
    await policyUnit.screenshot({ path: join(out, `officials-${lang}-phone.png`) });
  }

  const auditor = await signInAs(browser, base, /^Auditor$/);
  if (cutOff) {
    await auditor.goto(`${base}/audit`);
    await auditor
      .getByLabel(/^Cut-off/)
      .first()
      .fill(cutOff);
    await auditor.getByRole('button', { name: 'Replay' }).click();
    await auditor.locator('.replay-state[data-state="completed"]').waitFor({ timeout: 120_000 });
    await auditor.screenshot({ path: join(out, 'audit-replay.png'), fullPage: true });
    const q = new URLSearchParams({ policy, period, from: cutOff });
    await auditor.goto(`${base}/audit/diff?${q.toString()}`);
    await auditor.locator('li.change, .no-changes').first().waitFor({ timeout: 120_000 });
    await auditor.setViewportSize({ width: 1200, height: 1600 });
    await auditor.screenshot({ path: join(out, 'audit-diff.png') });
    await auditor.goto(`${base}/audit`);
    await auditor.locator('#snap-asOf').fill(cutOff);
    await auditor.getByRole('button', { name: 'Take snapshot' }).click();
    await auditor.locator('#verify-snapshot').click();
    await auditor.locator('[data-result]').waitFor({ timeout: 120_000 });
    await auditor.screenshot({ path: join(out, 'audit-snapshot-verify.png'), fullPage: true });
  }
} finally {
  await browser.close();
}
