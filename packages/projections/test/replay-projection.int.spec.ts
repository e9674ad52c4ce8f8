import { existsSync, statSync } from 'node:fs';
import type { EventLog } from '@lrs/event-log';
import { Position } from '@lrs/event-log';
import { expect } from 'chai';
import type { ReplayProgress } from '../src/index';
import {
  fingerprint,
  openReadOnly,
  readCheckpoint,
  readModelFile,
  replayProjection,
  startProjection,
} from '../src/index';
import { appendVisits, tallyProjection } from './support/tally-projection';
import { tempDir } from './support/temp-dir';
import { openTestLog } from './support/test-log';

describe('replayProjection', () => {
  let tmp: ReturnType<typeof tempDir>;
  let log: EventLog;
  beforeEach(async () => {
    tmp = tempDir();
    log = await openTestLog(tmp.dir);
  });
  afterEach(async () => {
    await log.close();
    tmp.cleanup();
  });

  it('equals a live projection stopped at the same position, and leaves the live model untouched', async () => {
    const projection = tallyProjection();
    await appendVisits(log, 400, { noiseEvery: 4 });
    const live = await startProjection(log, projection, { dataDir: tmp.dir, maxBatchSize: 64 });
    await live.caughtUp();
    const atPrefix = fingerprint(live.readDb(), projection);
    await live.stop();

    await appendVisits(log, 300, { from: 400 });
    const liveFile = readModelFile(tmp.dir, projection);
    const liveBefore = statSync(liveFile).mtimeMs;
    const result = await replayProjection(log, projection, {
      upTo: Position.of(400n),
      file: `${tmp.dir}/audit.sqlite`,
    });

    expect(result).to.deep.include({ eventsRead: 400, position: Position.of(400n), fingerprint: atPrefix });
    expect(statSync(liveFile).mtimeMs).to.equal(liveBefore);
    // The live model still holds its own checkpoint and content, then catches up normally.
    const liveDb = openReadOnly(liveFile);
    expect(readCheckpoint(liveDb).position).to.deep.equal(Position.of(400n));
    expect(fingerprint(liveDb, projection)).to.equal(atPrefix);
    liveDb.close();
    const again = await startProjection(log, projection, { dataDir: tmp.dir });
    await again.caughtUp();
    expect(again.position()).to.deep.equal(Position.of(700n));
    await again.stop();
  });

  it('stops at upTo even in the middle of a page', async () => {
    await appendVisits(log, 100);
    const result = await replayProjection(log, tallyProjection(), {
      upTo: Position.of(37n),
      file: `${tmp.dir}/audit.sqlite`,
      batchSize: 10,
    });
    expect(result.eventsRead).to.equal(37);
    expect(result.position).to.deep.equal(Position.of(37n));
  });

  it('reports progress after each batch', async () => {
    await appendVisits(log, 45);
    const seen: ReplayProgress[] = [];
    await replayProjection(log, tallyProjection(), {
      upTo: Position.of(45n),
      file: `${tmp.dir}/audit.sqlite`,
      batchSize: 20,
      onProgress: (p) => seen.push(p),
    });
    expect(seen.map((p) => p.eventsRead)).to.deep.equal([20, 40, 45]);
  });

  it('can be cancelled, and removes its partial scratch file', async () => {
    await appendVisits(log, 200);
    const controller = new AbortController();
    const file = `${tmp.dir}/audit.sqlite`;
    let error: unknown;
    try {
      await replayProjection(log, tallyProjection(), {
        upTo: Position.of(200n),
        file,
        batchSize: 10,
        signal: controller.signal,
        onProgress: (p) => {
          if (p.eventsRead >= 50) controller.abort();
        },
      });
    } catch (e) {
      error = e;
    }
    expect((error as Error).name).to.equal('AbortError');
    expect(existsSync(file)).to.equal(false);
  });

  it('refuses to write into an existing file', async () => {
    const projection = tallyProjection();
    const live = await startProjection(log, projection, { dataDir: tmp.dir });
    await live.stop();
    let error: unknown;
    try {
      await replayProjection(log, projection, {
        upTo: Position.of(1n),
        file: readModelFile(tmp.dir, projection),
      });
    } catch (e) {
      error = e;
    }
    expect((error as Error).message).to.contain('already exists');
  });
});
