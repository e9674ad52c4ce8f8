/**
 * Portal pages in headless Chromium: the demo city (N officials, a year of
 * online, live and face-to-face learning with voids and late rosters; services/server demo seed)
 * is written to a SQLite log, the LRS starts on it in a child process (bench/lib/lrs-server.ts)
 * with the development sign-in, and a policy unit of the city opens in the browser:
 *  - the completion dashboard of the whole city, `--dashboard-loads` times;
 *  - a drill-down to one office (its officials listed), as often;
 *  - `--officials` different officials' My training pages (progress + transcript);
 *  - the list of all officials (page 1 and a filtered, searched page), as often as the dashboard;
 *  - the full export of every official (CSV, fetched with the session), as often;
 *  - the sign-in round trip: the development sign-in's POST, the session, the redirect and the
 *    landing page's load event (the OpenID provider's own pages are not the LRS's to time).
 * Each load is a fresh navigation; from the browser's Navigation Timing: serverMs (request sent to
 * first response byte: the server's work plus loopback) and loadMs (navigation start to the load
 * event: HTML, CSS, script, layout and paint of the page). Targets: any dashboard or list page
 * ≤ 300 ms to load, a full export of 8,000 rows ≤ 1 s, the sign-in round trip ≤ 500 ms. warmUpSec is the first dashboard load, which waits for the transcripts and
 * completion projections to catch up with the preloaded log.
 * Args: --city N (default 8,000) --officials M (default 50) --dashboard-loads K (default 10).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEventLog } from '@lrs/event-log';
import { DEMO_POLICY, demoPeriod, seedDemoCity } from '@lrs/server/demo';
import { launchChromium, signInAs } from '../../test/portal/support/browser';
import { startBenchLrs } from '../lib/lrs-server';
import { percentile, round } from '../lib/measure';
import { numberOption, type SuiteOptions } from '../lib/options';

const arg = numberOption;

interface Timing {
  serverMs: number;
  loadMs: number;
}

type Page = Awaited<ReturnType<typeof signInAs>>;

async function timedLoad(page: Page, url: string): Promise<Timing> {
  const response = await page.goto(url, { waitUntil: 'load' });
  if (response?.status() !== 200) throw new Error(`${url} answered ${response?.status()}`);
  return page.evaluate(() => {
    // Node's typings have no DOM: the browser's Navigation Timing entry, as far as read here.
    const entries = (
      performance as unknown as {
        getEntriesByType(
          type: string,
        ): Record<'requestStart' | 'responseStart' | 'startTime' | 'loadEventEnd', number>[];
      }
    ).getEntriesByType('navigation');
    const nav = entries[0]!;
    return { serverMs: nav.responseStart - nav.requestStart, loadMs: nav.loadEventEnd - nav.startTime };
  });
}

function summary(prefix: string, timings: Timing[]): Record<string, number> {
  const server = timings.map((t) => t.serverMs).sort((a, b) => a - b);
  const load = timings.map((t) => t.loadMs).sort((a, b) => a - b);
  return {
    [`${prefix}ServerP50Ms`]: round(percentile(server, 50)),
    [`${prefix}LoadP50Ms`]: round(percentile(load, 50)),
    [`${prefix}LoadP99Ms`]: round(percentile(load, 99)),
  };
}

/** What `pnpm bench portal` takes (checked by bench/run.ts before the run). */
export const options: SuiteOptions = { city: 'number', officials: 'number', 'dashboard-loads': 'number' };

