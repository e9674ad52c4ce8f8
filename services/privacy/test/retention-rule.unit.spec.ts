// The retention rule in the domain's words (decision 071): how long a jurisdiction keeps the
// records of an official who left, read in the jurisdiction's time zone.
import { expect } from 'chai';
import { DateTime } from 'luxon';
import {
  type DutyWindow,
  dueAt,
  dutyConflicts,
  expiryOf,
  type RetentionSetting,
  settingProblems,
  trainingYearEnd,
} from '../src/retention-rule';

const seoul = (over: Partial<RetentionSetting> = {}): RetentionSetting => ({
  jurisdiction: 'city',
  timeZone: 'Asia/Seoul',
  afterLeaving: 'P5Y',
  afterTrainingYear: 'P3Y',
  trainingYearStarts: '01-01',
  snapshotsKept: 'P10Y',
  ...over,
});
const hongKong = (over: Partial<RetentionSetting> = {}): RetentionSetting =>
  seoul({ jurisdiction: 'department', timeZone: 'Asia/Hong_Kong', trainingYearStarts: '04-01', ...over });
const at = (iso: string) => DateTime.fromISO(iso, { setZone: true }).toMillis();

describe('retention rule: when an official’s records may be erased', () => {
  it('an official who left on 31 March 2024 in Seoul is kept five years: erasable from 1 April 2029, midnight Seoul time', () => {
    const expiry = expiryOf(seoul(), { leftOn: '2024-03-31', lastRecordOn: '2024-03-10' });
    expect(expiry.rule).to.equal('after-leaving');
    expect(expiry.expiresAt).to.equal('2029-04-01T00:00:00.000+09:00');
    expect(expiry.periodEnd).to.equal('2024-12-31');
    expect(
      dueAt(seoul(), { leftOn: '2024-03-31', lastRecordOn: null }, at('2029-03-31T23:59:59+09:00')),
    ).to.equal(null);
    // 1 April 2029 00:00 in Seoul is still 31 March in UTC: the zone decides, not the server's clock.
    expect(
      dueAt(seoul(), { leftOn: '2024-03-31', lastRecordOn: null }, at('2029-03-31T15:00:00Z')),
    ).to.not.equal(null);
  });

  it('a short leaving period gives way to the training-year period: the year of the last record ends, then three years', () => {
    const expiry = expiryOf(seoul({ afterLeaving: 'P6M' }), {
      leftOn: '2024-03-31',
      lastRecordOn: '2024-03-10',
    });
    expect(expiry.rule).to.equal('after-training-year');
    expect(expiry.expiresAt).to.equal('2028-01-01T00:00:00.000+09:00');
  });

  it('Hong Kong’s fiscal training year (from 1 April) ends on 31 March after the last record', () => {
    expect(trainingYearEnd(hongKong(), '2024-03-31').toISODate()).to.equal('2024-04-01');
    expect(trainingYearEnd(hongKong(), '2024-04-01').toISODate()).to.equal('2025-04-01');
    const expiry = expiryOf(hongKong({ afterLeaving: 'P1M', afterTrainingYear: 'P2Y' }), {
      leftOn: '2024-05-15',
      lastRecordOn: '2024-05-02',
    });
    expect(expiry).to.include({ rule: 'after-training-year', periodEnd: '2025-03-31' });
    expect(expiry.expiresAt).to.equal('2027-04-01T00:00:00.000+08:00');
  });

  it('a record learned after the leaving day (a late roster) extends the training year that counts', () => {
    const expiry = expiryOf(seoul({ afterLeaving: 'P1D' }), {
      leftOn: '2024-12-20',
      lastRecordOn: '2025-01-03',
    });
    expect(expiry.periodEnd).to.equal('2025-12-31');
  });

  it('a leaving date of 29 February plus one year is 1 March of the next year', () => {
    const expiry = expiryOf(seoul({ afterLeaving: 'P1Y', afterTrainingYear: 'P1D' }), {
      leftOn: '2024-02-29',
      lastRecordOn: null,
    });
    expect(expiry.expiresAt).to.equal('2025-03-01T00:00:00.000+09:00');
  });

  it('a report snapshot naming the official keeps them until the snapshot’s own retention ends', () => {
    const expiry = expiryOf(seoul(), {
      leftOn: '2020-01-31',
      lastRecordOn: null,
      heldBy: [{ snapshotId: 'annual-2024', keptUntil: '2034-12-01T00:00:00+09:00' }],
    });
    expect(expiry).to.include({ rule: 'snapshot-kept', snapshotId: 'annual-2024' });
    expect(expiry.expiresAt).to.equal('2034-12-01T00:00:00.000+09:00');
  });
});

describe('retention setting: validation', () => {
  it('names each wrong field and the rule it broke', () => {
    const problems = settingProblems({
      jurisdiction: 'city',
      timeZone: 'Mars/Olympus',
      afterLeaving: 'PT5H',
      afterTrainingYear: 'five years',
      trainingYearStarts: '02-29',
      snapshotsKept: 'P10Y',
      extra: 1,
    });
    expect(problems.map((p) => [p.pointer, p.rule])).to.deep.equal([
      ['/extra', 'privacy.retention.field'],
      ['/timeZone', 'privacy.retention.time-zone'],
      ['/afterLeaving', 'privacy.retention.duration'],
      ['/afterTrainingYear', 'privacy.retention.duration'],
      ['/trainingYearStarts', 'privacy.retention.month-day'],
    ]);
    expect(settingProblems(seoul(), 'district')[0]).to.include({
      pointer: '/jurisdiction',
      rule: 'privacy.retention.jurisdiction',
    });
    expect(settingProblems(seoul(), 'city')).to.deep.equal([]);
  });

  const annual: DutyWindow = {
    dutyId: 'commune-annual',
    jurisdiction: 'city',
    timeZone: 'Asia/Seoul',
    window: { from: '12-01', to: '11-30' },
    cutOff: '12-01',
    dueBy: '12-14',
  };

  it('a setting that would erase records inside a reporting duty’s window before its due day is refused', () => {
    // Learned on 1 December, left that day: the annual report of the next 30 November is due 14 December.
    const problems = dutyConflicts(
      seoul({ afterLeaving: 'P6M', afterTrainingYear: 'P1D', trainingYearStarts: '12-01' }),
      [annual],
      at('2026-12-06T10:00:00Z'),
    );
    expect(problems).to.have.length(1);
    expect(problems[0]).to.include({ rule: 'privacy.retention.duty-window' });
    expect(problems[0]!.message).to.contain('commune-annual');
    // Kept one year and a month after leaving: past every due day.
    expect(
      dutyConflicts(
        seoul({ afterLeaving: 'P13M', afterTrainingYear: 'P1D' }),
        [annual],
        at('2026-12-06T10:00:00Z'),
      ),
    ).to.deep.equal([]);
  });

  it('another jurisdiction’s duty does not constrain this setting; a policy’s duty does', () => {
    const elsewhere = { ...annual, jurisdiction: 'province' };
    const setting = seoul({ afterLeaving: 'P1M', afterTrainingYear: 'P1D' });
    expect(dutyConflicts(setting, [elsewhere], at('2026-12-06T10:00:00Z'))).to.deep.equal([]);
    const { jurisdiction: _, ...policyDuty } = { ...annual, policyId: 'city-annual' };
    expect(
      dutyConflicts(setting, [policyDuty], at('2026-12-06T10:00:00Z'), () => 'Asia/Seoul'),
    ).to.have.length(1);
  });
});
