// Decision 065: a backup carries its key store; restoring a backup taken before an erasure
// applies again the erasures recorded since (the list GET /api/admin/erasures answers).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SubjectErasedData } from '@lrs/events';
import { filesContaining } from '@lrs/testkit';
import { expect } from 'chai';
import { backupLog, restoreBackup, verifyBackup } from '../src/backup';
import { ADMIN, basic, TestLrs } from './support/test-lrs';

const NAME = 'Marisol Vantweedle';
const ACCOUNT = { homePage: 'https://lms.example.org', name: 'mvantweedle-3307' };

describe('backups and erasures (decision 065)', function () {
  this.timeout(120_000);
  const root = mkdtempSync(join(tmpdir(), 'lrs-backup-erasures-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  const backup = join(root, 'before-erasure.sqlite');
  let erasures: SubjectErasedData[];

  const byAgent = (lrs: TestLrs) =>
    lrs
      .call('GET', `statements?agent=${encodeURIComponent(JSON.stringify({ account: ACCOUNT }))}`)
      .then((r) => (r.body as { statements: unknown[] }).statements);

  before(async () => {
    const live = await TestLrs.start({ LRS_DATA_DIR: join(root, 'live') });
    try {
      const write = await live.call('POST', 'statements', {
        json: {
          actor: { name: NAME, account: ACCOUNT },
          verb: { id: 'http://adlnet.gov/expapi/verbs/completed' },
          object: { id: 'https://example.org/courses/ethics' },
        },
      });
      expect(write.status, write.text).to.equal(200);
      await live.caughtUp();
      await backupLog(join(root, 'live'), backup);
      const erased = await fetch(`${live.url}/api/admin/erasures`, {
        method: 'POST',
        headers: { Authorization: basic(ADMIN), 'Content-Type': 'application/json' },
        body: JSON.stringify({
          subject: { agent: { account: ACCOUNT } },
          reason: 'request',
          legalBasis: 'PDPO s.26',
        }),
      });
      expect(erased.status).to.equal(201);
      const list = await fetch(`${live.url}/api/admin/erasures`, {
        headers: { Authorization: basic(ADMIN) },
      });
      erasures = ((await list.json()) as { erasures: SubjectErasedData[] }).erasures;
    } finally {
      await live.stop();
    }
  });

  it('a backup of a sealed log verifies with the key store copied beside it', async () => {
    const verified = await verifyBackup(backup);
    expect(verified.ok, JSON.stringify(verified.checks)).to.equal(true);
  });

  it('restored with the erasures recorded since, the erased person stays erased', async () => {
    const dataDir = join(root, 'restored');
    const restored = await restoreBackup(backup, dataDir, erasures);
    expect(restored.erasuresReapplied).to.equal(1);
    const lrs = await TestLrs.start({ LRS_DATA_DIR: dataDir });
    try {
      await lrs.caughtUp();
      await lrs.system.erasuresSettled;
      expect(await byAgent(lrs)).to.deep.equal([]);
      for (const needle of [NAME, ACCOUNT.name])
        expect(filesContaining(dataDir, needle), needle).to.deep.equal([]);
    } finally {
      await lrs.stop();
    }
  });

  it('restored without them, the backup brings the person back (why the erasures list is kept apart)', async () => {
    const dataDir = join(root, 'restored-without-erasures');
    expect((await restoreBackup(backup, dataDir)).erasuresReapplied).to.equal(0);
    const lrs = await TestLrs.start({ LRS_DATA_DIR: dataDir });
    try {
      await lrs.caughtUp();
      expect(await byAgent(lrs)).to.have.length(1);
    } finally {
      await lrs.stop();
    }
  });
});
