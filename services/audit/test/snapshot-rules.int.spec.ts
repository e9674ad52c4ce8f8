// TRAINING-DOMAIN, Audits: a snapshot taken before the counting rules changed must still verify, or
// its verification must say plainly that the rules changed, which ones, and whose figures differ
// because of it, apart from differences in the data. An auditor must never read a rule change as
// tampering, nor tampering as a rule change.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type EventLog, openEventLog } from '@lrs/event-log';
import { anEvent } from '@lrs/events';
import { anAgent, aStatement, recordSeoulBasics, verbs } from '@lrs/testkit';
import { completionProjection, ReferenceStore } from '@lrs/training';
import { expect } from 'chai';
import { resolveCutOff } from '../src/cut-off';
import { SCHEDULER } from '../src/service';
import {
  type ReportSnapshot,
  SNAPSHOT_RECORDED,
  snapshotStream,
  takeSnapshot,
  verifySnapshot,
} from '../src/snapshots';

const LMS = 'https://lms.example.kr';
const ETHICS = `${LMS}/courses/welfare-ethics`;

describe('audit: verifying a snapshot taken under earlier counting rules', function () {
  this.timeout(60_000);
  let dir: string;
  let log: EventLog;
  let snapshot: ReportSnapshot;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'snapshot-rules-'));
    log = await openEventLog({ dataDir: dir });
    const reference = new ReferenceStore(log);
    const policy = await recordSeoulBasics(reference, { officialId: 'kim', lms: LMS, course: ETHICS });
    const statement = aStatement()
      .withActor(anAgent().withAccount(LMS, 'kim'))
      .withVerb(verbs.completed)
      .withActivity(ETHICS)
      .at('2026-03-02T10:00:00+09:00')
      .build();
    await log.append(`statement-${statement.id}`, [anEvent('xapi.statement.stored', { statement })]);
    const cutOff = await resolveCutOff(log, { asOf: new Date().toISOString() });
    snapshot = await takeSnapshot(
      log,
      dir,
      cutOff,
      { policyId: policy.policyId, period: '2026', orgUnit: null, jurisdiction: null },
      SCHEDULER,
    );
  });
  afterEach(async () => {
    await log.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The same snapshot as an earlier release would have recorded it: its own model version and figures. */
  async function recorded(change: (s: ReportSnapshot) => ReportSnapshot): Promise<ReportSnapshot> {
    const earlier = change(structuredClone(snapshot));
    earlier.snapshotId = `${snapshot.snapshotId}-earlier`;
    await log.append(snapshotStream(earlier.snapshotId), [anEvent(SNAPSHOT_RECORDED, earlier)]);
    return earlier;
  }
  const underVersion = (s: ReportSnapshot, version: number) => {
    for (const p of s.manifest.projections) if (p.name === completionProjection.name) p.version = version;
    return s;
  };
  const kimEarned = (s: ReportSnapshot, hours: number) => {
    for (const row of s.rows ?? []) if (row.officialId === 'kim') row.earnedHours = hours;
    return s;
  };

  it('a snapshot taken now reproduces exactly', async () => {
    const v = await verifySnapshot(log, dir, snapshot, SCHEDULER);
    expect([v.matches, v.alarm, v.rulesChanged]).to.deep.equal([true, null, null]);
  });

  it('one computed by completion rules v4 on the same data: the rules changed, which and in which release, and whose figures differ; no alarm', async () => {
    const earlier = await recorded((s) => kimEarned(underVersion(s, 4), 5));
    const v = await verifySnapshot(log, dir, earlier, SCHEDULER);
    expect(v.matches).to.equal(false);
    expect(v.alarm).to.equal(null);
    expect(v.rulesChanged).to.include({ from: 4, to: completionProjection.version });
    expect(v.rulesChanged!.officials).to.deep.equal(['kim']);
    expect(v.rulesChanged!.changes.map((c) => c.release)).to.deep.equal([
      'counting rules 2 (December 2026)',
      'programme statistics at scale, dated staff groups and personal data protection (December 2026)',
      'programme statistics over numbered activities (December 2026)',
      'erasure of officials (December 2026)',
      'token subjects not recorded (December 2026)',
    ]);
    expect(v.rulesChanged!.explanation).to.match(/The data is the same/);
  });

  it('one taken under completion rules v5, whose read model had no verb and learning-time columns: a rule change that names no official; no alarm', async () => {
    const earlier = await recorded((s) => {
      const t = underVersion(s, 5);
      t.fingerprint = `${'0'.repeat(63)}5`;
      return t;
    });
    const v = await verifySnapshot(log, dir, earlier, SCHEDULER);
    expect([v.matches, v.alarm]).to.deep.equal([false, null]);
    expect(v.rulesChanged).to.include({ from: 5, to: completionProjection.version });
    expect(v.rulesChanged!.officials).to.deep.equal([]);
    expect(v.rulesChanged!.changes.map((c) => c.release)).to.deep.equal([
      'programme statistics at scale, dated staff groups and personal data protection (December 2026)',
      'programme statistics over numbered activities (December 2026)',
      'erasure of officials (December 2026)',
      'token subjects not recorded (December 2026)',
    ]);
  });

  it('the same figures altered without a rule change raise the alarm', async () => {
    const tampered = await recorded((s) => kimEarned(s, 5));
    const v = await verifySnapshot(log, dir, tampered, SCHEDULER);
    expect(v.rulesChanged).to.equal(null);
    expect(v.alarm).to.match(/does not reproduce: .*row of official kim/);
  });

  it('an earlier version whose data differs too is an alarm, not a rule change', async () => {
    const different = await recorded((s) => {
      const t = kimEarned(underVersion(s, 4), 5);
      t.manifest.eventsRead += 1;
      return t;
    });
    const v = await verifySnapshot(log, dir, different, SCHEDULER);
    expect(v.rulesChanged).to.equal(null);
    expect(v.alarm).to.match(/events read/);
  });
});
