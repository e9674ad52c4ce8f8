import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { anAgent, aStatement } from '@lrs/testkit';
import { expect } from 'chai';
import { LrsProcess, sleep, tempDataDir } from './support/lrs-process';

/**
 * Disk full (docs/RELIABILITY.md): the LRS child process writes to a small tmpfs. Needs root and a
 * kernel that lets this sandbox mount tmpfs; otherwise the test skips and says why.
 */
const SMALL = '3m';
const LARGE = '64m';

function tryMount(dir: string): string | null {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${SMALL}`, 'tmpfs', dir], { stdio: 'pipe' });
    return null;
  } catch (error) {
    return (error as { stderr?: Buffer }).stderr?.toString().trim() || (error as Error).message;
  }
}

const statement = () =>
  aStatement()
    .withId(randomUUID())
    .withActor(anAgent().withMbox('mailto:disk@example.org'))
    .build() as unknown as Record<string, unknown>;

describe('disk full: writes fail with 503, reads keep working, recovery when space returns', function () {
  this.timeout(180_000);
  const tmp = tempDataDir('lrs-diskfull-');
  const mountPoint = join(tmp.dir, 'mnt');
  let mounted = false;
  let lrs: LrsProcess | null = null;

  before(function () {
    mkdirSync(mountPoint, { recursive: true });
    const why =
      typeof process.getuid === 'function' && process.getuid() !== 0 ? 'not root' : tryMount(mountPoint);
    if (why !== null) {
      console.log(`      SKIPPED disk-full test: cannot mount a small tmpfs (${why})`);
      this.skip();
    }
    mounted = true;
  });

  after(async () => {
    await lrs?.kill();
    if (mounted) execFileSync('umount', ['-l', mountPoint]);
    tmp.cleanup();
  });

  it('answers 503 store.disk_full, serves reads, loses nothing acknowledged and recovers', async () => {
    const dataDir = join(mountPoint, 'data');
    lrs = await LrsProcess.start(dataDir);
    const acked = new Map<string, Record<string, unknown>>();
    let full: Awaited<ReturnType<LrsProcess['call']>> | null = null;
    // The statements the read models have applied before the disk fills: read while it is full.
    let indexed: string[] = [];
    // Fill the filesystem with batches until the store says it is full (bounded).
    for (let i = 0; i < 2_000 && !full; i++) {
      const batch = Array.from({ length: 50 }, statement);
      const reply = await lrs.call('POST', 'statements', { json: batch });
      if (reply.status === 200) for (const s of batch) acked.set(s.id as string, s);
      else full = reply;
      // Once, early: wait for the projections to reach the log's head (a position, not a time).
      if (indexed.length === 0 && acked.size >= 200 && !full) {
        await lrs.projectionsCaughtUp(30_000);
        indexed = [...acked.keys()];
      }
    }
    expect(full, 'the store never filled up').to.not.equal(null);
    expect(full!.status, full!.text).to.equal(503);
    const error = (full!.body as { error: { rule: string; message: string } }).error;
    expect(error.rule).to.equal('store.disk_full');
    expect(error.message).to.match(/out of disk space; nothing was written/);
    expect(full!.headers.get('retry-after')).to.match(/^\d+$/);
    expect(lrs.alive, 'still running').to.equal(true);

    // A single statement is refused the same way; the process stays up.
    const one = statement();
    const single = await lrs.call('PUT', `statements?statementId=${one.id}`, { json: one });
    expect([503, 204]).to.include(single.status);

    // Reads keep working while the disk is full.
    console.log(`      health while full: ${JSON.stringify(await lrs.health())}`);
    // The index stops at the batch the full disk refused it (how far behind the log it was then
    // depends on the machine's load); what it held stays readable.
    expect(indexed, 'the disk filled before 200 statements').to.not.deep.equal([]);
    const sample = indexed.filter((_, i) => i % 17 === 0);
    for (const id of sample) {
      const got = await lrs.call('GET', `statements?statementId=${id}`);
      expect(got.status, got.text).to.equal(200);
    }
    expect((await lrs.call('GET', 'about', { as: null })).status).to.equal(200);
    expect((await lrs.call('GET', 'statements?limit=5')).status).to.equal(200);

    // Space returns: writes succeed again without a restart.
    execFileSync('mount', ['-o', `remount,size=${LARGE}`, mountPoint]);
    let recovered = false;
    for (let i = 0; i < 50 && !recovered; i++) {
      const s = statement();
      const reply = await lrs.call('POST', 'statements', { json: s });
      if (reply.status === 200) {
        acked.set(s.id as string, s);
        recovered = true;
      } else await sleep(200);
    }
    expect(recovered, 'writes succeed after space returns').to.equal(true);
    await lrs.projectionsCaughtUp(30_000);

    // Nothing acknowledged was lost, including across a restart.
    await lrs.stop();
    lrs = await LrsProcess.start(dataDir);
    await lrs.projectionsCaughtUp(30_000);
    const missing: string[] = [];
    const ids = [...acked.keys()];
    for (let i = 0; i < ids.length; i += 16) {
      await Promise.all(
        ids.slice(i, i + 16).map(async (id) => {
          const got = await lrs!.call('GET', `statements?statementId=${id}`);
          if (got.status !== 200) missing.push(id);
        }),
      );
    }
    console.log(
      `      ${acked.size} statements acknowledged around a full ${SMALL} disk; ${missing.length} missing`,
    );
    expect(missing).to.deep.equal([]);
  });
});
