import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type EventLog, type EventToAppend, openSqliteEventLog } from '@lrs/event-log';
import { SUBJECT_ERASED } from '@lrs/events';
import { expect } from 'chai';
import { KeyStore } from '../src/key-store';
import { assertKeyStoreBelongsToLog } from '../src/log-keys';
import { LOG_MIGRATED } from '../src/migration';

/**
 * A new key store beside a log that was written with one is refused (decision 065): here the
 * signs that are not a sealed statement or record, an erasure and a migration, each found after a
 * plaintext statement written before sealing existed.
 */
describe('a new key store beside a log that already had one (decision 065)', () => {
  let dir: string;
  let log: EventLog;
  let keys: KeyStore;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'log-keys-'));
    log = await openSqliteEventLog({ file: join(dir, 'events.sqlite') });
    keys = KeyStore.open(join(dir, 'keys.sqlite'));
    const plaintext: EventToAppend = {
      type: 'xapi.statement.stored',
      data: {
        statement: {
          id: 'f1b2c3d4-0000-4000-8000-000000000001',
          actor: { name: 'Kim Minji', mbox: 'mailto:minji@example.kr' },
          verb: { id: 'http://adlnet.gov/expapi/verbs/completed' },
          object: { id: 'https://example.org/courses/ethics' },
        },
        credential: 'lms',
      },
    };
    await log.append('xapi-statement-1', [plaintext], { expectedRevision: 'no_stream' });
  });
  afterEach(async () => {
    keys.close();
    await log.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const refusal = () =>
    assertKeyStoreBelongsToLog(log, keys).then(
      () => undefined,
      (e: unknown) => e,
    );

  it('accepts it beside a log written before sealing, with no erasure and no migration', async () => {
    expect(await refusal()).to.equal(undefined);
  });

  for (const [what, type] of [
    ['an erasure', SUBJECT_ERASED],
    ['a finished migration', LOG_MIGRATED],
  ] as const) {
    it(`refuses it when the log records ${what}`, async () => {
      await log.append(`${type}-1`, [{ type, data: { note: 'no personal data' } }], {
        expectedRevision: 'no_stream',
      });
      expect(String(await refusal())).to.match(
        /the log holds sealed personal data but the key store .* is new/,
      );
    });
  }

  it('accepts a key store that was used, whatever the log holds', async () => {
    await log.append(`${SUBJECT_ERASED}-1`, [{ type: SUBJECT_ERASED, data: {} }], {
      expectedRevision: 'no_stream',
    });
    keys.subjects(['mbox:mailto:minji@example.kr']);
    expect(await refusal()).to.equal(undefined);
  });
});
