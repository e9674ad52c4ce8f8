/**
 * The xAPI statements benchmark (issue: Statement API, Performance).
 *
 *   pnpm bench statements [--statements N] [--connections C] [--batch B] [--put-seconds S]
 *                         [--get-queries Q] [--skip-floor] [--skip-http]
 *
 * 1. raw floor: validation + append without HTTP (StatementStore over a fresh SQLite log,
 *    synchronous=FULL, C batches in flight);
 * 2. the LRS as a child process on a fresh data dir: POST batches of B statements over C
 *    keep-alive connections; then single-statement PUTs for S seconds; then, once the index
 *    has caught up, GET /xapi/statements?agent=... latencies over the N stored statements;
 *    the child's peak RSS (VmHWM) after ingestion.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openSqliteEventLog } from '@lrs/event-log';
import { StatementStore } from '@lrs/service-lrs';
import { generateStatements } from '../lib/statements';

interface Options {
  statements: number;
  connections: number;
  batch: number;
  putSeconds: number;
  getQueries: number;
  skipFloor: boolean;
  skipHttp: boolean;
}

function parseArgs(args: string[]): Options {
  const num = (name: string, fallback: number) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? Number(args[i + 1]) : fallback;
  };
  return {
    statements: num('statements', 1_000_000),
    connections: num('connections', 16),
    batch: num('batch', 100),
    putSeconds: num('put-seconds', 10),
    getQueries: num('get-queries', 2000),
    skipFloor: args.includes('--skip-floor'),
    skipHttp: args.includes('--skip-http'),
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

function batchOf(o: Options, i: number) {
  return generateStatements(o.batch, { seed: i + 1, officials: OFFICIALS, courses: COURSES });
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

interface Server {
  child: ChildProcess;
  port: number;
}

async function startServer(dataDir: string): Promise<Server> {
  // main.ts logs its URL at info, which LRS_LOG_LEVEL=warn silences (the bench waited forever):
  // start the same system and app main.ts does and print the URL here.
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const script = `
    const { loadConfig } = await import(${JSON.stringify(join(root, 'packages/config/src/index.ts'))});
    const { listen } = await import(${JSON.stringify(join(root, 'packages/http/src/index.ts'))});
    const { startLrsSystem, createLrsApp } = await import(${JSON.stringify(join(root, 'services/lrs/src/index.ts'))});
    const system = await startLrsSystem(loadConfig(process.env));
    const server = await listen(createLrsApp(system), { port: 0, host: '127.0.0.1' });
    process.stdout.write(JSON.stringify({ url: server.url }) + '\\n');
    process.on('SIGTERM', async () => { await server.close(); await system.stop(); process.exit(0); });
  `;
  const child = spawn(
    process.execPath,
    [...serverNodeArgs(), '--import', 'tsx', '--input-type=module', '-e', script],
    {
      env: {
        ...process.env,
        PORT: '0',
        HOST: '127.0.0.1',
        LRS_DATA_DIR: dataDir,
        LRS_BOOTSTRAP_KEY: 'bench',
        LRS_BOOTSTRAP_SECRET: 'bench-secret-0123456789',
        LRS_LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /"url":"http:\/\/127\.0\.0\.1:(\d+)"/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${out}`)));
  });
  child.stdout!.resume();
  return { child, port };
}

const AUTH = `Basic ${Buffer.from('bench:bench-secret-0123456789').toString('base64')}`;

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
          authorization: AUTH,
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

function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

async function overHttp(o: Options) {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-lrs-'));
  const server = await startServer(dataDir);
  const agent = new http.Agent({ keepAlive: true, maxSockets: o.connections });
  const out: Record<string, number> = {};
  try {
    const batches = Math.ceil(o.statements / o.batch);
    let failures = 0;
    const t0 = performance.now();
    await pool(batches, o.connections, async (i) => {
      const res = await request(
        agent,
        server.port,
        'POST',
        '/xapi/statements',
        JSON.stringify(batchOf(o, i)),
      );
      if (res.status !== 200) failures++;
    });
    const postSeconds = (performance.now() - t0) / 1000;
    out.postStatementsPerSec = Math.round((batches * o.batch) / postSeconds);
    out.postFailures = failures;
    out.peakRssMbAfterIngest = peakRssMb(server.child.pid!);

    // Single-statement PUTs for a fixed time.
    let puts = 0;
    let putFailures = 0;
    const single = generateStatements(1, { seed: 999_999, officials: OFFICIALS, courses: COURSES })[0]!;
    const putDeadline = performance.now() + o.putSeconds * 1000;
    const tPut = performance.now();
    await Promise.all(
      Array.from({ length: o.connections }, async () => {
        while (performance.now() < putDeadline) {
          const id = randomUUID();
          const res = await request(
            agent,
            server.port,
            'PUT',
            `/xapi/statements?statementId=${id}`,
            JSON.stringify({ ...single, id }),
          );
          if (res.status === 204) puts++;
          else putFailures++;
        }
      }),
    );
    out.putStatementsPerSec = Math.round(puts / ((performance.now() - tPut) / 1000));
    out.putFailures = putFailures;

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
    out.storedStatements = batches * o.batch + puts;
    out.peakRssMb = peakRssMb(server.child.pid!);
  } finally {
    agent.destroy();
    server.child.kill('SIGTERM');
    await new Promise((r) => server.child.once('exit', r));
    rmSync(dataDir, { recursive: true, force: true });
  }
  return out;
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

export async function run(args: string[]): Promise<Record<string, unknown>> {
  const o = parseArgs(args);
  const result: Record<string, unknown> = {
    statements: o.statements,
    connections: o.connections,
    batch: o.batch,
  };
  if (!o.skipFloor) Object.assign(result, await floor(o));
  if (!o.skipHttp) Object.assign(result, await overHttp(o));
  return result;
}

/** Extra node flags for the LRS child, e.g. BENCH_SERVER_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof'. */
function serverNodeArgs(): string[] {
  return (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
}
