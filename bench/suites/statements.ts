import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteEventLog } from '@lrs/event-log';
import { StatementStore } from '@lrs/service-lrs';
import { BENCH_AUTH, startBenchLrs } from '../lib/lrs-server';
import { percentile, round } from '../lib/measure';
import { numberOption, type SuiteOptions } from '../lib/options';
import { generateStatements } from '../lib/statements';

interface Options {
  statements: number;
  connections: number;
  batch: number;
  putSeconds: number;
  getQueries: number;
  skipFloor: boolean;
  skipHttp: boolean;
  /** Store without sealing personal values (decision 081): the baseline of a paired measurement. */
  unsealed: boolean;
  /** Every statement by a person the LRS has not seen (each batch creates key-store subjects). */
  newPeople: boolean;
  /** Before the clock starts, one statement by each official: the steady state of a city's LRS. */
  knownPeople: boolean;
}

function parseArgs(args: string[]): Options {
  const num = (name: string, fallback: number) => numberOption(args, name, fallback);
  return {
    statements: num('statements', 1_000_000),
    connections: num('connections', 16),
    batch: num('batch', 100),
    putSeconds: num('put-seconds', 10),
    getQueries: num('get-queries', 2000),
    skipFloor: args.includes('--skip-floor'),
    skipHttp: args.includes('--skip-http'),
    unsealed: args.includes('--unsealed'),
    newPeople: args.includes('--new-people'),
    knownPeople: args.includes('--known-people'),
  };
}

const OFFICIALS = 10_000;
const COURSES = 200;
const authority = {
  objectType: 'Agent' as const,
  name: 'bench',
  account: { homePage: 'http://bench.local', name: 'bench' },
};

/** Runs `work(i)` for i in [0, count) with at most `concurrency` in flight. */
async function pool(count: number, concurrency: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) await work(next++);
    }),
  );
}

/**
 * Batch `i` of the workload. By default its actors are drawn from the city's officials, so people
 * repeat (TRAINING-DOMAIN.md: ~8,000 in Seoul); `--new-people` gives every statement a person
 * never seen before (the first ingest of a roster: each batch creates key-store subjects).
 */
function batchOf(o: Options, i: number) {
  const batch = generateStatements(o.batch, { seed: i + 1, officials: OFFICIALS, courses: COURSES });
  if (o.newPeople)
    batch.forEach((s, j) => {
      s['actor'] = { account: { homePage: 'https://lms.example.kr', name: `new-${i}-${j}` } };
    });
  return batch;
}

async function floor(o: Options) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-floor-'));
  const log = await openSqliteEventLog({ file: join(dir, 'events.sqlite') });
  const store = new StatementStore(log);
  const batches = Math.ceil(o.statements / o.batch);
  const t0 = performance.now();
  await pool(batches, o.connections, async (i) => {
    await store.store({ statements: batchOf(o, i), version: '1.0.3', authority, writer: 'bench' });
  });
  const seconds = (performance.now() - t0) / 1000;
  await log.close();
  rmSync(dir, { recursive: true, force: true });
  return { floorStatementsPerSec: Math.round((batches * o.batch) / seconds), floorSeconds: round(seconds) };
}

