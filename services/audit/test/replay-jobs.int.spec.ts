import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type EventLog, openEventLog, Position } from '@lrs/event-log';
import { expect } from 'chai';
import { resolveCutOff } from '../src/cut-off';
import { ReplayJobs } from '../src/replay-jobs';
import { aLogWith } from './support/a-log-with';

const here = dirname(fileURLToPath(import.meta.url));

describe('audit replay jobs', function () {
  this.timeout(60_000);
  let dir: string;
  let log: EventLog;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'audit-jobs-'));
    log = await openEventLog({ dataDir: dir });
  });
  afterEach(async () => {
    await log.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a replay killed mid-way (SIGKILL) is reported failed after the restart, never complete, and its partial models are gone', async () => {
    await aLogWith(log, 20_000);
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(here, 'support', 'replay-child.ts'), dir],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const id = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        const m = /running (\S+)/.exec(chunk.toString());
        if (m) resolve(m[1]!);
      });
      child.on('exit', (code) => reject(new Error(`child exited ${code} before running`)));
    });
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    const after = ReplayJobs.open(log, dir);
    const seen = after.get(id)!;
    expect(seen.state).to.equal('failed');
    expect(seen.error).to.match(/interrupted/);
    expect(seen.manifest).to.equal(null);
    expect(readdirSync(join(dir, 'audit', 'replays', id))).to.deep.equal(['job.json']);
    // And it stays failed across further restarts.
    expect(ReplayJobs.open(log, dir).get(id)!.state).to.equal('failed');
  });

  it('cancelling a running replay stops it and deletes its folder; a finished one keeps its results until deleted', async () => {
    await aLogWith(log, 3000);
    const jobs = ReplayJobs.open(log, dir);
    const head = (await log.headPosition())!;
    const cutOff = await resolveCutOff(log, { position: Position.toString(head) });
    const cancelled = jobs.start(cutOff, 'auditor');
    const done = jobs.start(cutOff, 'auditor');
    await jobs.delete(cancelled.id);
    expect(cancelled.state).to.be.oneOf(['cancelled']);
    expect(existsSync(join(dir, 'audit', 'replays', cancelled.id))).to.equal(false);
    await jobs.idle();
    expect(done.state).to.equal('completed');
    // One replay of the completion model reads the prefix once and answers for transcripts too.
    expect(done.manifest!.eventsRead).to.equal(3010);
    expect(done.manifest!.projections.map((p) => [p.name, p.eventsRead])).to.deep.equal([
      ['transcripts', 3010],
      ['completion', 3010],
    ]);
    expect(done.progress).to.include({ done: done.progress.total });
    // Kept across a restart until deleted.
    const reopened = ReplayJobs.open(log, dir);
    expect(reopened.get(done.id)!.manifest!.projections.map((p) => p.fingerprint)).to.deep.equal(
      done.manifest!.projections.map((p) => p.fingerprint),
    );
    await reopened.delete(done.id);
    expect(ReplayJobs.open(log, dir).get(done.id)).to.equal(undefined);
    await jobs.stop();
  });

  it('resolves a record-time cut-off to the last event recorded at or before it', async () => {
    await aLogWith(log, 200);
    await new Promise((r) => setTimeout(r, 20));
    const cut = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 20));
    await aLogWith(log, 100);
    const resolved = await resolveCutOff(log, { asOf: cut });
    expect(resolved.position).to.equal('210');
    expect(Date.parse(resolved.recorded)).to.be.at.most(Date.parse(cut));
    const atPosition = await resolveCutOff(log, { position: '5' });
    expect(atPosition.position).to.equal('5');
  });
});
