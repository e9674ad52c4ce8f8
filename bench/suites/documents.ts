import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AppendRequest, type EventLog, openSqliteEventLog } from '@lrs/event-log';
import { DOCUMENT_WRITTEN, DocumentStore, documentStream, etagOf } from '@lrs/service-lrs';
import { BENCH_AUTH, startBenchLrs } from '../lib/lrs-server';
import { percentile, round } from '../lib/measure';
import { numberOption, type SuiteOptions } from '../lib/options';

interface Options {
  connections: number;
  seconds: number;
  documents: number;
  getQueries: number;
  skipFloor: boolean;
}

function parseArgs(args: string[]): Options {
  const num = (name: string, fallback: number) => numberOption(args, name, fallback);
  return {
    connections: num('connections', 16),
    seconds: num('seconds', 10),
    documents: num('documents', 100_000),
    getQueries: num('get-queries', 5000),
    skipFloor: args.includes('--skip-floor'),
  };
}

const ACTIVITY = 'https://example.gov/courses/fire-safety/au/1';
const agentOf = (i: number) => `mailto:official-${i}@example.gov`;
/** The ~300-byte JSON a cmi5 AU keeps as its bookmark/suspend data. */
const stateBody = (i: number, n: number) =>
  JSON.stringify({
    page: n % 40,
    location: `slide-${n}`,
    official: i,
    suspendData: randomBytes(96).toString('base64'),
  });

const keyOf = (i: number, stateId = 'bookmark') => ({
  resource: 'state' as const,
  activityId: ACTIVITY,
  agent: `mbox:${agentOf(i)}`,
  id: stateId,
});

/** Runs `work(worker)` in C workers until the deadline; returns operations done. */
async function forSeconds(
  connections: number,
  seconds: number,
  work: (worker: number, n: number) => Promise<number>,
) {
  const deadline = performance.now() + seconds * 1000;
  let ops = 0;
  await Promise.all(
    Array.from({ length: connections }, async (_, worker) => {
      for (let n = 0; performance.now() < deadline; n++) {
        // Not `ops += await work()`: that reads `ops` before the await, so concurrent workers
        // overwrote each other's counts and C connections reported about 1/C of the real rate.
        const done = await work(worker, n);
        ops += done;
      }
    }),
  );
  return ops;
}

const noAttachments = {
  put: () => Promise.reject(new Error('bench documents are inline')),
  get: () => Promise.resolve(null),
};

async function floor(o: Options) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-docs-floor-'));
  const log = await openSqliteEventLog({ file: join(dir, 'events.sqlite') });
  const store = new DocumentStore(log, noAttachments);
  const t0 = performance.now();
  const ops = await forSeconds(o.connections, o.seconds, async (worker, n) => {
    const key = keyOf(worker * 1000 + (n % 1000));
    await store.write({
      key,
      method: 'PUT',
      content: Buffer.from(stateBody(worker, n)),
      contentType: 'application/json',
      preconditions: {},
      putNeedsHeader: false,
    });
    const state = await store.read(key);
    if (!state.exists) throw new Error('floor: document missing after write');
    await store.content(state);
    return 2;
  });
  const seconds = (performance.now() - t0) / 1000;
  await log.close();
  rmSync(dir, { recursive: true, force: true });
  return { floorOpsPerSec: Math.round(ops / seconds) };
}

/** Appends N documents as the LRS writes them, 1,000 per appendMany. */
async function preload(log: EventLog, count: number) {
  for (let start = 0; start < count; start += 1000) {
    const requests: AppendRequest[] = [];
    for (let i = start; i < Math.min(count, start + 1000); i++) {
      const key = keyOf(i, 'preloaded');
      const content = Buffer.from(stateBody(i, 0));
      requests.push({
        stream: documentStream(key),
        expectedRevision: 'no_stream',
        events: [
          {
            type: DOCUMENT_WRITTEN,
            data: new Uint8Array(content),
            metadata: { key, contentType: 'application/json', etag: etagOf(content), length: content.length },
          },
        ],
      });
    }
    for (const outcome of await log.appendMany(requests)) if (!outcome.ok) throw outcome.error;
  }
}

function request(agent: http.Agent, port: number, method: string, path: string, body?: string) {
  const t0 = performance.now();
  return new Promise<{ status: number; ms: number }>((resolve, reject) => {
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
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - t0 }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const statePath = (i: number, stateId: string) =>
  `/xapi/activities/state?activityId=${encodeURIComponent(ACTIVITY)}&agent=${encodeURIComponent(
    JSON.stringify({ mbox: agentOf(i) }),
  )}&stateId=${stateId}`;

async function latencies(agent: http.Agent, port: number, o: Options, connections: number) {
  const ms: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (next < o.getQueries) {
        next++;
        const i = Math.floor(Math.random() * o.documents);
        const res = await request(agent, port, 'GET', statePath(i, 'preloaded'));
        if (res.status !== 200) throw new Error(`GET preloaded ${i}: ${res.status}`);
        ms.push(res.ms);
      }
    }),
  );
  ms.sort((a, b) => a - b);
  return { p50: round(percentile(ms, 50)), p99: round(percentile(ms, 99)) };
}

async function overHttp(o: Options) {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-docs-lrs-'));
  const t0 = performance.now();
  const log = await openSqliteEventLog({ file: join(dataDir, 'events.sqlite') });
  await preload(log, o.documents);
  await log.close();
  const preloadSeconds = (performance.now() - t0) / 1000;
  const server = await startBenchLrs(dataDir);
  const agent = new http.Agent({ keepAlive: true, maxSockets: o.connections });
  const out: Record<string, unknown> = {
    documents: o.documents,
    preloadSeconds: round(preloadSeconds),
    serverCatchUpSeconds: round(server.catchUpSeconds),
  };
  try {
    const t1 = performance.now();
    let failures = 0;
    const ops = await forSeconds(o.connections, o.seconds, async (worker, n) => {
      const path = statePath(o.documents + worker * 1000 + (n % 1000), 'bookmark');
      const put = await request(agent, server.port, 'PUT', path, stateBody(worker, n));
      const get = await request(agent, server.port, 'GET', path);
      if (put.status !== 204 || get.status !== 200) failures++;
      return 2;
    });
    const seconds = (performance.now() - t1) / 1000;
    out.httpOpsPerSec = Math.round(ops / seconds);
    out.httpRoundTripsPerSec = Math.round(ops / 2 / seconds);
    out.httpFailures = failures;
    const one = await latencies(agent, server.port, o, 1);
    out.getP50Ms1Conn = one.p50;
    out.getP99Ms1Conn = one.p99;
    const many = await latencies(agent, server.port, o, o.connections);
    out.getP50MsManyConn = many.p50;
    out.getP99MsManyConn = many.p99;
  } finally {
    agent.destroy();
    server.child.kill('SIGTERM');
    await new Promise((r) => server.child.once('exit', r));
    rmSync(dataDir, { recursive: true, force: true });
  }
  return out;
}

/** What `pnpm bench documents` takes (checked by bench/run.ts before the run). */
export const options: SuiteOptions = {
  connections: 'number',
  seconds: 'number',
  documents: 'number',
  'get-queries': 'number',
  'skip-floor': 'flag',
};

export async function run(args: string[]): Promise<Record<string, unknown>> {
  const o = parseArgs(args);
  const result: Record<string, unknown> = { connections: o.connections, seconds: o.seconds };
  if (!o.skipFloor) Object.assign(result, await floor(o));
  Object.assign(result, await overHttp(o));
  return result;
}
