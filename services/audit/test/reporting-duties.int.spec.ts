import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type EventLog, type JsonValue, openEventLog } from '@lrs/event-log';
import { POLICY_PUBLISHED, type Policy, policyStream } from '@lrs/training';
import { expect } from 'chai';
import { DateTime } from 'luxon';
import { DEFAULT_DUTIES, dutyInstance, ReportingDuties } from '../src/duties';
import { SCHEDULER } from '../src/service';
import { loadSnapshot } from '../src/snapshots';

const cityPolicy = () =>
  JSON.parse(
    readFileSync(
      new URL('../../../examples/policies/city-annual-welfare-education.json', import.meta.url),
      'utf8',
    ),
  ) as Policy;

describe('audit: scheduled reporting duties', function () {
  this.timeout(30_000);

  it('the half-year report is cut at the start of 1 June and due before 15 June; the annual one is cut and due on 15 December (Seoul time)', () => {
    const [halfYear, annual] = DEFAULT_DUTIES;
    expect(dutyInstance(halfYear!, cityPolicy(), 2025)).to.deep.equal({
      dutyId: 'city-annual-welfare-education-half-year-2025',
      duty: 'half-year',
      policyId: 'city-annual-welfare-education',
      period: '2025',
      cutOff: '2025-05-31T15:00:00.000Z',
      dueBy: '2025-06-14T15:00:00.000Z',
    });
    expect(dutyInstance(annual!, cityPolicy(), 2025)).to.include({
      period: '2025',
      cutOff: '2025-12-14T15:00:00.000Z',
      dueBy: '2025-12-14T15:00:00.000Z',
    });
  });

  describe('the scheduler', () => {
    let dir: string;
    let log: EventLog;
    beforeEach(async () => {
      dir = mkdtempSync(join(tmpdir(), 'audit-duties-'));
      log = await openEventLog({ dataDir: dir });
      const policy = cityPolicy();
      await log.append(policyStream(policy.policyId, 1), [
        { type: POLICY_PUBLISHED, data: { policy, publishedBy: 'test' } as unknown as JsonValue },
      ]);
    });
    afterEach(async () => {
      await log.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('takes a due snapshot once, records it in the log, and skips (once) a cut-off from before the log began', async () => {
      // A duty whose cut-off is tomorrow (policy time), observed the day after: due now.
      const tomorrow = DateTime.now().setZone('Asia/Seoul').plus({ days: 1 });
      const duty = {
        name: 'test',
        dueBy: tomorrow.plus({ days: 1 }).toFormat('MM-dd'),
        cutOff: tomorrow.toFormat('MM-dd'),
      };
      const duties = new ReportingDuties(log, dir, [duty]);
      const now = tomorrow.plus({ hours: 2 }).toMillis();
      const taken = await duties.run(now, SCHEDULER);
      expect(taken).to.have.length(1);
      expect(taken[0]).to.include({
        policyId: 'city-annual-welfare-education',
        duty: 'test',
        jurisdiction: null,
      });
      const recorded = await loadSnapshot(log, taken[0]!.snapshotId, '/path/snapshotId');
      expect(recorded.fingerprint).to.equal(taken[0]!.fingerprint);
      expect(await duties.run(now, SCHEDULER), 'the second run').to.deep.equal([]);
      const status = await duties.status(now);
      expect(status.find((s) => s.dutyId.endsWith(`test-${tomorrow.year}`))).to.include({
        state: 'taken',
        snapshotId: taken[0]!.snapshotId,
      });
      // Last year's occurrence was before the first event: skipped with the reason, not taken.
      const lastYear = status.find((s) => s.dutyId.endsWith(`test-${tomorrow.year - 1}`));
      expect(lastYear).to.include({ state: 'skipped', snapshotId: null });
      expect(lastYear!.reason).to.match(/before the first event/);
    });
  });
});