function request(
  agent: http.Agent,
  port: number,
  method: string,
  path: string,
  body?: string,
): Promise<{ status: number; body: string; ms: number }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent,
        headers: {
          authorization: BENCH_AUTH,
          'x-experience-api-version': '1.0.3',
          ...(body ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString(),
            ms: performance.now() - t0,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Seconds until /health reports every projector live and nothing behind the log head. */
async function allProjectionsCaughtUp(agent: http.Agent, port: number): Promise<number> {
  const t0 = performance.now();
  for (;;) {
    const health = JSON.parse((await request(agent, port, 'GET', '/health')).body) as {
      projections?: Record<string, { behind: number; status: string }>;
    };
    const all = Object.values(health.projections ?? {});
    if (all.length > 0 && all.every((p) => p.behind === 0 && p.status === 'live'))
      return (performance.now() - t0) / 1000;
    if (performance.now() - t0 > 600_000) throw new Error('the projections did not catch up in 10 minutes');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * CPU seconds the server process has used so far, all its threads (HTTP and projectors): user +
 * system from /proc/<pid>/stat, in clock ticks of 1/100 s. Less sensitive to a busy machine than
 * a rate, so the cost of sealing shows in it too (decision 081).
 */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
}

async function overHttp(o: Options) {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-lrs-'));
  const server = await startBenchLrs(dataDir, { unsealed: o.unsealed });
  const agent = new http.Agent({ keepAlive: true, maxSockets: o.connections });
  const out: Record<string, number> = {};
  try {
    const batches = Math.ceil(o.statements / o.batch);
    let failures = 0;
    // The load generator shares the 2 cores with the server: its bodies are made before the clock
    // starts, as a replaying load tool would have them, so the figure is the server's.
    const bodies = Array.from({ length: batches }, (_, i) => JSON.stringify(batchOf(o, i)));
    if (o.knownPeople) {
      // Every official has been seen once (their key-store subject exists), as in a running LRS.
      const seen = generateStatements(OFFICIALS, { seed: 424_242, officials: OFFICIALS, courses: COURSES });
      seen.forEach((s, i) => {
        s['actor'] = {
          account: { homePage: 'https://lms.example.kr', name: `official-${String(i).padStart(6, '0')}` },
        };
      });
      await pool(OFFICIALS / o.batch, o.connections, async (i) => {
        const body = JSON.stringify(seen.slice(i * o.batch, (i + 1) * o.batch));
        const res = await request(agent, server.port, 'POST', '/xapi/statements', body);
        if (res.status !== 200)
          throw new Error(`--known-people: the LRS answered ${res.status}: ${res.body}`);
      });
      await allProjectionsCaughtUp(agent, server.port);
    }
    const cpu0 = cpuSeconds(server.child.pid!);
    const t0 = performance.now();
    await pool(batches, o.connections, async (i) => {
      const res = await request(agent, server.port, 'POST', '/xapi/statements', bodies[i]);
      bodies[i] = '';
      if (res.status !== 200) failures++;
    });
    const postSeconds = (performance.now() - t0) / 1000;
    out.postStatementsPerSec = Math.round((batches * o.batch) / postSeconds);
    out.postFailures = failures;
    out.peakRssMbAfterIngest = peakRssMb(server.child.pid!);
    // What the POST rate leaves for later: every projector of the process (index, documents,
    // agents, activities, completion) applying the batches. The sustained rate counts it.
    const caughtUpSeconds = await allProjectionsCaughtUp(agent, server.port);
    out.postProjectionsCatchUpSeconds = round(caughtUpSeconds);
    out.postSustainedPerSec = Math.round((batches * o.batch) / (postSeconds + caughtUpSeconds));
    // Server CPU for the POSTs and their projection, per 1,000 statements.
    out.postServerCpuMsPer1000 = Math.round(
      ((cpuSeconds(server.child.pid!) - cpu0) * 1000 * 1000) / (batches * o.batch),
    );

    // Single-statement PUTs for a fixed time, each body made before the clock starts.
    let puts = 0;
    let putFailures = 0;
    const single = generateStatements(1, { seed: 999_999, officials: OFFICIALS, courses: COURSES })[0]!;
    const putBodies = Array.from({ length: o.putSeconds * 10_000 }, () => {
      const id = randomUUID();
      return { id, body: JSON.stringify({ ...single, id }) };
    });
    let nextPut = 0;
    const putDeadline = performance.now() + o.putSeconds * 1000;
    const tPut = performance.now();
    await Promise.all(
      Array.from({ length: o.connections }, async () => {
        while (performance.now() < putDeadline && nextPut < putBodies.length) {
          const { id, body } = putBodies[nextPut++]!;
          const res = await request(agent, server.port, 'PUT', `/xapi/statements?statementId=${id}`, body);
          if (res.status === 204) puts++;
          else putFailures++;
        }
      }),
    );
    out.putStatementsPerSec = Math.round(puts / ((performance.now() - tPut) / 1000));
    out.putFailures = putFailures;
    out.storedStatements = batches * o.batch + puts + (o.knownPeople ? OFFICIALS : 0);
    if (o.getQueries === 0) {
      out.peakRssMb = peakRssMb(server.child.pid!);
      return out;
    }

    // Wait until the statements index has applied the whole log, then measure agent queries.
    const tCatchUp = performance.now();
    for (;;) {
      const health = JSON.parse((await request(agent, server.port, 'GET', '/health')).body) as {
        projections?: Record<string, { behind: number }>;
      };
      if (health.projections?.['statements-index']?.behind === 0) break;
      if (performance.now() - tCatchUp > 600_000)
        throw new Error('the statements index did not catch up in 10 minutes');
      await new Promise((r) => setTimeout(r, 200));
    }
    out.indexCatchUpSeconds = round((performance.now() - tCatchUp) / 1000);
    const latencies: number[] = [];
    let returned = 0;
    await pool(o.getQueries, 4, async (i) => {
      const official = String((i * 7919) % OFFICIALS).padStart(6, '0');
      const agentParam = encodeURIComponent(
        JSON.stringify({
          // The actors bench/lib/statements.ts generates (its LMS_HOME).
          account: { homePage: 'https://lms.example.kr', name: `official-${official}` },
        }),
      );
      const res = await request(agent, server.port, 'GET', `/xapi/statements?agent=${agentParam}&limit=25`);
      latencies.push(res.ms);
      returned += (JSON.parse(res.body) as { statements: unknown[] }).statements.length;
    });
    // A query that matches nothing measures an empty index probe, not the agent filter.
    if (returned === 0) throw new Error('the agent queries matched no statements: check the actors queried');
    latencies.sort((a, b) => a - b);
    out.getAgentP50Ms = round(percentile(latencies, 50));
    out.getAgentP99Ms = round(percentile(latencies, 99));
    out.getAgentAvgStatementsReturned = round(returned / o.getQueries);
    out.peakRssMb = peakRssMb(server.child.pid!);
  } finally {
    agent.destroy();
    server.child.kill('SIGTERM');
    await new Promise((r) => server.child.once('exit', r));
    rmSync(dataDir, { recursive: true, force: true });
  }
  return out;
}

/** What `pnpm bench statements` takes (checked by bench/run.ts before the run). */
export const options: SuiteOptions = {
  statements: 'number',
  connections: 'number',
  batch: 'number',
  'put-seconds': 'number',
  'get-queries': 'number',
  'skip-floor': 'flag',
  'skip-http': 'flag',
  unsealed: 'flag',
  'new-people': 'flag',
  'known-people': 'flag',
};

export async function run(args: string[]): Promise<Record<string, unknown>> {
  const o = parseArgs(args);
  const result: Record<string, unknown> = {
    statements: o.statements,
    connections: o.connections,
    batch: o.batch,
    sealed: !o.unsealed,
    newPeople: o.newPeople,
    knownPeople: o.knownPeople,
  };
  if (o.newPeople && o.knownPeople) throw new Error('--new-people and --known-people exclude each other');
  if (o.newPeople && o.getQueries > 0)
    throw new Error('--new-people queries no repeated person: give --get-queries 0 with it');
  if (!o.skipFloor) Object.assign(result, await floor(o));
  if (!o.skipHttp) Object.assign(result, await overHttp(o));
  return result;
}
