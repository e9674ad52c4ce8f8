// The migration runner (decision 080) refuses what it could not verify and records nothing as
// done, leaving the log as it was, when the log read after sealing means something else than
// before.
import { mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type JsonObject, openSqliteEventLog } from '@lrs/event-log';
import { expect } from 'chai';
import { KeyStore, logMigration, MigrationMismatch, MigrationRefused, migratePlaintextLog } from '../src';

/** What the promise was rejected with (undefined when it resolved). */
async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return error;
  }
}

describe('migratePlaintextLog (decision 080)', () => {
  let dir: string;
  let keys: KeyStore;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'privacy-migration-'));
    keys = KeyStore.open(join(dir, 'keys.sqlite'));
    const log = await openSqliteEventLog({ file: join(dir, 'events.sqlite') });
    await log.append('note-1', [{ type: 'test.note', data: { text: 'call Ada on Monday' } }]);
    await log.close();
  });
  afterEach(() => {
    keys.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const exclusive = () => openSqliteEventLog({ file: join(dir, 'events.sqlite'), exclusive: true });
  const identity = (e: { stream: string; data: unknown }) => ({
    stream: e.stream,
    data: e.data as JsonObject,
  });

  it('fails loudly, recording nothing as done, when the fingerprints after differ from before', async () => {
    const log = await exclusive();
    try {
      const failure = await rejectionOf(
        migratePlaintextLog({
          log,
          keys,
          // A "sealer" that changes what the event says: the opener cannot give the text back.
          sealers: new Map([['test.note', (e) => ({ stream: e.stream, data: { text: 'something else' } })]]),
          openers: new Map([['test.note', identity]]),
        }),
      );
      expect(failure).to.be.instanceOf(MigrationMismatch);
      const { before, after } = failure as MigrationMismatch;
      expect(before.log).to.not.equal(after.log);
      expect(await logMigration(log)).to.equal(null);
      // The log is as it was, and the copy is gone (a next run starts over).
      expect((await log.readAll()).map((e) => e.data)).to.deep.equal([{ text: 'call Ada on Monday' }]);
      expect(readdirSync(dir).filter((f) => f.includes('.rewrite'))).to.deep.equal([]);
    } finally {
      await log.close();
    }
  });

  it('gives a sealer its event frozen: one that changes its input (which would change what it is compared with) fails loudly', async () => {
    const log = await exclusive();
    try {
      const failure = await rejectionOf(
        migratePlaintextLog({
          log,
          keys,
          sealers: new Map([
            [
              'test.note',
              (e) => {
                (e.data as { text: string }).text = 'something else';
                return { stream: e.stream, data: e.data as JsonObject };
              },
            ],
          ]),
          openers: new Map([['test.note', identity]]),
        }),
      );
      expect(failure).to.be.instanceOf(TypeError);
      expect((failure as Error).message).to.match(/read only/);
      expect(await logMigration(log)).to.equal(null);
      expect((await log.readAll()).map((e) => e.data)).to.deep.equal([{ text: 'call Ada on Monday' }]);
    } finally {
      await log.close();
    }
  });

  it('refuses a sealer without an opener, and a log not opened exclusively', async () => {
    const log = await exclusive();
    try {
      const failure = await rejectionOf(
        migratePlaintextLog({
          log,
          keys,
          sealers: new Map([['test.note', identity]]),
          openers: new Map(),
        }),
      );
      expect((failure as Error).message).to.include('no opener for test.note');
    } finally {
      await log.close();
    }
    const shared = await openSqliteEventLog({ file: join(dir, 'events.sqlite') });
    try {
      const failure = await rejectionOf(migratePlaintextLog({ log: shared, keys }));
      expect(failure).to.be.instanceOf(MigrationRefused);
    } finally {
      await shared.close();
    }
  });

  it('an identity rewrite verifies, is recorded once, and a second run is a no-op', async () => {
    const types = {
      keys,
      sealers: new Map([['test.note', identity]]),
      openers: new Map([['test.note', identity]]),
    };
    const log = await exclusive();
    const first = await migratePlaintextLog({ log, ...types });
    expect(first.status).to.equal('migrated');
    expect(first.record.sealed).to.deep.equal({ 'test.note': 1 });
    expect(first.record.fingerprintAfter).to.equal(first.record.fingerprintBefore);
    // The copy took the log's place and the log given was closed with the old file.
    expect(readdirSync(dir).filter((f) => f.startsWith('events.sqlite'))).to.deep.equal(['events.sqlite']);
    await log.close();
    const again = await exclusive();
    try {
      const second = await migratePlaintextLog({ log: again, ...types });
      expect(second.status).to.equal('already-migrated');
      expect(second.record).to.deep.equal(first.record);
    } finally {
      await again.close();
    }
  });

  it('starts over when the copy beside the log was made from another log', async () => {
    // A copy left by a run on another log (say, one restored from a backup since).
    const other = await openSqliteEventLog({ file: join(dir, 'other.sqlite'), exclusive: true });
    const stray = await other.rewriting!().openCopy();
    stray.rewriting!().copyIn([], {
      name: 'privacy-migration',
      value: { after: '0', source: 'sqlite:another' },
    });
    await stray.close();
    await other.close();
    renameSync(join(dir, 'other.sqlite.rewrite'), join(dir, 'events.sqlite.rewrite'));
    const log = await exclusive();
    try {
      const outcome = await migratePlaintextLog({
        log,
        keys,
        sealers: new Map([['test.note', identity]]),
        openers: new Map([['test.note', identity]]),
      });
      expect(outcome.record.events).to.equal(1);
      expect(outcome.record.sealed).to.deep.equal({ 'test.note': 1 });
    } finally {
      await log.close();
    }
  });
});
