import { randomUUID } from 'node:crypto';
import { aStatement } from '@lrs/testkit';
import { expect } from 'chai';
import { LrsProcess, tempDataDir } from './support/lrs-process';

/**
 * Operators start the service with node options of their own (heap limits, heap snapshots on a
 * signal). The projector thread refuses V8 and per-process options, so the service must not hand
 * them on: it once failed at start-up with ERR_WORKER_INVALID_EXEC_ARGV.
 */
describe('the LRS started with node options of its own', function () {
  this.timeout(60_000);
  let lrs: LrsProcess | undefined;
  let dataDir: ReturnType<typeof tempDataDir> | undefined;

  afterEach(async () => {
    await lrs?.stop();
    dataDir?.cleanup();
  });

  it('starts, writes and projects with --max-old-space-size, --max-semi-space-size and --heapsnapshot-signal', async () => {
    dataDir = tempDataDir();
    lrs = await LrsProcess.start(dataDir.dir, {}, [
      '--max-old-space-size=384',
      '--max-semi-space-size=4',
      '--heapsnapshot-signal=SIGUSR2',
    ]);
    const statement = aStatement().withId(randomUUID()).build() as unknown as Record<string, unknown>;
    const put = await lrs.call('PUT', `statements?statementId=${statement.id}`, { json: statement });
    expect(put.status, put.text).to.equal(204);
    // Found through the statements index, which the projector thread writes.
    const got = await lrs.call('GET', `statements?statementId=${statement.id}`);
    expect(got.status, got.text).to.equal(200);
    expect((got.body as { id: string }).id).to.equal(statement.id);
    await lrs.projectionsCaughtUp(30_000);
  });
});
