// The SQLite log's in-place rewriting capability (decision 080): only on a log opened exclusively,
// positions and revisions kept, each batch atomic with its progress.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { type EventLog, openSqliteEventLog, StoreUnavailableError } from '../src';

describe('SQLite log: rewriting events in place (decision 080)', () => {
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

  it('replaces payloads and streams where they stand, with the progress in the same transaction', async () => {
    const log: EventLog = await openSqliteEventLog({ file, exclusive: true });
    try {
      const rewriting = log.rewriting!();
      const before = await log.readAll();
      expect(rewriting.progress('p')).to.equal(null);
      rewriting.rewrite(
        [
          { position: before[0]!.position, stream: 'thing-x', data: { who: 'sealed-1' } },
          { position: before[1]!.position, stream: 'thing-x', data: { who: 'sealed-2' } },
        ],
        { name: 'p', value: { after: '2' } },
      );
      const after = await log.readAll();
      expect(after.map((e) => [e.position, e.revision, e.id, e.type, e.recorded.getTime()])).to.deep.equal(
        before.map((e) => [e.position, e.revision, e.id, e.type, e.recorded.getTime()]),
      );
      expect(after.map((e) => [e.stream, e.data])).to.deep.equal([
        ['thing-x', { who: 'sealed-1' }],
        ['thing-x', { who: 'sealed-2' }],
        ['thing-2', { who: 'Edsger' }],
      ]);
      expect(rewriting.progress('p')).to.deep.equal({ after: '2' });

      // A batch naming a position that holds no event writes nothing, its progress included.
      expect(() =>
        rewriting.rewrite(
          [
            { position: before[2]!.position, stream: 'thing-2', data: { who: 'sealed-3' } },
            { position: { commit: 99n, prepare: 99n }, stream: 'thing-9', data: {} },
          ],
          { name: 'p', value: { after: '99' } },
        ),
      ).to.throw(/no event at position 99/);
      expect((await log.readAll())[2]!.data).to.deep.equal({ who: 'Edsger' });
      expect(rewriting.progress('p')).to.deep.equal({ after: '2' });

      // Read back as stored: the text written, and bytes and new metadata for a binary payload.
      rewriting.rewrite(
        [
          {
            position: before[2]!.position,
            stream: 'thing-2',
            data: new Uint8Array([1, 2, 3]),
            metadata: { sealed: 1 },
          },
        ],
        { name: 'p', value: { after: '3' } },
      );
      const stored = rewriting.readStored(0, 10);
      expect(stored.map((s) => s.data)).to.deep.equal([
        '{"who":"sealed-1"}',
        '{"who":"sealed-2"}',
        new Uint8Array([1, 2, 3]),
      ]);
      expect(stored[2]!.metadata).to.equal('{"sealed":1}');
      expect(stored[2]!.event.data).to.deep.equal(new Uint8Array([1, 2, 3]));
      expect(stored[2]!.event.metadata).to.deep.equal({ sealed: 1 });
      expect(
        rewriting.readStored(Number(before[1]!.position.commit), 10).map((s) => s.event.stream),
      ).to.deep.equal(['thing-2']);

      // Moving an event into a stream whose revision another event holds: refused, nothing written.
      expect(() =>
        rewriting.rewrite([{ position: before[2]!.position, stream: 'thing-x', data: {} }], {
          name: 'p',
          value: { after: '4' },
        }),
      ).to.throw(/cannot move to stream 'thing-x', which holds another event at its revision/);
      expect(rewriting.progress('p')).to.deep.equal({ after: '3' });

      const identity = await log.identity();
      expect(await rewriting.renewIdentity()).to.not.equal(identity);
      expect(rewriting.scrub({ vacuum: true }).walBytes).to.equal(0);
    } finally {
      await log.close();
    }
  });
});
