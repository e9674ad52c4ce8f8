/**
 * Connectors benchmark (rosters and remote pulls).
 *
 *   pnpm bench connectors [--rows N] [--pull N] [--page P] [--skip-roster] [--skip-pull]
 *
 * 1. roster: a N-row CSV roster (default 10,000; target ≤ 5 s) parsed, checked and imported
 *    through RosterService → StatementStore on a fresh SQLite log; then the same roster again
 *    (nothing changes). Floor: StatementStore storing the same statements, chunks of 1,000.
 * 2. pull: N statements (default 100,000; target ≥ 5,000/s) served by nock as pages of P
 *    (default 1,000) linked by `more`, pulled by RemotePuller into a fresh log. Floor:
 *    StatementStore storing the same statements in batches of P without HTTP.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SecretBox } from '@lrs/auth';
import { openSqliteEventLog } from '@lrs/event-log';
import { parseSourceConfig, RemotePuller, RosterService } from '@lrs/service-connectors';
import { StatementStore } from '@lrs/service-lrs';
import type { Agent, Statement } from '@lrs/xapi';
import nock from 'nock';
import { numberOption, type SuiteOptions } from '../lib/options';
import { generateStatements } from '../lib/statements';

const num = numberOption;

async function freshStore() {
  const dir = mkdtempSync(join(tmpdir(), 'bench-connectors-'));
  const log = await openSqliteEventLog({ file: join(dir, 'events.sqlite') });
  return {
    log,
    store: new StatementStore(log),
    async close() {
      await log.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const AUTHORITY: Agent = {
  objectType: 'Agent',
  name: 'centre',
  account: { homePage: 'https://gov.example', name: 'centre' },
};

async function roster(rows: number) {
  const names = ['김민준', '王小明', 'Nguyễn Thị Lan', '이서연', '陈静'];
  const directory = {
    resolve: (id: string): Agent | null =>
      id.startsWith('KR-')
        ? {
            objectType: 'Agent',
            name: names[id.length % 5]!,
            account: { homePage: 'https://officials.gov.example', name: id },
          }
        : null,
  };
  const catalog = { has: () => true };
  const lines = ['\uFEFFofficial_id,name,minutes,status'];
  for (let i = 0; i < rows; i++)
    lines.push(`KR-${i},"${names[i % 5]}",${i % 7 === 0 ? 90 : 180},${i % 7 === 0 ? 'partial' : 'attended'}`);
  const csv = lines.join('\n');
  const session = {
    activityId: 'https://training.gov.example/courses/ethics-101',
    title: { ko: '공직윤리 교육' },
    start: '2024-05-02T09:00:00+09:00',
    end: '2024-05-02T12:00:00+09:00',
    timeZone: 'Asia/Seoul',
    instructor: 'KR-0',
    offeringId: 'ETH-2024-05-A',
  };
  const s = await freshStore();
  const service = new RosterService({ log: s.log, writer: s.store, directory, catalog });
  const by = { authority: AUTHORITY, id: 'centre' };
  let t = performance.now();
  const result = await service.import({ session, csv }, by);
  const importMs = performance.now() - t;
  t = performance.now();
  const again = await service.import({ session, csv }, by);
  const reimportMs = performance.now() - t;
  if (result.written !== rows || again.written !== 0)
    throw new Error('roster import did not write what it should');
  await s.close();

  // Floor: the same number of statements stored directly, chunks of 1,000.
  const f = await freshStore();
  const statements = generateStatements(rows).map((g) => g as unknown as Statement);
  t = performance.now();
  for (let i = 0; i < statements.length; i += 1000) {
    await f.store.store({
      statements: statements.slice(i, i + 1000),
      version: '1.0.3',
      authority: AUTHORITY,
      writer: 'floor',
    });
  }
  const floorMs = performance.now() - t;
  await f.close();
  return {
    rosterRows: rows,
    rosterImportMs: Math.round(importMs),
    rosterReimportMs: Math.round(reimportMs),
    rosterFloorStoreMs: Math.round(floorMs),
  };
}

async function pull(count: number, pageSize: number) {
  const remote = 'https://lms.bench';
  const base = Date.UTC(2024, 0, 1);
  const statements = generateStatements(count, { seed: 7 }).map((g, i) => {
    const stored = new Date(base + i).toISOString();
    return {
      ...(g as unknown as Statement),
      id: randomUUID(),
      stored,
      timestamp: stored,
      authority: AUTHORITY,
    } as Statement;
  });
  const pages: string[] = [];
  for (let i = 0; i < count; i += pageSize) {
    const more = i + pageSize < count ? `/xapi/statements/more/${i / pageSize + 1}` : '';
    pages.push(JSON.stringify({ statements: statements.slice(i, i + pageSize), more }));
  }
  nock.disableNetConnect();
  nock(remote)
    .persist()
    .get(/^\/xapi\/statements(\/more\/\d+)?(\?.*)?$/)
    .reply((uri) => {
      const m = /\/more\/(\d+)/.exec(uri);
      return [200, pages[m ? Number(m[1]) : 0]!, { 'Content-Type': 'application/json' }];
    });
  const s = await freshStore();
  const puller = await RemotePuller.start(
    { log: s.log, writer: s.store, secrets: SecretBox.fromKey(randomBytes(32).toString('base64')) },
    { schedule: false },
  );
  await puller.configure(
    parseSourceConfig({ id: 'bench', endpoint: `${remote}/xapi/`, auth: { token: 't' }, pageSize }),
    'bench',
  );
  let t = performance.now();
  const outcome = await puller.pullOnce('bench');
  const pullMs = performance.now() - t;
  await puller.stop();
  await s.close();
  nock.cleanAll();
  if (outcome.stored !== count)
    throw new Error(`pulled ${outcome.stored} of ${count}: ${outcome.error ?? ''}`);

  const f = await freshStore();
  const bare = statements.map(({ stored: _s, ...rest }) => rest);
  t = performance.now();
  for (let i = 0; i < count; i += pageSize) {
    await f.store.store({
      statements: bare.slice(i, i + pageSize),
      version: '1.0.3',
      authority: AUTHORITY,
      writer: 'floor',
      preserveAuthority: true,
    });
  }
  const floorMs = performance.now() - t;
  await f.close();
  return {
    pulled: count,
    pullMs: Math.round(pullMs),
    pullStatementsPerSecond: Math.round(count / (pullMs / 1000)),
    pullFloorStatementsPerSecond: Math.round(count / (floorMs / 1000)),
  };
}

/** What `pnpm bench connectors` takes (checked by bench/run.ts before the run). */
export const options: SuiteOptions = {
  rows: 'number',
  pull: 'number',
  page: 'number',
  'skip-roster': 'flag',
  'skip-pull': 'flag',
};

export async function run(args: string[]): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  if (!args.includes('--skip-roster')) Object.assign(out, await roster(num(args, 'rows', 10_000)));
  if (!args.includes('--skip-pull'))
    Object.assign(out, await pull(num(args, 'pull', 100_000), num(args, 'page', 1000)));
  return out;
}
