import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type EventLog, openSqliteEventLog } from '@lrs/event-log';
import { expect } from 'chai';
import { ReferenceDirectory } from '../src/reference-directory';
import { HOME, officialId } from './support/builders';

const here = dirname(fileURLToPath(import.meta.url));

describe('the officials directory a roster is checked against', () => {
  let dir: string;
  let file: string;
  let server: EventLog;
  let directory: ReferenceDirectory;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'reference-directory-'));
    file = join(dir, 'events.sqlite');
    // The server's log polls for other processes' commits only every minute here, so nothing but
    // catchUp can make it see the other process's write within the test.
    server = await openSqliteEventLog({ file, pollIntervalMs: 60_000 });
    directory = await ReferenceDirectory.start(server);
  });
  afterEach(async () => {
    await directory.stop();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('knows an official that another process recorded just before the roster arrived', async () => {
    const id = officialId(7);
    await promisify(execFile)(process.execPath, [
      '--import',
      'tsx',
      join(here, 'support', 'record-official.ts'),
      file,
      id,
      HOME,
      '김민지',
    ]);
    expect(directory.resolve(id), 'not seen before catching up').to.equal(null);
    await directory.catchUp();
    expect(directory.resolve(id)).to.include({ objectType: 'Agent', name: '김민지' });
  });
});
