import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { EventLog } from '@lrs/event-log';
import { openEsdbEventLog, openSqliteEventLog } from '@lrs/event-log';
import { expect } from 'chai';
import { fingerprint, startProjection } from '../src/index';
import { appendVisits, tallyProjection } from './support/tally-projection';
import { tempDir } from './support/temp-dir';

const url = process.env.ESDB_URL;

/** Builds the tally projection over `log` after appending the same events, returns its fingerprint. */
async function fingerprintOver(log: EventLog, prefix: string, dataDir: string): Promise<string> {
  await appendVisits(log, 300, { noiseEvery: 4, typePrefix: prefix, perAppend: 25 });
  const last = await log.append(`${prefix}-admin`, [{ type: `${prefix}noise.ignored`, data: { n: -1 } }]);
  const projection = tallyProjection({ typePrefix: prefix });
  const running = await startProjection(log, projection, { dataDir, maxBatchSize: 37 });
  expect(await running.waitFor(last.position, 20_000)).to.equal(true);
  const result = fingerprint(running.readDb(), projection);
  await running.stop();
  return result;
}

describe('fingerprint across adapters', () => {
  if (!url) {
    before(function () {
      console.log(
        '    cross-adapter fingerprint SKIPPED: ESDB_URL is not set (e.g. esdb://localhost:2113?tls=false)',
      );
      this.skip();
    });
    it('is the same for the same events on SQLite and EventStoreDB');
    return;
  }

  it('is the same for the same events on SQLite and EventStoreDB', async function () {
    this.timeout(60_000);
    const tmp = tempDir();
    // The server's $all holds other runs' events: a fresh type prefix isolates this one.
    const prefix = `fp${randomUUID().slice(0, 8)}.`;
    const sqlite = await openSqliteEventLog({ file: join(tmp.dir, 'log.sqlite') });
    const esdb = await openEsdbEventLog({ connectionString: url });
    try {
      const onSqlite = await fingerprintOver(sqlite, prefix, join(tmp.dir, 'sqlite'));
      const onEsdb = await fingerprintOver(esdb, prefix, join(tmp.dir, 'esdb'));
      expect(onEsdb).to.equal(onSqlite);
    } finally {
      await sqlite.close();
      await esdb.close();
      tmp.cleanup();
    }
  });
});
