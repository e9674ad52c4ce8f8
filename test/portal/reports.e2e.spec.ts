// The reporting pages of the portal (decisions 058, 059) over the documented examples, loaded through
// the product's own import paths: the provincial supervisor cohort (examples/cohort), the Hong Kong
// department's year (examples/department) and the Vietnamese province's communes with their
// reporting duties (examples/commune). Each page is visited by each role that may see it, in every
// language, and axe-core must find nothing.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ADMIN, basic, TestLrs } from '@lrs/server/testing';
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { loadExample } from '../examples/load-example';
import { axeViolations } from './support/axe';
import { ARTIFACTS, CHROMIUM, chromiumMissing, launchChromium, signInAs } from './support/browser';

const COHORT = 'provincial-supervisor-cohort';
const DEPARTMENT = 'department-staff-development';
const LOCALES = ['en', 'ko', 'zh-Hant', 'zh-Hans', 'vi'] as const;

describe('portal reporting pages: cohort, programme statistics, reporting duties (headless Chromium)', function () {
  this.timeout(300_000);
  let lrs: TestLrs;
  let browser: Browser;

  before(async function () {
    if (chromiumMissing()) {
      console.warn(`    SKIPPED: ${CHROMIUM} is missing (scripts/setup.sh installs it as root)`);
      this.skip();
    }
    lrs = await TestLrs.start({ LRS_DEV_SIGNIN: 'true', LRS_JWT_HS256_SECRET: 'x'.repeat(40) });
    for (const example of ['cohort', 'department', 'commune']) await loadExample(lrs, example);
    await lrs.caughtUp();
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await lrs?.stop();
  });

  const unit = (jurisdiction: string) => new RegExp(`^Policy unit — ${jurisdiction}$`);
  const download = async (page: Page, selector: string): Promise<string> => {
    const event = page.waitForEvent('download');
    await page.locator(selector).click();
    return readFileSync((await (await event).path())!, 'utf8');
  };
  const cell = (page: Page, official: string, requirement: string) =>
    page.locator(`tr[data-official="${official}"] td[data-requirement="${requirement}"]`);

  it("the province's policy unit sees every trainee by name with progress per requirement, pending hours, status and due date", async () => {
    const page = await signInAs(browser, lrs.url, unit('province'));
    // The dashboard opens on the province's own policy, and offers no other jurisdiction's.
    await page.goto(`${lrs.url}/dashboard`);
    expect(await page.locator('#policy').inputValue()).to.equal(COHORT);
    expect(await page.locator('#policy option').allTextContents()).to.deep.equal([COHORT]);

    await page.getByRole('link', { name: 'Cohort progress' }).click();
    await page.waitForURL(/\/cohort$/);
    expect(await page.locator('table.cohort tbody tr td:first-child').allTextContents()).to.have.members([
      '张伟',
      '李娜',
      '王芳',
    ]);
    expect(await page.locator('[data-total]').getAttribute('data-total')).to.equal('3');
    // 李娜: three confirmed 40-hour logs earn 120 hours; the fourth waits for the supervisor.
    expect(await cell(page, 'li-na', 'internship-220h').locator('.figure').textContent()).to.equal(
      '120 of 220 hours',
    );
    expect(await cell(page, 'li-na', 'internship-220h').locator('.pending-note').textContent()).to.equal(
      '+ 40 hours awaiting supervisor confirmation',
    );
    expect(await cell(page, 'li-na', 'group-supervision-30').locator('.figure').textContent()).to.equal(
      '18 of 30 attended',
    );
    expect(await cell(page, 'li-na', 'defence').textContent()).to.equal('not passed yet');
    expect(await cell(page, 'zhang-wei', 'internship-220h').locator('.figure').textContent()).to.equal(
      '240 of 220 hours',
    );
    expect(await cell(page, 'zhang-wei', 'defence').textContent()).to.equal('passed');
    // A bar never reports more than its maximum, even at 240 of 220 hours.
    const bar = cell(page, 'zhang-wei', 'internship-220h').getByRole('progressbar');
    expect([await bar.getAttribute('aria-valuenow'), await bar.getAttribute('aria-valuemax')]).to.deep.equal([
      '220',
      '220',
    ]);
    expect(await page.locator('tr[data-official="li-na"] [data-status]').textContent()).to.equal('Overdue');
    expect(await page.locator('tr[data-official="zhang-wei"] td').last().textContent()).to.equal(
      'Oct 31, 2024',
    );
    // The window closed long ago: the page still opens, on the cohort's window, and says so.
    expect(await page.locator('[data-closed]').getAttribute('data-closed')).to.equal('true');
    expect(await page.locator('.trainees').textContent()).to.equal('3');
    expect(await page.locator('.pending-total').textContent()).to.equal('40 hours (1 trainee)');
    expect(await page.locator('tr[data-requirement="group-supervision-30"] .met').textContent()).to.equal(
      '1 of 3',
    );
    await page.screenshot({ path: join(ARTIFACTS, 'cohort.png'), fullPage: true });

    // Search by name, filter by status, sort.
    await page.locator('#q').fill('李');
    await page.locator('form[role=search] button').click();
    expect(await page.locator('[data-total]').getAttribute('data-total')).to.equal('1');
    await page.goto(`${lrs.url}/cohort?status=overdue&sort=name&dir=desc`);
    expect(
      await page
        .locator('table.cohort tbody tr')
        .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-official'))),
    ).to.have.members(['li-na', 'wang-fang']);
    expect(await page.locator('[data-total]').getAttribute('data-total')).to.equal('2');

    // The export: the whole filtered list, BOM, an "as of" line, headers in the reader's language.
    await page.goto(`${lrs.url}/cohort`);
    const csv = await download(page, '#export-cohort');
    expect(csv.startsWith('\uFEFF')).to.equal(true);
    const lines = csv.slice(1).trimEnd().split('\r\n');
    expect(lines[0]).to.match(/^"?Data as of .*provincial-supervisor-cohort, period cohort-2024"?$/);
    expect(lines[1]).to.contain('Name,Official ID,Org unit,Staff group');
    expect(lines[1]).to.contain('Hours awaiting confirmation,Status,Due');
    expect(lines.slice(2).find((l) => l.startsWith('李娜,li-na,')))
      .to.contain(',120,220,')
      .and.contain(',40,Overdue,2024-10-31');
    expect(lines).to.have.length(5);
    await page.context().close();
  });

  it('the cohort export speaks the reader’s language', async () => {
    const page = await signInAs(browser, lrs.url, unit('province'));
    await page.context().addCookies([{ name: 'portal_lang', value: 'ko', url: lrs.url }]);
    await page.goto(`${lrs.url}/cohort`);
    expect(await cell(page, 'li-na', 'internship-220h').locator('.figure').textContent()).to.equal(
      '220시간 중 120시간',
    );
    const csv = await download(page, '#export-cohort');
    expect(csv.slice(1).split('\r\n')[1]).to.match(/^성명,공무원 번호,조직,직렬,/);
    await page.context().close();
  });

  it('a policy unit of another jurisdiction never sees the province’s cohort; its dashboard opens on its own policy', async () => {
    const page = await signInAs(browser, lrs.url, unit('dong-thap'));
    await page.goto(`${lrs.url}/dashboard`);
    expect(await page.locator('#policy').inputValue()).to.equal('dong-thap-commune-social-work');
    expect(await page.locator('#policy option').allTextContents()).to.not.include(COHORT);
    const forbidden = await page.goto(`${lrs.url}/cohort?policy=${COHORT}`);
    expect(forbidden!.status()).to.equal(403);
    expect(await page.locator('[data-rule]').getAttribute('data-rule')).to.equal(
      'training.access.jurisdiction',
    );
    expect((await page.goto(`${lrs.url}/dashboard?policy=${COHORT}`))!.status()).to.equal(403);
    expect((await page.goto(`${lrs.url}/cohort.csv?policy=${COHORT}`))!.status()).to.equal(403);
    // Its own cohort page lists its own officials only.
    await page.goto(`${lrs.url}/cohort`);
    expect(await page.locator('#policy').inputValue()).to.equal('dong-thap-commune-social-work');
    expect(await page.locator('table.cohort tbody').textContent()).to.not.contain('李娜');
    await page.context().close();
  });

  it('programme statistics of the department’s fiscal year: by category, staff group and org unit, totals, CSV and a verified snapshot', async () => {
    const page = await signInAs(browser, lrs.url, unit('department'));
    // The current fiscal year has no attendance yet: the page says so beside the form.
    const empty = await page.goto(`${lrs.url}/programmes`);
    expect(empty!.status()).to.equal(200);
    expect(await page.locator('[data-rule]').getAttribute('data-rule')).to.equal('training.report.no-data');
    expect(await page.locator('#policy').inputValue()).to.equal(DEPARTMENT);

    await page.locator('#period').fill('FY2024');
    await page.getByRole('button', { name: 'Show' }).click();
    await page.waitForURL(/period=FY2024/);
    const totals = async () =>
      Object.fromEntries(
        await page
          .locator('.programme-totals dd')
          .evaluateAll((dds) => dds.map((d) => [d.getAttribute('data-figure'), d.textContent])),
      );
    expect(await totals()).to.deep.equal({
      programmes: '6',
      participants: '8',
      attendances: '13',
      hours: '117',
    });
    const row = (table: string, key: string) =>
      page.locator(`table.${table} tr[data-key="${key}"] td`).allTextContents();
    expect(await row('by-category', 'management')).to.deep.equal(['1', '1', '3', '63']);
    expect(await row('by-staff-group', 'social-security')).to.deep.equal(['3', '4', '6', '22.5']);
    expect(await row('by-org-unit', 'security-south')).to.deep.equal(['3', '2', '4', '16.5']);
    expect(await page.locator('table.by-category tfoot td').allTextContents()).to.deep.equal([
      '6',
      '8',
      '13',
      '117',
    ]);
    expect(await page.locator('table.by-org-unit th[scope=row]').allTextContents()).to.include(
      'Headquarters',
    );
    await page.screenshot({ path: join(ARTIFACTS, 'programmes.png'), fullPage: true });

    // The same window as dates gives the same figures.
    await page.goto(`${lrs.url}/programmes?by=dates&from=2024-04-01&to=2025-03-31&timeZone=Asia/Hong_Kong`);
    expect(await totals()).to.deep.equal({
      programmes: '6',
      participants: '8',
      attendances: '13',
      hours: '117',
    });
    // A window that ends before it starts is named, not a crash.
    const wrong = await page.goto(
      `${lrs.url}/programmes?by=dates&from=2025-04-01&to=2024-03-31&timeZone=Asia/Hong_Kong`,
    );
    expect(wrong!.status()).to.equal(400);
    expect(await page.locator('[data-rule]').getAttribute('data-rule')).to.equal('training.query.window');

    await page.goto(`${lrs.url}/programmes?policy=${DEPARTMENT}&period=FY2024`);
    const csv = await download(page, '#export-programmes');
    expect(csv.startsWith('\uFEFF')).to.equal(true);
    const lines = csv.slice(1).trimEnd().split('\r\n');
    expect(lines[0]).to.match(/^"?Data as of .* window Apr 1, 2024 – Mar 31, 2025 \(Asia\/Hong_Kong\)/);
    expect(lines[2]).to.equal('Table,ID,Name,Programmes held,Participants,Attendances,Hours');
    // The category's name is the policy's title for it (decision 076), its id beside it.
    expect(lines).to.include('Category,management,Management,1,1,3,63');
    expect(lines).to.include('Staff group,social-security,Social security,3,4,6,22.5');
    expect(lines[lines.length - 1]).to.equal('Total,,Total,6,8,13,117');

    // A policy unit may freeze these figures (the audit API allows it); the snapshot verifies.
    await page.locator('#take-programme-snapshot').click();
    await page.waitForURL(/\/audit\/snapshots\//);
    expect(await page.locator('dd[data-figure="hours"]').textContent()).to.equal('117');
    const json = JSON.parse(await download(page, 'a[href$=".json"]'));
    expect(json).to.include({ kind: 'programme-statistics', jurisdiction: 'department' });
    expect(json.totals).to.deep.equal({ programmes: 6, participants: 8, attendances: 13, hours: 117 });
    await page.locator('#verify-snapshot').click();
    await page.waitForURL(/\/audit\/snapshot\?id=/);
    expect(await page.locator('[data-result]').getAttribute('data-result')).to.equal('matches');
    await page.context().close();
  });

  it('categories, staff groups and requirements are named by the data’s titles in the reader’s language, else English marked as such (decision 076)', async () => {
    const label = (page: Page, table: string, key: string) =>
      page.locator(`table.${table} tr[data-key="${key}"] th[scope=row]`);
    // Hong Kong: the department's policy names its categories and staff groups in zh-HK and English.
    const hk = await signInAs(browser, lrs.url, unit('department'));
    await hk.context().addCookies([{ name: 'portal_lang', value: 'zh-Hant', url: lrs.url }]);
    await hk.goto(`${lrs.url}/programmes?policy=${DEPARTMENT}&period=FY2024`);
    expect(await label(hk, 'by-category', 'management').textContent()).to.equal('管理');
    expect(await label(hk, 'by-category', 'management').locator('[lang]').count()).to.equal(0);
    expect(await label(hk, 'by-staff-group', 'social-security').textContent()).to.equal('社會保障職系');
    const csv = await download(hk, '#export-programmes');
    expect(csv).to.contain('管理').and.contain('社會保障職系');
    // A Korean reader of the same page: no Korean title, so English, marked lang="en-US".
    await hk.context().addCookies([{ name: 'portal_lang', value: 'ko', url: lrs.url }]);
    await hk.goto(`${lrs.url}/programmes?policy=${DEPARTMENT}&period=FY2024`);
    expect(await label(hk, 'by-category', 'management').locator('span[lang="en-US"]').textContent()).to.equal(
      'Management',
    );
    await hk.context().close();
    // Vietnam: the commune's staff groups in Vietnamese, on the page and in the export.
    const vn = await signInAs(browser, lrs.url, unit('dong-thap'));
    await vn.context().addCookies([{ name: 'portal_lang', value: 'vi', url: lrs.url }]);
    await vn.goto(`${lrs.url}/programmes?by=dates&from=2024-12-01&to=2025-05-31&timeZone=Asia/Ho_Chi_Minh`);
    expect(await label(vn, 'by-staff-group', 'collaborator').textContent()).to.equal(
      'Cộng tác viên công tác xã hội',
    );
    expect(await label(vn, 'by-category', 'child-protection').textContent()).to.equal('Bảo vệ trẻ em');
    expect(await download(vn, '#export-programmes')).to.contain('Cộng tác viên công tác xã hội');
    await vn.context().close();
    // The province's cohort: requirement names in simplified Chinese, on the page and in the export.
    const cn = await signInAs(browser, lrs.url, unit('province'));
    await cn.context().addCookies([{ name: 'portal_lang', value: 'zh-Hans', url: lrs.url }]);
    await cn.goto(`${lrs.url}/cohort`);
    expect(await cn.locator('table.cohort thead th').allTextContents()).to.include('督导实习 220 小时');
    const header = (await download(cn, '#export-cohort')).slice(1).split('\r\n')[1]!;
    expect(header).to.contain('督导实习 220 小时').and.contain('结业答辩');
    await cn.context().close();
  });

  it("reporting duties: each of the jurisdiction's duties with its occurrences' window, cut-off, due day and state in words", async () => {
    const page = await signInAs(browser, lrs.url, unit('dong-thap'));
    await page.getByRole('link', { name: 'Reporting duties' }).click();
    await page.waitForURL(/\/duties$/);
    const duties = await page
      .locator('section.duty')
      .evaluateAll((s) => s.map((e) => e.getAttribute('data-duty')));
    // The commune policy's duty is Đồng Tháp's too: the policy is its jurisdiction's (decision 075).
    expect(duties).to.have.members([
      'dong-thap-half-year',
      'dong-thap-annual',
      'dong-thap-annual-completion',
    ]);
    const year = new Date().getUTCFullYear();
    const half = page.locator(`tr[data-occurrence="dong-thap-half-year-${year}"]`);
    const cells = await half.locator('td').allTextContents();
    expect(cells[0]).to.equal(`Dec 1, ${year - 1} – May 31, ${year}`);
    expect(cells[1]).to.equal(`start of Jun 1, ${year}`);
    expect(cells[2]).to.equal(`Jun 14, ${year}`);
    // The state the audit API gives, in words (this log began today, long after that cut-off).
    const words: Record<string, string> = {
      upcoming: 'Upcoming: the data cut-off has not passed',
      due: 'Due: cut-off passed, report not taken yet',
      'fulfilled-on-time': 'Fulfilled on time',
      late: 'Late',
      skipped: 'Skipped: the records begin after the cut-off',
    };
    const api = await fetch(`${lrs.url}/api/reports/duties/dong-thap-half-year`, {
      headers: { Authorization: basic(ADMIN) },
    }).then(
      (r) => r.json() as Promise<{ occurrences: { occurrenceId: string; state: string; cutOff: string }[] }>,
    );
    const { state, cutOff } = api.occurrences.find((o) => o.occurrenceId === `dong-thap-half-year-${year}`)!;
    // This log began today: a cut-off already passed came before it, nothing to report (decision 051).
    expect(state).to.equal(Date.parse(cutOff) <= Date.now() ? 'skipped' : 'upcoming');
    expect(await half.getAttribute('data-state')).to.equal(state);
    expect(cells[3]).to.equal(words[state]);
    expect(await page.locator('table.duties caption').first().textContent()).to.match(/^Occurrences of /);
    await page.screenshot({ path: join(ARTIFACTS, 'duties.png'), fullPage: true });
    await page.context().close();
    // An auditor sees every duty, the policy's too; the province's unit sees none of Đồng Tháp's.
    const auditor = await signInAs(browser, lrs.url, /^Auditor$/);
    await auditor.goto(`${lrs.url}/duties`);
    expect(await auditor.locator('section.duty').count()).to.equal(3);
    await auditor.context().close();
    const province = await signInAs(browser, lrs.url, unit('province'));
    await province.goto(`${lrs.url}/duties`);
    expect(await province.locator('section.duty').count()).to.equal(0);
    expect(await province.locator('main p').first().textContent()).to.equal(
      'No reporting duty is defined for your jurisdiction.',
    );
    await province.context().close();
  });

  it('an official may not open the reporting pages', async () => {
    const page = await signInAs(browser, lrs.url, /李娜/);
    expect(await page.locator('nav a[href="/cohort"]').count()).to.equal(0);
    for (const path of ['/cohort', '/programmes', '/duties', '/cohort.csv'])
      expect((await page.goto(`${lrs.url}${path}`))!.status(), path).to.equal(403);
    await page.context().close();
  });

  const check = async (page: Page, paths: string[]): Promise<string[]> => {
    const out: string[] = [];
    for (const path of paths) {
      await page.goto(`${lrs.url}${path}`);
      out.push(...(await axeViolations(page)));
      // Beyond axe: every table has a caption; no progress bar reports more than its maximum.
      const extra = await page.evaluate<string[]>(
        `[...document.querySelectorAll('table:not(:has(caption))')].map(() => 'table without caption').concat([...document.querySelectorAll('[role=progressbar],progress')].filter((e) => Number(e.getAttribute('aria-valuenow') ?? e.value) > Number(e.getAttribute('aria-valuemax') ?? e.max)).map(() => 'progress above its maximum'))`,
      );
      out.push(...extra.map((e) => `${page.url()} ${e}`));
    }
    return out;
  };

  const ROLES: { who: RegExp; width: number; paths: string[] }[] = [
    {
      who: unit('province'),
      width: 1200,
      paths: ['/cohort', '/cohort?status=overdue&sort=hours&dir=desc', '/programmes', '/duties'],
    },
    {
      who: unit('department'),
      width: 390,
      paths: ['/programmes', `/programmes?policy=${DEPARTMENT}&period=FY2024`, '/cohort', '/duties'],
    },
    {
      who: unit('dong-thap'),
      width: 1200,
      paths: [
        '/duties',
        '/programmes?by=dates&from=2024-12-01&to=2025-05-31&timeZone=Asia/Ho_Chi_Minh',
        '/cohort',
        `/cohort?policy=${COHORT}`,
      ],
    },
    {
      who: /^Auditor$/,
      width: 1200,
      paths: [
        `/cohort?policy=${COHORT}`,
        `/programmes?policy=${DEPARTMENT}&period=FY2024`,
        '/duties',
        '/dashboard',
      ],
    },
  ];
  for (const locale of LOCALES)
    it(`axe-core finds no WCAG 2.2 AA violation on these pages for every role that sees them (${locale})`, async () => {
      const found: string[] = [];
      for (const role of ROLES) {
        const page = await signInAs(browser, lrs.url, role.who, role.width);
        await page.context().addCookies([{ name: 'portal_lang', value: locale, url: lrs.url }]);
        found.push(...(await check(page, role.paths)));
        await page.context().close();
      }
      expect(found, found.join('\n')).to.deep.equal([]);
    });
});
