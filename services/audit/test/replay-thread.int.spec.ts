import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type EventLog, openEventLog, Position } from '@lrs/event-log';
import { expect } from 'chai';
import { type CutOff, resolveCutOff } from '../src/cut-off';
import { type ReplayManifest, replayOnWorkerThreads, replayToCutOff } from '../src/replay';
import { aLogWith } from './support/a-log-with';

/** The log, counting the reads made through this handle (a replay on a worker reads through its own). */
function counted(log: EventLog): { log: EventLog; reads: () => number } {
  let reads = 0;
  const wrapped: EventLog = {
    ...log,
    readAll: (o) => {
      reads++;
      return log.readAll(o);
    },
    subscribe: (o) => {
      reads++;
      return log.subscribe(o);
    },
  };
  return { log: wrapped, reads: () => reads };
}

const withoutTime = (m: ReplayManifest) => ({ ...m, replayedAt: '' });

describe('audit replays on a worker thread', function () {
  this.timeout(60_000);
  let dir: string;
  let log: EventLog;
  let cutOff: CutOff;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'audit-thread-'));
    log = await openEventLog({ dataDir: dir });
    await aLogWith(log, 3000);
    cutOff = await resolveCutOff(log, { position: Position.toString((await log.headPosition())!) });
  });
  afterEach(async () => {
    await log.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reproduce the manifest of a replay on the calling thread, reading the log through their own connection', async () => {
    const here = await replayToCutOff(log, cutOff, join(dir, 'here'));
    const threaded = counted(log);
    replayOnWorkerThreads(threaded.log, { dataDir: dir }, { minPosition: 0n });
    const progress: string[] = [];

    const there = await replayToCutOff(threaded.log, cutOff, join(dir, 'there'), {
      batchSize: 500,
      onProgress: (name, p) => progress.push(`${name}:${p.eventsRead}`),
    });

    expect(withoutTime(there)).to.deep.equal(withoutTime(here));
    expect(there.eventsRead).to.equal(3010);
    expect(threaded.reads()).to.equal(0);
    expect(progress.at(-1)).to.equal('completion:3010');
    expect(progress.length).to.be.greaterThan(3);
  });

  it('stay on the calling thread below the minimum position', async () => {
    const small = counted(log);
    replayOnWorkerThreads(small.log, { dataDir: dir }, { minPosition: 1_000_000n });
    const manifest = await replayToCutOff(small.log, cutOff, join(dir, 'small'));
    expect(manifest.eventsRead).to.equal(3010);
    expect(small.reads()).to.be.greaterThan(0);
  });

  it('stop when the signal aborts, rejecting once the thread has ended', async () => {
    const threaded = counted(log);
    replayOnWorkerThreads(threaded.log, { dataDir: dir }, { minPosition: 0n });
    const abort = new AbortController();
    const progress: number[] = [];
    const error = await replayToCutOff(threaded.log, cutOff, join(dir, 'aborted'), {
      batchSize: 100,
      signal: abort.signal,
      onProgress: (_name, p) => {
        progress.push(p.eventsRead);
        abort.abort();
      },
    }).then(
      () => null,
      (e: Error) => e,
    );
    expect(error?.name).to.equal('AbortError');
    expect(progress.at(-1)).to.be.lessThan(3010);
  });

  it('report a log the thread cannot open as a failed replay', async () => {
    const broken = counted(log);
    replayOnWorkerThreads(
      broken.log,
      { dataDir: dir, esdbUrl: 'not a connection string' },
      { minPosition: 0n },
    );
    const error = await replayToCutOff(broken.log, cutOff, join(dir, 'broken')).then(
      () => null,
      (e: Error) => e,
    );
    expect(error).to.be.instanceOf(Error);
    expect(error!.message).to.not.equal('');
  });
});
