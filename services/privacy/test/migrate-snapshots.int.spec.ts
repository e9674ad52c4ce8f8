// Decision 080, point 6: a report snapshot taken on a plaintext log verifies after the migration
// (same fingerprint, same report), and still after a migrated person outside the registry is
// erased; the official's hours stay what they were.
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteEventLog } from '@lrs/event-log';
import { anEvent, STATEMENT_EVENT, statementStream } from '@lrs/events';
import { keyStoreFile, openKeyStore, releaseKeyStore } from '@lrs/privacy';
import { ADMIN, basic, TestLrs } from '@lrs/server/testing';
import { anAgent, aStatement, recordSeoulBasics, verbs } from '@lrs/testkit';
import { ReferenceStore } from '@lrs/training';
import { expect } from 'chai';
import { migrateDataDir } from '../src/migrate';

const LMS = 'https://lms.example.kr';
const ETHICS = `${LMS}/courses/welfare-ethics`;
const VISITOR = { homePage: LMS, name: 'visitor-4471' };

describe('report snapshots taken before the migration of a plaintext log (decision 080)', function () {
  this.timeout(180_000);
  const root = mkdtempSync(join(tmpdir(), 'lrs-privacy-migrate-snapshots-'));
  const dataDir = join(root, 'data');
  after(() => rmSync(root, { recursive: true, force: true }));

  const api = (lrs: TestLrs, method: string, path: string, body?: unknown) =>
    fetch(`${lrs.url}${path}`, {
      method,
      headers: {
        Authorization: basic(ADMIN),
        ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }));

  it('still verify after it, and after a migrated visitor is erased', async () => {
    // Statements as the LRS wrote them before sealing; the registry as it writes it now (sealed: a
    // snapshot is refused while the registry holds records the migration would seal, decision 078).
    mkdirSync(dataDir, { recursive: true });
    const log = await openSqliteEventLog({ file: join(dataDir, 'events.sqlite') });
    const keysFile = keyStoreFile(dataDir);
    const reference = new ReferenceStore(log, openKeyStore(keysFile));
    const policy = await recordSeoulBasics(reference, { officialId: 'kim', lms: LMS, course: ETHICS });
    const authority = { objectType: 'Agent', name: 'LMS', account: { homePage: LMS, name: 'lms' } };
    for (const [who, at] of [
      ['kim', '2026-03-02T10:00:00+09:00'],
      [VISITOR.name, '2026-03-03T10:00:00+09:00'],
    ] as const) {
      const statement = {
        ...aStatement()
          .withActor(anAgent().withAccount(LMS, who))
          .withVerb(verbs.completed)
          .withActivity(ETHICS)
          .at(at)
          .build(),
        id: randomUUID(),
        authority,
        version: '1.0.3',
      };
      await log.append(
        statementStream(statement.id),
        [anEvent(STATEMENT_EVENT, { statement: statement as never, credential: 'lms' })],
        { expectedRevision: 'no_stream' },
      );
    }
    await log.close();
    releaseKeyStore(keysFile);

    let snapshotId: string;
    let completions: unknown;
    const first = await TestLrs.start({ LRS_DATA_DIR: dataDir });
    try {
      await first.caughtUp();
      const taken = await api(first, 'POST', '/api/reports/snapshots', {
        policy: policy.policyId,
        period: '2026',
        asOf: new Date().toISOString(),
      });
      expect(taken.status, JSON.stringify(taken.body)).to.equal(201);
      snapshotId = taken.body.snapshotId as string;
      completions = (await api(first, 'GET', '/api/officials/kim/completion')).body.completions;
    } finally {
      await first.stop();
    }

    const outcome = await migrateDataDir({ dataDir });
    expect(outcome.status).to.equal('migrated');

    const lrs = await TestLrs.start({ LRS_DATA_DIR: dataDir });
    try {
      await lrs.caughtUp();
      const verified = await api(lrs, 'GET', `/api/reports/snapshots/${snapshotId}/verify`);
      expect(verified.body, JSON.stringify(verified.body)).to.include({ matches: true, alarm: null });

      const erased = await api(lrs, 'POST', '/api/admin/erasures', {
        subject: { agent: { account: VISITOR } },
        reason: 'request of the data subject',
        legalBasis: 'PIPA art. 36',
      });
      expect(erased.status, JSON.stringify(erased.body)).to.equal(201);
      await lrs.caughtUp();
      const again = await api(lrs, 'GET', `/api/reports/snapshots/${snapshotId}/verify`);
      expect(again.body, JSON.stringify(again.body)).to.include({ matches: true, alarm: null });
      expect((await api(lrs, 'GET', '/api/officials/kim/completion')).body.completions).to.deep.equal(
        completions,
      );
    } finally {
      await lrs.stop();
    }
  });
});
