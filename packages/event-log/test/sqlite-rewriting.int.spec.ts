// The SQLite log's rewriting capability (decision 080): only on a log opened exclusively; the log
// is copied into a new file (positions and revisions kept, each batch atomic with its progress)
// which then takes the log's place.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import {
  copyFileOf,
  decodeRawEvent,
  type EventLog,
  openSqliteEventLog,
  type RawEvent,
  StoreUnavailableError,
} from '../src';

describe('SQLite log: rewriting into a copy that replaces it (decision 080)', () => {
  let dir: string;
  let file: string;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'event-log-rewrite-'));
    file = join(dir, 'events.sqlite');
    const log = await openSqliteEventLog({ file });
    await log.append('thing-1', [
      { type: 'thing.seen', data: { who: 'Ada' } },
      { type: 'thing.seen', data: { who: 'Grace' } },
    ]);
    await log.append('thing-2', [{ type: 'thing.seen', data: { who: 'Edsger' } }]);
    await log.close();
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is offered only by a log opened exclusively, which no other connection can open meanwhile', async () => {
    const shared = await openSqliteEventLog({ file });
    expect(shared.rewriting).to.equal(undefined);
    let refused: unknown;
    try {
      await openSqliteEventLog({ file, exclusive: true, busyTimeoutMs: 100 });
    } catch (error) {
      refused = error;
    }
    expect(refused).to.be.instanceOf(StoreUnavailableError);
    expect((refused as Error).message).to.include('is the LRS running');
    await shared.close();

    const exclusive = await openSqliteEventLog({ file, exclusive: true, busyTimeoutMs: 100 });
    let blocked: unknown;
    try {
      const other = await openSqliteEventLog({ file, busyTimeoutMs: 100 });
      await other.readAll();
      await other.close();
    } catch (error) {
      blocked = error;
    }
    expect(blocked, 'a second connection while the exclusive one is open').to.be.instanceOf(Error);
    await exclusive.close();
  });

  it('copies events as stored into a new file, each batch with its progress, positions kept', async () => {
    const log: EventLog = await openSqliteEventLog({ file, exclusive: true });
    const rewriting = log.rewriting!();
    const before = await log.readAll();
    const raw = rewriting.readRaw(0, 10);
    // Payloads as bytes (the UTF-8 of the JSON text), never decoded.
    expect(
      raw.map((r) => [r[0], r[1], r[2], r[4], Buffer.from(r[6] as Uint8Array).toString('utf8')]),
    ).to.deep.equal([
      [1, 'thing-1', 0, 'thing.seen', '{"who":"Ada"}'],
      [2, 'thing-1', 1, 'thing.seen', '{"who":"Grace"}'],
      [3, 'thing-2', 0, 'thing.seen', '{"who":"Edsger"}'],
    ]);
    expect(rewriting.readRaw(1, 1).map((r) => r[0])).to.deep.equal([2]);
    const copy = await rewriting.openCopy();
    try {
      expect(existsSync(copyFileOf(file))).to.equal(true);
      const copying = copy.rewriting!();
      expect(copying.progress('p')).to.equal(null);
      copying.copyIn(
        [
          [...raw[0]!.slice(0, 6), '{"who":"sealed-1"}', raw[0]![7], raw[0]![8]] as RawEvent,
          [raw[1]![0], 'thing-x', ...raw[1]!.slice(2)] as RawEvent,
        ],
        { name: 'p', value: { after: '2' } },
      );
      expect(copying.progress('p')).to.deep.equal({ after: '2' });
      // A batch that fails writes nothing, its progress included: a position not above the head...
      expect(() => copying.copyIn([raw[0]!], { name: 'p', value: { after: '9' } })).to.throw(
        /position 1 copied after 2/,
      );
      // ... or an event moved into a stream whose revision another event holds.
      expect(() =>
        copying.copyIn([[raw[2]![0], 'thing-1', 0, ...raw[2]!.slice(3)] as RawEvent], {
          name: 'p',
          value: { after: '3' },
        }),
      ).to.throw(/cannot move to stream 'thing-1', which holds another event at its revision/);
      expect(copying.progress('p')).to.deep.equal({ after: '2' });
      // Bytes that crossed a thread (a plain Uint8Array) are stored as bytes.
      copying.copyIn(
        [
          [
            raw[2]![0],
            'thing-2',
            0,
            raw[2]![3],
            raw[2]![4],
            1,
            new Uint8Array([1, 2, 3]),
            '{"sealed":1}',
            raw[2]![8],
          ],
        ],
        {
          name: 'p',
          value: { after: '3' },
        },
      );
      expect(decodeRawEvent(copying.readRaw(2, 1)[0]!).data).to.deep.equal(new Uint8Array([1, 2, 3]));
      expect(await log.identity()).to.not.equal(await copy.identity());
    } catch (error) {
      await copy.close();
      await log.close();
      throw error;
    }

    // The copy takes the log's place: both closed, no -wal or -shm beside it, the old payloads gone.
    await rewriting.replaceWithCopy(copy);
    expect(existsSync(copyFileOf(file))).to.equal(false);
    expect(readdirSync(dir).sort()).to.deep.equal(['events.sqlite']);
    expect(readFileSync(file).includes('Ada')).to.equal(false);
    let closed: unknown;
    try {
      await log.readAll();
    } catch (error) {
      closed = error;
    }
    expect(closed).to.be.instanceOf(StoreUnavailableError);
    const reopened = await openSqliteEventLog({ file });
    try {
      const after = await reopened.readAll();
      expect(after.map((e) => [e.position, e.revision, e.id, e.type, e.recorded.getTime()])).to.deep.equal(
        before.map((e) => [e.position, e.revision, e.id, e.type, e.recorded.getTime()]),
      );
      expect(after.map((e) => [e.stream, e.data, e.metadata])).to.deep.equal([
        ['thing-1', { who: 'sealed-1' }, {}],
        ['thing-x', { who: 'Grace' }, {}],
        ['thing-2', new Uint8Array([1, 2, 3]), { sealed: 1 }],
      ]);
      // New appends continue after the copied positions.
      const appended = await reopened.append('thing-3', [{ type: 'thing.seen', data: {} }]);
      expect(appended.position.commit).to.equal(4n);
    } finally {
      await reopened.close();
    }
  });

  it('a copy is discarded on request, and the log is left as it was', async () => {
    const log = await openSqliteEventLog({ file, exclusive: true });
    try {
      const rewriting = log.rewriting!();
      const copy = await rewriting.openCopy();
      copy.rewriting!().copyIn(rewriting.readRaw(0, 1), { name: 'p', value: { after: '1' } });
      await copy.close();
      rewriting.discardCopy();
      expect(readdirSync(dir).filter((f) => f.includes('.rewrite'))).to.deep.equal([]);
      expect((await log.readAll()).map((e) => e.data)).to.deep.equal([
        { who: 'Ada' },
        { who: 'Grace' },
        { who: 'Edsger' },
      ]);
    } finally {
      await log.close();
    }
  });
});