export async function run(args: string[]): Promise<Record<string, unknown>> {
  const city = arg(args, 'city', 8000);
  const officials = arg(args, 'officials', 50);
  const dashboardLoads = arg(args, 'dashboard-loads', 10);
  const dir = mkdtempSync(join(tmpdir(), 'bench-portal-'));
  // The child LRS inherits these: dev sign-in on, its tokens accepted by the JSON APIs too.
  process.env.LRS_DEV_SIGNIN = 'true';
  process.env.LRS_JWT_HS256_SECRET = 'bench-portal-secret-0123456789-abcdefghij';
  let server: Awaited<ReturnType<typeof startBenchLrs>> | null = null;
  let browser: Awaited<ReturnType<typeof launchChromium>> | null = null;
  try {
    const t0 = performance.now();
    const log = await openEventLog({ dataDir: dir });
    const seeded = await seedDemoCity(log, { officials: city });
    await log.close();
    const seedSec = (performance.now() - t0) / 1000;
    server = await startBenchLrs(dir);
    const base = `http://127.0.0.1:${server.port}`;
    browser = await launchChromium();
    const page = await signInAs(browser, base, /Policy unit — demo-city/);
    const period = demoPeriod();
    const dashboard = `${base}/dashboard?policy=${DEMO_POLICY}&period=${period}`;
    const w0 = performance.now();
    await timedLoad(page, dashboard);
    const warmUpSec = (performance.now() - w0) / 1000;
    const population = Number((await page.locator('.population').textContent())?.replace(/\D/g, ''));
    if (population !== city) throw new Error(`dashboard shows ${population} officials, expected ${city}`);

    const cityLoads: Timing[] = [];
    for (let i = 0; i < dashboardLoads; i++) cityLoads.push(await timedLoad(page, dashboard));
    const officeLoads: Timing[] = [];
    for (let i = 0; i < dashboardLoads; i++)
      officeLoads.push(await timedLoad(page, `${dashboard}&orgUnit=d${(i % 6) + 1}-o1`));
    const transcriptLoads: Timing[] = [];
    const step = Math.max(1, Math.floor(city / officials));
    for (let i = 0; i < officials; i++) {
      const id = `E${String(1 + ((i * step) % city)).padStart(5, '0')}`;
      transcriptLoads.push(await timedLoad(page, `${base}/officials/${id}`));
    }
    const listLoads: Timing[] = [];
    const list = `${base}/officials?policy=${DEMO_POLICY}&period=${period}`;
    for (let i = 0; i < dashboardLoads; i++)
      listLoads.push(
        await timedLoad(
          page,
          i % 2 === 0 ? list : `${list}&status=in_progress&staffGroup=nursing&q=Kim&page=2`,
        ),
      );
    const cookie = (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
    const exportMs: number[] = [];
    let exportRows = 0;
    for (let i = 0; i < dashboardLoads; i++) {
      const t = performance.now();
      const response = await fetch(`${base}/officials.csv?policy=${DEMO_POLICY}&period=${period}`, {
        headers: { cookie },
      });
      const text = await response.text();
      exportMs.push(performance.now() - t);
      exportRows = text.split('\r\n').filter((l) => l !== '').length - 2;
    }
    if (exportRows !== city) throw new Error(`the export has ${exportRows} rows, expected ${city}`);
    const signInMs: number[] = [];
    for (let i = 0; i < dashboardLoads; i++) {
      const context = await browser.newContext();
      const fresh = await context.newPage();
      await fresh.goto(`${base}/dev/signin`);
      const t = performance.now();
      await fresh
        .getByRole('button', { name: /Policy unit — demo-city/ })
        .first()
        .click();
      await fresh.waitForURL(/\/dashboard/, { waitUntil: 'load' });
      signInMs.push(performance.now() - t);
      await context.close();
    }
    exportMs.sort((a, b) => a - b);
    signInMs.sort((a, b) => a - b);
    return {
      city,
      statements: seeded.statements,
      voided: seeded.voided,
      lateRosterStatements: seeded.lateRosterStatements,
      lateVoids: seeded.lateVoids,
      seedSec: round(seedSec),
      warmUpSec: round(warmUpSec),
      ...summary('dashboardCity', cityLoads),
      ...summary('dashboardOffice', officeLoads),
      ...summary('transcript', transcriptLoads),
      ...summary('officialsList', listLoads),
      exportRows,
      exportP50Ms: round(percentile(exportMs, 50)),
      exportMaxMs: round(exportMs[exportMs.length - 1]!),
      signInRoundTripP50Ms: round(percentile(signInMs, 50)),
      signInRoundTripMaxMs: round(signInMs[signInMs.length - 1]!),
      pageTargetMs: 300,
      exportTargetMs: 1000,
      signInTargetMs: 500,
    };
  } finally {
    await browser?.close();
    if (server) {
      server.child.kill('SIGTERM');
      await new Promise((r) => server!.child.once('exit', r));
    }
    rmSync(dir, { recursive: true, force: true });
  }
}
