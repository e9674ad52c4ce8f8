import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LogPosition } from '@lrs/event-log';
import { openSqliteEventLog } from '@lrs/event-log';
import { expect } from 'chai';
import { fingerprint, openReadOnly, readCheckpoint, readModelFile, replayProjection } from '../src/index';
import { appendVisits, tallyProjection } from './support/tally-projection';
import { tempDir } from './support/temp-dir';

const here = dirname(fileURLToPath(import.meta.url));
const child = join(here, 'support', 'crash-child.ts');
const repoRoot = resolve(here, '..', '..', '..');

const EVENTS = 60_000;

function runChild(
  logFile: string,
  dataDir: string,
): { proc: ChildProcess; started: Promise<void>; exit: Promise<string> } {
  const proc = spawn(process.execPath, ['--import', 'tsx', child, logFile, dataDir, '50'], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let onStarted: () => void = () => {};
  const started = new Promise<void>((resolve) => {
    onStarted = resolve;
  });
  proc.stdout!.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    if (out.includes('started')) onStarted();
  });
  proc.stderr!.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  const exit = new Promise<string>((resolve) => {
    proc.on('exit', (code, signal) => {
      onStarted();
      resolve(`${out.trim()} | exit ${code ?? signal}${err ? ` | ${err.trim().slice(0, 500)}` : ''}`);
    });
  });
  return { proc, started, exit };
}

describe('crash recovery (child process killed with SIGKILL)', function () {
  this.timeout(180_000);
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    tmp = tempDir();
  });
  afterEach(() => tmp.cleanup());

  it('ends with the same read model as a clean rebuild, whatever moments the projector was killed at', async () => {
    const logFile = join(tmp.dir, 'log.sqlite');
    const log = await openSqliteEventLog({ file: logFile });
    await appendVisits(log, EVENTS, { noiseEvery: 9, perAppend: 100 });
    const dataDir = join(tmp.dir, 'data');
    const modelFile = readModelFile(dataDir, tallyProjection());
    const checkpointNow = (): bigint => {
      if (!existsSync(modelFile)) return 0n;
      const db = openReadOnly(modelFile);
      try {
        const position: LogPosition | null = readCheckpoint(db).position;
        return position?.commit ?? 0n;
      } finally {
        db.close();
      }
    };

    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const checkpointsAfterKill: bigint[] = [];
    for (let kill = 0; kill < 8; kill++) {
      const before = checkpointNow();
      const run = runChild(logFile, dataDir);
      await run.started;
      // Every other run is killed at a random moment 0-20 ms after it started applying (perhaps
      // before its first commit); the others 0-15 ms after their first commit. A fixed delay
      // from the start let fast disks finish the build within three kills (CI: 17800, 40450,
      // then the head), so few kills landed mid-build.
      if (kill % 2 === 1) {
        const deadline = Date.now() + 10_000;
        while (checkpointNow() === before && run.proc.exitCode === null && Date.now() < deadline)
          await sleep(1);
      }
      await sleep(Math.floor(Math.random() * (kill % 2 === 1 ? 15 : 20)));
      run.proc.kill('SIGKILL');
      const outcome = await run.exit;
      expect(outcome).to.not.contain('failed');
      checkpointsAfterKill.push(checkpointNow());
    }
    const final = await runChild(logFile, dataDir).exit;
    expect(final).to.match(/done \| exit 0/);

    // Kills landed in the middle of the build, not only before it started or after it ended.
    console.log(`      checkpoints after kills: ${checkpointsAfterKill.join(', ')} (head ${EVENTS})`);
    const midway = checkpointsAfterKill.filter((c) => c > 0n && c < BigInt(EVENTS));
    expect(midway.length, `checkpoints after kills: ${checkpointsAfterKill.join(', ')}`).to.be.at.least(3);

    const projection = tallyProjection();
    const db = openReadOnly(modelFile);
    const recovered = fingerprint(db, projection);
    const totals = db.prepare('SELECT events FROM totals').get();
    db.close();
    const clean = await replayProjection(log, projection, {
      upTo: (await log.headPosition())!,
      file: join(tmp.dir, 'clean.sqlite'),
    });
    await log.close();

    expect(totals).to.deep.equal({ events: EVENTS });
    expect(recovered).to.equal(clean.fingerprint);
  });
});
