/**
 * Soak (docs/RELIABILITY.md): the LRS as a child process under mixed, realistic traffic at a fixed
 * (open-loop) rate: statement ingestion (single and batches), statement queries by agent,
 * reads by id, state documents, transcript reads, About, and an audit replay to the current head
 * every --replay-every seconds (polled until it completes, then deleted). Reports throughput,
 * p50/p99 per route, errors and the child's RSS over time (from /proc).
 *   pnpm bench soak                      # 30 minutes
 *   pnpm bench soak --minutes 2          # the short version
 *   pnpm bench soak --seconds 20 --rate 40 --replay-every 10
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { UsageError } from '@lrs/config/cli';
import { anAgent, aStatement } from '@lrs/testkit';
import { LrsProcess, prng, tempDataDir } from '../../test/reliability/support/lrs-process';
import { numberOption, type SuiteOptions } from '../lib/options';

function option(args: string[], name: string, fallback: number): number {
  const value = numberOption(args, name, fallback);
  if (args.includes(`--${name}`) && !(value > 0)) throw new UsageError(`--${name} needs a positive number`);
  return value;
}

const percentile = (sorted: number[], p: number) =>
  sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

const OFFICIALS = 200;
const official = (n: number) => anAgent().withMbox(`mailto:official${n}@welfare.example.kr`).build();

/** What `pnpm bench soak` takes (checked by bench/run.ts before the run). */
export const options: SuiteOptions = {
  seconds: 'number',
  minutes: 'number',
  rate: 'number',
  'replay-every': 'number',
  seed: 'number',
};

export async function run(args: string[]): Promise<Record<string, unknown>> {
  const seconds = args.includes('--seconds')
    ? option(args, 'seconds', 120)
    : option(args, 'minutes', 30) * 60;
  const rate = option(args, 'rate', 50);
  const replayEvery = option(args, 'replay-every', 300);
  const maxInFlight = 64;
  const random = prng(option(args, 'seed', 42));
  const tmp = tempDataDir('lrs-soak-');
  const lrs = await LrsProcess.start(join(tmp.dir, 'data'));
  await enrolOfficials(lrs);
  const written: string[] = [];
  const latencies = new Map<string, number[]>();
  const errors = new Map<string, number>();
  const rss: { s: number; mib: number }[] = [];
  let inFlight = 0;
  let skipped = 0;
  let requests = 0;

  const routes: { name: string; weight: number; go: () => Promise<number> }[] = [
    {
      name: 'POST statement',
      weight: 40,
      go: async () => {
        const s = aStatement()
          .withId(randomUUID())
          .withActor(official(Math.floor(random() * OFFICIALS)))
          .build();
        const r = await lrs.call('POST', 'statements', { json: s });
        if (r.status === 200) written.push(s.id!);
        return r.status;
      },
    },
    {
      name: 'POST batch of 20',
      weight: 8,
      go: async () => {
        const batch = Array.from({ length: 20 }, () =>
          aStatement()
            .withId(randomUUID())
            .withActor(official(Math.floor(random() * OFFICIALS)))
            .build(),
        );
        const r = await lrs.call('POST', 'statements', { json: batch });
        if (r.status === 200) written.push(...batch.map((s) => s.id!));
        return r.status;
      },
    },
    {
      name: 'GET statements by agent',
      weight: 25,
      go: async () => {
        const agent = encodeURIComponent(JSON.stringify(official(Math.floor(random() * OFFICIALS))));
        return (await lrs.call('GET', `statements?agent=${agent}&limit=20`)).status;
      },
    },
    {
      name: 'GET statement by id',
      weight: 10,
      go: async () => {
        const id = written[Math.floor(random() * written.length)];
        if (!id) return 200;
        return (await lrs.call('GET', `statements?statementId=${id}`)).status;
      },
    },
    {
      name: 'PUT+GET state',
      weight: 10,
      go: async () => {
        const agent = encodeURIComponent(JSON.stringify(official(Math.floor(random() * OFFICIALS))));
        const path = `activities/state?activityId=${encodeURIComponent('https://lms.example.kr/course/1')}&agent=${agent}&stateId=bookmark`;
        const put = await lrs.call('PUT', path, { json: { page: Math.floor(random() * 100) } });
        if (put.status !== 204) return put.status;
        return (await lrs.call('GET', path)).status;
      },
    },
    {
      name: 'GET transcript',
      weight: 6,
      go: async () =>
        (await lrs.call('GET', `/api/officials/official${Math.floor(random() * OFFICIALS)}/transcript`))
          .status,
    },
    { name: 'GET about', weight: 7, go: async () => (await lrs.call('GET', 'about', { as: null })).status },
  ];
  const total = routes.reduce((n, r) => n + r.weight, 0);
  const pick = () => {
    let roll = random() * total;
    for (const r of routes) {
      roll -= r.weight;
      if (roll < 0) return r;
    }
    return routes[0]!;
  };

  const started = Date.now();
  const sampler = setInterval(() => {
    const kib = lrs.rssKiB();
    if (kib !== null) rss.push({ s: Math.round((Date.now() - started) / 1000), mib: Math.round(kib / 1024) });
  }, 5_000);
  const pending = new Set<Promise<void>>();
  let replays = Promise.resolve();
  const replayTimer = setInterval(() => {
    // One replay at a time, as the service runs them; a slow one delays the next, never overlaps.
    replays = replays.then(async () => {
      const t0 = performance.now();
      const status = await replayToHead(lrs).catch((error: unknown) => (error as Error).name);
      const list = latencies.get('audit replay (to completion)') ?? [];
      latencies.set('audit replay (to completion)', list);
      list.push(performance.now() - t0);
      if (status !== 200) {
        const key = `audit replay ${status}`;
        errors.set(key, (errors.get(key) ?? 0) + 1);
      }
    });
  }, replayEvery * 1000);
  const interval = 1000 / rate;
  let next = started;
  while (Date.now() - started < seconds * 1000) {
    next += interval;
    const wait = next - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    if (inFlight >= maxInFlight) {
      skipped++;
      continue;
    }
    const route = pick();
    inFlight++;
    requests++;
    const t0 = performance.now();
    const p = route
      .go()
      .then(
        (status) => {
          const ms = performance.now() - t0;
          const list = latencies.get(route.name) ?? [];
          latencies.set(route.name, list);
          list.push(ms);
          if (status >= 300)
            errors.set(`${route.name} ${status}`, (errors.get(`${route.name} ${status}`) ?? 0) + 1);
        },
        (error: unknown) => {
          const key = `${route.name} ${(error as Error).name}`;
          errors.set(key, (errors.get(key) ?? 0) + 1);
        },
      )
      .finally(() => {
        inFlight--;
        pending.delete(p);
      });
    pending.add(p);
  }
  clearInterval(replayTimer);
  await Promise.all(pending);
  await replays;
  clearInterval(sampler);
  const elapsed = (Date.now() - started) / 1000;
  const finalRss = lrs.rssKiB();
  if (finalRss !== null) rss.push({ s: Math.round(elapsed), mib: Math.round(finalRss / 1024) });
  await lrs.stop();
  tmp.cleanup();

  const perRoute: Record<string, { n: number; p50: number; p99: number }> = {};
  for (const [name, list] of latencies) {
    list.sort((a, b) => a - b);
    perRoute[name] = {
      n: list.length,
      p50: Number(percentile(list, 50).toFixed(1)),
      p99: Number(percentile(list, 99).toFixed(1)),
    };
  }
  // Flatness: RSS after warm-up (first quarter) against the end of the run.
  const warm = rss.filter((r) => r.s >= elapsed / 4);
  const errorCount = [...errors.values()].reduce((a, b) => a + b, 0);
  return {
    seconds: Math.round(elapsed),
    targetRate: rate,
    requests,
    skippedAtInFlightCap: skipped,
    throughputPerSec: Number((requests / elapsed).toFixed(1)),
    statementsWritten: written.length,
    errors: errorCount,
    errorsByRoute: Object.fromEntries(errors),
    latencyMs: perRoute,
    rssMiBStart: rss[0]?.mib ?? null,
    rssMiBAfterWarmup: warm[0]?.mib ?? null,
    rssMiBEnd: rss.at(-1)?.mib ?? null,
    rssMiBMax: Math.max(...rss.map((r) => r.mib)),
    rssGrowthAfterWarmupMiB: warm.length > 1 ? warm.at(-1)!.mib - warm[0]!.mib : null,
    rssSamples: rss,
  };
}

