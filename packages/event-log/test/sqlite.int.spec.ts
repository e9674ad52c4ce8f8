import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { expect } from 'chai';
import {
  type LogPosition,
  openSqliteEventLog,
  Position,
  SCHEMA_VERSION,
  StoreUnavailableError,
} from '../src/index';
import {
  anEvent,
  aStream,
  describeEventLogContract,
  expectRejection,
  numberedEvents,
  until,
} from './contract';

function tempFile(): { file: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'event-log-'));
  return { file: join(dir, 'events.sqlite'), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

describeEventLogContract('SQLite, one connection', async () => {
  const { file, remove } = tempFile();
  const log = await openSqliteEventLog({ file });
  return {
    log,
    async cleanup() {
      await log.close();
      remove();
    },
  };
});

describeEventLogContract('SQLite, appends through one connection, reads through another', async () => {
  const { file, remove } = tempFile();
  const log = await openSqliteEventLog({ file });
  const second = await openSqliteEventLog({ file });
  return {
    log,
    second,
    async cleanup() {
      await log.close();
      await second.close();
      remove();
    },
  };
});

describe('SQLite event log', function () {
  this.timeout(30_000);
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'event-log-'));
    file = join(dir, 'events.sqlite');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('decodes an event once for all subscriptions of the log and hands it out frozen', async () => {
    const log = await openSqliteEventLog({ file });
    try {
      const seen: Array<Array<{ data: unknown }>> = [[], []];
      const subs = seen.map((into) => log.subscribe({ handle: (events) => void into.push(...events) }));
      await log.append(aStream(), [anEvent('t.e', { nested: { list: [1, 2] } })]);
      await until(() => seen.every((s) => s.length === 1));
      const [a, b] = [seen[0]![0]!, seen[1]![0]!];
      expect(a).to.equal(b);
      expect(() => {
        (a.data as { nested: { list: number[] } }).nested.list.push(3);
      }).to.throw(TypeError);
      expect(a.data).to.deep.equal({ nested: { list: [1, 2] } });
      await Promise.all(subs.map((s) => s.stop()));
    } finally {
      await log.close();
    }
  });

  describe('opening', () => {
    it("refuses a file that is not a SQLite database with reason 'not_a_database', naming the file", async () => {
      writeFileSync(file, 'this is a CSV export, not a database\n'.repeat(200));

      const error = await expectRejection(openSqliteEventLog({ file }));

      expect(error).to.be.instanceOf(StoreUnavailableError);
      expect((error as StoreUnavailableError).reason).to.equal('not_a_database');
      expect(error.message).to.contain(file).and.to.contain('not a SQLite database');
    });

    it("refuses a file written by a newer schema with reason 'newer_schema', leaving it untouched", async () => {
      const log = await openSqliteEventLog({ file });
      await log.append(aStream(), [anEvent('t.e')]);
      await log.close();
      const db = new Database(file);
      db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
      db.close();

      const error = await expectRejection(openSqliteEventLog({ file }));

      expect(error).to.be.instanceOf(StoreUnavailableError);
      expect((error as StoreUnavailableError).reason).to.equal('newer_schema');
      expect(error.message)
        .to.contain(file)
        .and.to.contain(`schema version ${SCHEMA_VERSION + 1}`);
      const check = new Database(file, { readonly: true });
      expect(check.prepare('SELECT count(*) FROM events').pluck().get()).to.equal(1);
      check.close();
    });

    it('reopens an existing log with its events and keeps counting positions', async () => {
      const first = await openSqliteEventLog({ file });
      const a = await first.append(aStream(), [anEvent('t.e')]);
      await first.close();
      const again = await openSqliteEventLog({ file });
      const b = await again.append(aStream(), [anEvent('t.e')]);
      expect(Position.compare(a.position, b.position)).to.equal(-1);
      expect(await again.readAll()).to.have.length(2);
      await again.close();
    });

    it('rejects calls after close with reason closed', async () => {
      const log = await openSqliteEventLog({ file });
      await log.close();
      const error = await expectRejection(log.append(aStream(), [anEvent('t.e')]));
      expect((error as StoreUnavailableError).reason).to.equal('closed');
    });
  });

  describe('writing', () => {
    it("reports a full disk as StoreUnavailableError 'disk_full' and leaves the log unchanged", async () => {
      // A page quota makes SQLite fail exactly as on a full disk (SQLITE_FULL).
      const setup = await openSqliteEventLog({ file });
      await setup.append(aStream(), [anEvent('t.e')]);
      await setup.close();
      const pages = (() => {
        const db = new Database(file);
        const n = db.pragma('page_count', { simple: true }) as number;
        db.close();
        return n;
      })();
      const log = await openSqliteEventLog({ file, maxPageCount: pages + 2 });
      const head = await log.headPosition();

      const error = await expectRejection(
        log.appendMany(
          Array.from({ length: 50 }, () => ({ stream: aStream(), events: numberedEvents('t.', 20) })),
        ),
      );

      expect(error).to.be.instanceOf(StoreUnavailableError);
      expect((error as StoreUnavailableError).reason).to.equal('disk_full');
      expect(Position.equals(await log.headPosition(), head)).to.equal(true);
      expect(await log.readAll()).to.have.length(1);
      await log.close();
    });

    it('commits appends that arrive together in one transaction (group commit)', async () => {
      const log = await openSqliteEventLog({ file });
      await log.append(aStream(), [anEvent('t.e')]);
      const before = walCommits(file);

      await Promise.all(Array.from({ length: 16 }, () => log.append(aStream(), numberedEvents('t.', 10))));

      expect(walCommits(file) - before).to.equal(1);
      expect(await log.readAll()).to.have.length(161);
      await log.close();
    });

    it('acknowledges an append only once a sync of the -wal file that began after its commit has finished, in commit order', async () => {
      const syncs: Array<() => void> = [];
      const log = await openSqliteEventLog({
        file,
        syncWal: () => new Promise<void>((resolve) => syncs.push(resolve)),
      });
      const acked: string[] = [];
      const a = log.append(aStream(), [anEvent('t.a')]).then(() => acked.push('a'));
      await until(() => syncs.length === 1, 2000, 'the first sync');
      // Committed while the first sync runs: that sync may not cover it, so it starts its own.
      const b = log.append(aStream(), [anEvent('t.b')]).then(() => acked.push('b'));
      const c = log.append(aStream(), [anEvent('t.c')]).then(() => acked.push('c'));
      await until(() => syncs.length === 2, 2000, 'the second sync');
      await new Promise((r) => setTimeout(r, 20));
      expect(acked).to.deep.equal([]);

      // The later commit's sync ends first: it still waits for the earlier commit.
      syncs[1]!();
      await new Promise((r) => setTimeout(r, 20));
      expect(acked).to.deep.equal([]);
      syncs[0]!();
      await Promise.all([a, b, c]);
      expect(acked).to.deep.equal(['a', 'b', 'c']);
      // b and c were committed together: one sync for both.
      expect(syncs).to.have.length(2);
      await log.close();
    });

    it("fails a later commit whose own sync succeeded when an earlier commit's sync failed", async () => {
      const syncs: Array<{ resolve(): void; reject(e: Error): void }> = [];
      const log = await openSqliteEventLog({
        file,
        syncWal: () => new Promise<void>((resolve, reject) => syncs.push({ resolve, reject })),
      });
      const a = expectRejection(log.append(aStream(), [anEvent('t.a')]));
      await until(() => syncs.length === 1, 2000, 'the first sync');
      const b = expectRejection(log.append(aStream(), [anEvent('t.b')]));
      await until(() => syncs.length === 2, 2000, 'the second sync');
      syncs[1]!.resolve();
      syncs[0]!.reject(Object.assign(new Error('EIO'), { code: 'EIO' }));
      const [ea, eb] = await Promise.all([a, b]);
      expect(ea).to.be.instanceOf(StoreUnavailableError);
      // Its frames follow the lost ones in the -wal file: it is not durable either.
      expect(eb).to.equal(ea);
      await log.close();
    });

    it('fails an append whose sync failed with StoreUnavailableError, and writes nothing after it', async () => {
      let fail = false;
      const log = await openSqliteEventLog({
        file,
        syncWal: () =>
          fail
            ? Promise.reject(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }))
            : Promise.resolve(),
      });
      await log.append(aStream(), [anEvent('t.before')]);
      fail = true;

      const error = await expectRejection(log.append(aStream(), [anEvent('t.unsynced')]));
      expect(error).to.be.instanceOf(StoreUnavailableError);
      expect((error as Error).message).to.match(/syncing the -wal file failed \(EIO\)/);
      fail = false;
      const later = await expectRejection(log.append(aStream(), [anEvent('t.after')]));
      expect(later).to.equal(error);
      expect(log.writeFailure!()).to.equal(error);
      expect((await log.readAll()).map((e) => e.type)).to.not.include('t.after');
      await log.close();
    });

    it('keeps every acknowledged append when the writing process is killed with SIGKILL', async () => {
      await (await openSqliteEventLog({ file })).close();
      const child = spawnAppender(file, 't.', 100_000, 0);
      const acknowledged: string[] = [];
      child.lines((id) => acknowledged.push(id));
      await until(() => acknowledged.length >= 200, 20_000, '200 acknowledged appends');
      child.process.kill('SIGKILL');
      await child.exited;

      const log = await openSqliteEventLog({ file });
      const stored = new Set((await log.readAll()).map((e) => e.id));
      const lost = acknowledged.filter((id) => !stored.has(id));
      await log.close();
      expect(lost).to.deep.equal([]);
    });
  });

  describe('subscriptions', () => {
    it("delivers another writer's event that lies between two of its own connection's unwanted commits, before any poll", async () => {
      // A poll interval far beyond the test: only data_version can tell the subscription.
      const log = await openSqliteEventLog({ file, pollIntervalMs: 600_000 });
      const seen: string[] = [];
      const checkpoints: bigint[] = [];
      let live = false;
      const subscription = log.subscribe({
        filter: { typePrefixes: ['wanted.'] },
        handle: (events) => {
          for (const e of events) seen.push(e.type);
        },
        onCheckpoint: (p) => checkpoints.push(p.commit),
        onCaughtUp: () => {
          live = true;
        },
      });
      await until(() => live, 2000, 'live');
      await log.append(aStream(), [anEvent('noise.one')]);
      await until(() => checkpoints.length > 0, 2000, 'the first checkpoint');
      // Another connection (as another process would) appends an event the subscription wants.
      const other = new Database(file);
      other
        .prepare(
          `INSERT INTO events (stream, revision, id, type, is_binary, data, metadata, recorded)
           VALUES ('other-stream', 0, 'e-other', 'wanted.other', 0, '{}', NULL, ?)`,
        )
        .run(Date.now());
      other.close();
      const head = (await log.append(aStream(), [anEvent('noise.two')])).position.commit;

      await until(() => seen.includes('wanted.other'), 2000, 'the other connection’s event');
      await until(() => checkpoints.at(-1) === head, 2000, 'the checkpoint at the head');
      expect(seen).to.deep.equal(['wanted.other']);
      await subscription.stop();
      await log.close();
    });

    it("moves past its own connection's unwanted commits and still delivers a wanted one after them", async () => {
      const log = await openSqliteEventLog({ file, pollIntervalMs: 600_000 });
      const seen: string[] = [];
      let checkpoint = 0n;
      let live = false;
      const subscription = log.subscribe({
        filter: { typePrefixes: ['wanted.'] },
        handle: (events) => {
          for (const e of events) seen.push(`${e.type}@${e.position.commit}`);
        },
        onCheckpoint: (p) => {
          checkpoint = p.commit;
        },
        onCaughtUp: () => {
          live = true;
        },
      });
      await until(() => live, 2000, 'live');
      let last = 0n;
      for (let i = 0; i < 20; i++) last = (await log.append(aStream(), [anEvent('noise.n')])).position.commit;
      await until(() => checkpoint === last, 2000, 'the checkpoint past the noise');
      const wanted = (await log.append(aStream(), [anEvent('wanted.one')])).position.commit;
      await until(() => seen.length === 1, 2000, 'the wanted event');
      expect(seen).to.deep.equal([`wanted.one@${wanted}`]);
      await subscription.stop();
      await log.close();
    });

    it('advances onCheckpoint through a stretch the filter drops entirely', async () => {
      const log = await openSqliteEventLog({ file });
      await log.append(aStream(), [anEvent('keep.a'), anEvent('drop.b'), anEvent('drop.c')]);
      const last = await log.append(aStream(), [anEvent('drop.d')]);
      const checkpoints: LogPosition[] = [];
      const handled: string[] = [];
      const subscription = log.subscribe({
        filter: { typePrefixes: ['keep.'] },
        handle: (events) => {
          handled.push(...events.map((e) => e.type));
        },
        onCheckpoint: (p) => checkpoints.push(p),
      });
      await until(
        () => checkpoints.some((p) => Position.equals(p, last.position)),
        5_000,
        'checkpoint at head',
      );
      await log.append(aStream(), [anEvent('drop.e')]);
      const head = await log.headPosition();
      await until(
        () => checkpoints.some((p) => Position.equals(p, head)),
        5_000,
        'checkpoint after live drop',
      );
      await subscription.stop();
      expect(handled).to.deep.equal(['keep.a']);
    });

    it("sees another OS process's appends promptly while subscribed", async () => {
      const log = await openSqliteEventLog({ file, pollIntervalMs: 25 });
      const seen = new Map<string, number>();
      const subscription = log.subscribe({
        filter: { typePrefixes: ['other.'] },
        handle: (events) => {
          for (const e of events) seen.set(e.id, Date.now());
        },
      });
      const child = spawnAppender(file, 'other.', 20, 20);
      const acknowledged = new Map<string, number>();
      child.lines((id) => acknowledged.set(id, Date.now()));
      await child.exited;
      await until(() => seen.size >= 20, 5_000, "the other process's 20 events");
      await subscription.stop();
      await log.close();

      expect([...seen.keys()].sort()).to.deep.equal([...acknowledged.keys()].sort());
      const delays = [...acknowledged].map(([id, at]) => seen.get(id)! - at);
      // Polling every 25 ms: each event arrives well within a second of its acknowledgement.
      expect(Math.max(...delays)).to.be.lessThan(500);
    });
  });
});

/** Number of commit frames in the -wal file (a frame whose header records the database size). */
function walCommits(file: string): number {
  const wal = readFileSync(`${file}-wal`);
  const pageSize = wal.readUInt32BE(8);
  const salt = wal.readUInt32BE(16);
  let commits = 0;
  for (let offset = 32; offset + 24 + pageSize <= wal.length; offset += 24 + pageSize) {
    // Frames left over from before a WAL reset carry an older salt.
    if (wal.readUInt32BE(offset + 8) !== salt) break;
    if (wal.readUInt32BE(offset + 4) !== 0) commits++;
  }
  return commits;
}

const here = dirname(fileURLToPath(import.meta.url));

function spawnAppender(file: string, prefix: string, count: number, delayMs: number) {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(here, 'support', 'append-from-child.ts'),
      file,
      prefix,
      String(count),
      String(delayMs),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    process: child,
    exited,
    lines(onLine: (line: string) => void) {
      let buffered = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        buffered += chunk.toString();
        const parts = buffered.split('\n');
        buffered = parts.pop()!;
        for (const line of parts) if (line) onLine(line);
      });
    },
  };
}
