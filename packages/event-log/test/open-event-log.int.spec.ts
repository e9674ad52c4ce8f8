import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { openEventLog } from '../src/index';
import { anEvent, aStream } from './contract';

describe('openEventLog', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'event-log-open-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('opens SQLite at <dataDir>/events.sqlite, creating the directory, when no EventStoreDB URL is set', async () => {
    const dataDir = join(dir, 'nested', 'data');
    const log = await openEventLog({ dataDir });
    await log.append(aStream(), [anEvent('t.e')]);
    await log.close();
    expect(log.kind).to.equal('sqlite');
    expect(existsSync(join(dataDir, 'events.sqlite'))).to.equal(true);
  });

  it('picks EventStoreDB when a connection string is set, without touching dataDir', async () => {
    const dataDir = join(dir, 'unused');
    // The client connects lazily: nothing is contacted until the first call.
    const log = await openEventLog({ dataDir, esdbUrl: 'esdb://127.0.0.1:1?tls=false' });
    await log.close();
    expect(log.kind).to.equal('eventstoredb');
    expect(existsSync(dataDir)).to.equal(false);
  });
});