/** The 200 soak officials on the roster (by mbox), so transcript reads find them. */
async function enrolOfficials(lrs: LrsProcess): Promise<void> {
  const units = await lrs.call('POST', '/api/admin/training/org-units', {
    body: 'org_unit_id,name,parent\ncity,City,',
    headers: { 'Content-Type': 'text/csv' },
  });
  const rows = Array.from(
    { length: OFFICIALS },
    (_, n) =>
      `official${n},Official ${n},city,2020-01-01,social-welfare,city,2020-01-01,,,,mailto:official${n}@welfare.example.kr`,
  );
  const officials = await lrs.call('POST', '/api/admin/training/officials', {
    body: [
      'official_id,name,org_unit,org_unit_from,staff_group,jurisdiction,employed_from,employed_to,account_home_page,account_name,mbox',
      ...rows,
    ].join('\n'),
    headers: { 'Content-Type': 'text/csv' },
  });
  if (units.status !== 200 || officials.status !== 200)
    throw new Error(
      `roster import failed: ${units.status} ${units.text} / ${officials.status} ${officials.text}`,
    );
}

/** An audit replay to the current head; 200 once it completed (and was deleted), else the status seen. */
async function replayToHead(lrs: LrsProcess): Promise<number | string> {
  const head = (await lrs.health()) as { head?: unknown };
  const started = await lrs.call('POST', '/api/audits/replays', { json: { position: String(head.head) } });
  if (started.status !== 202) return started.status;
  const id = (started.body as { id: string }).id;
  for (;;) {
    await new Promise((r) => setTimeout(r, 500));
    const job = await lrs.call('GET', `/api/audits/replays/${id}`);
    const state = (job.body as { state?: string }).state;
    if (job.status !== 200) return job.status;
    if (state === 'completed') break;
    if (state === 'failed' || state === 'cancelled') return `replay ${state}`;
  }
  const deleted = await lrs.call('DELETE', `/api/audits/replays/${id}`);
  return deleted.status;
}
