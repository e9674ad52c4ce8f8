import { createHash } from 'node:crypto';
import { Position } from '@lrs/event-log';
import Database from 'better-sqlite3';
import canonicalize from 'canonicalize';
import { expect } from 'chai';
import { defineProjection, fingerprint, fingerprints, replayProjection, startProjection } from '../src/index';
import { MemoryEventLog } from './support/memory-log';
import { appendVisits, tallyProjection } from './support/tally-projection';
import { tempDir } from './support/temp-dir';

describe('fingerprint', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    tmp = tempDir();
  });
  afterEach(() => tmp.cleanup());

  async function liveFingerprint(log: MemoryEventLog, maxBatchSize: number, dir: string): Promise<string> {
    const projection = tallyProjection();
    const running = await startProjection(log, projection, { dataDir: dir, maxBatchSize });
    await running.caughtUp();
    const result = fingerprint(running.readDb(), projection);
    await running.stop();
    return result;
  }

  it('is the same whatever the batch sizes and whether built live or by replay', async () => {
    const log = new MemoryEventLog();
    await appendVisits(log, 700, { noiseEvery: 5 });

    const fingerprints = [
      await liveFingerprint(log, 1, `${tmp.dir}/b1`),
      await liveFingerprint(log, 33, `${tmp.dir}/b33`),
      await liveFingerprint(log, 5000, `${tmp.dir}/b5000`),
      (
        await replayProjection(log, tallyProjection(), {
          upTo: Position.of(700n),
          file: `${tmp.dir}/r.sqlite`,
          batchSize: 64,
        })
      ).fingerprint,
    ];

    expect(new Set(fingerprints).size).to.equal(1);
    expect(fingerprints[0]).to.match(/^[0-9a-f]{64}$/);
  });

  it('changes when one event more is applied', async () => {
    const log = new MemoryEventLog();
    await appendVisits(log, 50);
    const before = await liveFingerprint(log, 10, `${tmp.dir}/a`);
    await appendVisits(log, 1, { from: 50 });

    expect(await liveFingerprint(log, 10, `${tmp.dir}/b`)).to.not.equal(before);
  });

  it('orders rows by a positional column without hashing its values (the same events at other positions)', () => {
    const definition = (positional?: string[]) =>
      ({
        name: 'p',
        tables: [{ name: 'fact', key: ['seq', 'id'], ...(positional ? { positional } : {}) }],
        embeds: [],
      }) as never;
    const model = (positions: number[]) => {
      const db = new Database(':memory:');
      db.exec('CREATE TABLE fact (seq INTEGER NOT NULL, id TEXT NOT NULL, v TEXT, PRIMARY KEY (seq, id))');
      const insert = db.prepare('INSERT INTO fact VALUES (?, ?, ?)');
      positions.forEach((p, i) => {
        insert.run(p, `s${i}`, `v${i}`);
      });
      return db;
    };
    // SQLite numbers events 1, 2, 3; EventStoreDB positions are byte offsets.
    const sqlite = model([1, 2, 3]);
    const esdb = model([1200, 1555, 20100]);
    expect(fingerprint(esdb, definition(['seq']))).to.equal(fingerprint(sqlite, definition(['seq'])));
    expect(fingerprint(esdb, definition())).to.not.equal(fingerprint(sqlite, definition()));
    // Still ordered by it: the same rows in another log order fingerprint differently.
    expect(fingerprint(model([3, 2, 1]), definition(['seq']))).to.not.equal(
      fingerprint(sqlite, definition(['seq'])),
    );
  });

  it('gives several projections of one model, read in one pass, the fingerprints each has alone', () => {
    const db = new Database(':memory:');
    db.exec('CREATE TABLE a (k INTEGER PRIMARY KEY, v TEXT); CREATE TABLE b (k INTEGER PRIMARY KEY, w REAL)');
    db.exec("INSERT INTO a VALUES (1, 'x'), (2, 'y'); INSERT INTO b VALUES (5, 0.5)");
    const table = (name: string) => ({ name, key: ['k'] });
    const outer = defineProjection({
      name: 'outer',
      version: 1,
      migrations: ['-- a and b'],
      tables: [table('b'), table('a')],
      apply: () => {},
    });
    const inner = defineProjection({
      name: 'inner',
      version: 1,
      migrations: ['-- a'],
      tables: [table('a')],
      apply: () => {},
    });
    const [both, onlyA] = fingerprints(db, [outer, inner]);
    expect(both).to.equal(fingerprint(db, outer));
    expect(onlyA).to.equal(fingerprint(db, inner));
    expect(both).to.not.equal(onlyA);
  });

  describe('value normalisation', () => {
    const projection = defineProjection({
      name: 'values',
      version: 1,
      migrations: ['CREATE TABLE t (k INTEGER, v)'],
      tables: [{ name: 't', key: ['k'] }],
      apply: () => {},
    });

    function fingerprintOf(rows: [number, unknown][]): string {
      const db = new Database(':memory:');
      db.exec('CREATE TABLE t (k INTEGER, v)');
      const insert = db.prepare('INSERT INTO t (k, v) VALUES (?, ?)');
      for (const row of rows) insert.run(...row);
      try {
        return fingerprint(db, projection);
      } finally {
        db.close();
      }
    }

    it('hashes each row as its RFC 8785 canonical JSON (checked against the canonicalize library)', () => {
      const rows: [number, unknown][] = [
        [1, null],
        [2, 'plain'],
        [3, 'ünïcode \u2028 "quoted" \\ \ud83d\ude00 \u0001'],
        [4, 0.1],
        [5, 1e21],
        [6, -0],
        [7, 2n ** 60n],
        [8, Number.POSITIVE_INFINITY],
        [9, Buffer.from([0, 255, 10])],
        [10, 123456789012345],
      ];
      const normal = (v: unknown) =>
        v === null
          ? null
          : typeof v === 'bigint'
            ? Number.isSafeInteger(Number(v))
              ? Number(v)
              : { $int: v.toString() }
            : typeof v === 'number' && !Number.isFinite(v)
              ? { $real: String(v) }
              : Buffer.isBuffer(v)
                ? { $blob: v.toString('base64') }
                : v;
      const expected = createHash('sha256');
      expected.update(`${canonicalize({ columns: ['k', 'v'], table: 't' })}\n`);
      for (const [k, v] of rows) expected.update(`${canonicalize({ v: normal(v), k })}\n`);
      expect(fingerprintOf(rows)).to.equal(expected.digest('hex'));
    });

    it('does not depend on insertion order', () => {
      expect(
        fingerprintOf([
          [1, 'a'],
          [2, 'b'],
        ]),
      ).to.equal(
        fingerprintOf([
          [2, 'b'],
          [1, 'a'],
        ]),
      );
    });

    it('tells NULL, text, numbers and blobs apart', () => {
      const variants = [null, '1', 1, 1.5, Buffer.from('1'), 2n ** 60n, ''].map((v) =>
        fingerprintOf([[1, v]]),
      );
      expect(new Set(variants).size).to.equal(variants.length);
    });

    it('orders rows with equal keys by their other columns', () => {
      expect(
        fingerprintOf([
          [1, 'x'],
          [1, 'y'],
        ]),
      ).to.equal(
        fingerprintOf([
          [1, 'y'],
          [1, 'x'],
        ]),
      );
    });

    it('ignores the checkpoint table', async () => {
      const log = new MemoryEventLog();
      await appendVisits(log, 20);
      const a = await liveFingerprint(log, 5, `${tmp.dir}/a`);
      await log.append('admin', [{ type: 'other.thing', data: {} }]);
      const projection = tallyProjection({ filtered: true });
      const running = await startProjection(log, projection, { dataDir: `${tmp.dir}/b`, maxBatchSize: 5 });
      await running.caughtUp();
      // Same visits, one more (filtered-out) event moved the checkpoint: same content.
      expect(Position.toString(running.position()!)).to.equal('21');
      const unfiltered = fingerprint(running.readDb(), projection);
      await running.stop();
      expect(unfiltered).to.equal(a);
    });
  });
});
