// Reporting duties as data (decision 051): a duty belongs to a policy or a jurisdiction, says its
// window, cut-off and due date, and which reports it takes; the scheduler takes them once.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type EventLog, type JsonValue, openEventLog } from '@lrs/event-log';
import { anEvent, STATEMENT_EVENT, statementStream } from '@lrs/events';
import type { HttpProblem } from '@lrs/http';
import {
  activityHash,
  CATALOG_ENTRY_RECORDED,
  catalogStream,
  OFFICIAL_RECORDED,
  ORG_UNIT_RECORDED,
  officialStream,
  orgUnitStream,
  POLICY_PUBLISHED,
  type Policy,
  policyStream,
} from '@lrs/training';
import { expect } from 'chai';
import { DateTime } from 'luxon';
import { dutyOccurrence, dutyProblems, ReportingDuties, type ReportingDuty } from '../src/duties';
import { AuditService, SCHEDULER } from '../src/service';
import { loadSnapshot, verifySnapshot } from '../src/snapshots';

const cityPolicy = () =>
  JSON.parse(
    readFileSync(
      new URL('../../../examples/policies/city-annual-welfare-education.json', import.meta.url),
      'utf8',
    ),
  ) as Policy;
const CITY = 'city-annual-welfare-education';
const VN = 'Asia/Ho_Chi_Minh';
const COURSE = 'https://ctxh.dongthap.example.vn/khoa-hoc/bao-ve-tre-em';

/** The half-year report the city's policy unit sends: cut at the start of 1 June, due by 14 June. */
const halfYear = (over: Partial<ReportingDuty> = {}): ReportingDuty => ({
  dutyId: 'city-half-year',
  policyId: CITY,
  reports: ['completion-status'],
  window: { from: '01-01', to: '05-31' },
  cutOff: '06-01',
  dueBy: '06-14',
  ...over,
});

describe('audit: reporting duties as data', function () {
  this.timeout(30_000);

  it('the half-year occurrence of a Seoul policy: window 1 Jan – 31 May, cut at the start of 1 June, on time through 14 June (Seoul time)', () => {
    expect(dutyOccurrence(halfYear(), 2025, cityPolicy())).to.deep.equal({
      occurrenceId: 'city-half-year-2025',
      dutyId: 'city-half-year',
      title: null,
      policyId: CITY,
      jurisdiction: null,
      year: 2025,
      reports: ['completion-status'],
      window: { from: '2025-01-01', to: '2025-05-31', timeZone: 'Asia/Seoul', policyId: CITY, period: null },
      period: '2025',
      cutOff: '2025-05-31T15:00:00.000Z',
      dueBy: '2025-06-14',
      dueEndsAt: '2025-06-14T15:00:00.000Z',
    });
  });

  it('a window whose start is later in the year than its end begins the year before (1 Dec 2024 – 30 Nov 2025)', () => {
    const annual: ReportingDuty = {
      dutyId: 'dong-thap-annual',
      jurisdiction: 'dong-thap',
      timeZone: VN,
      reports: ['programme-statistics'],
      window: { from: '12-01', to: '11-30' },
      cutOff: '12-01',
      dueBy: '12-14',
    };
    expect(dutyOccurrence(annual, 2025)).to.deep.include({
      window: { from: '2024-12-01', to: '2025-11-30', timeZone: VN, policyId: null, period: null },
      cutOff: '2025-11-30T17:00:00.000Z',
      dueBy: '2025-12-14',
    });
  });

  describe('a definition that cannot be a duty is refused, naming the field and the rule', () => {
    const policies = new Map([[CITY, cityPolicy()]]);
    const cases: [string, unknown, string, string][] = [
      [
        'a cut-off after its due date',
        halfYear({ cutOff: '06-20' }),
        '/cutOff',
        'audit.duty.cut-off-after-due',
      ],
      [
        'a window that does not fit in the policy’s calendar year',
        halfYear({ window: { from: '12-15', to: '06-14' } }),
        '/window',
        'audit.duty.window-outside-period',
      ],
      [
        'a policy that was never published',
        halfYear({ policyId: 'nobody' }),
        '/policyId',
        'audit.duty.policy',
      ],
      [
        'a completion status without a policy',
        { ...halfYear(), policyId: undefined, jurisdiction: 'dong-thap', timeZone: VN },
        '/reports/0',
        'audit.duty.reports',
      ],
      [
        'a jurisdiction’s duty without a time zone',
        {
          ...halfYear({ reports: ['programme-statistics'] }),
          policyId: undefined,
          jurisdiction: 'dong-thap',
        },
        '/timeZone',
        'audit.duty.time-zone',
      ],
      [
        'a report kind that does not exist',
        halfYear({ reports: ['gossip' as never] }),
        '/reports/0',
        'audit.duty.reports',
      ],
      ['a day that is not one', halfYear({ dueBy: '06-31' }), '/dueBy', 'audit.duty.month-day'],
      [
        'both a policy and a jurisdiction',
        halfYear({ jurisdiction: 'dong-thap' }),
        '/jurisdiction',
        'audit.duty.owner',
      ],
    ];
    for (const [what, document, pointer, rule] of cases)
      it(`${what}: ${rule} at ${pointer}`, () => {
        const [first] = dutyProblems(JSON.parse(JSON.stringify(document)), policies);
        expect(first).to.include({ pointer, rule });
      });
    it('a valid definition has no problems', () => {
      expect(dutyProblems(halfYear(), policies)).to.deep.equal([]);
    });
  });

  describe('the scheduler', () => {
    let dir: string;
    let log: EventLog;
    // A duty whose cut-off is tomorrow (duty time), due the day after, observed at given instants.
    const tomorrow = DateTime.now().setZone(VN).plus({ days: 1 }).startOf('day');
    const md = (d: DateTime) => d.toFormat('MM-dd');
    beforeEach(async () => {
      dir = mkdtempSync(join(tmpdir(), 'audit-duties-'));
      log = await openEventLog({ dataDir: dir });
      const policy = cityPolicy();
      await log.append(policyStream(policy.policyId, 1), [
        { type: POLICY_PUBLISHED, data: { policy, publishedBy: 'test' } as unknown as JsonValue },
      ]);
      await log.append(orgUnitStream('xa-my-tho'), [
        anEvent(ORG_UNIT_RECORDED, { orgUnitId: 'xa-my-tho', name: 'Xã Mỹ Thọ', parent: null }),
      ]);
      await log.append(officialStream('ctv-pham'), [
        anEvent(OFFICIAL_RECORDED, {
          officialId: 'ctv-pham',
          name: 'Phạm Thị Dung',
          orgUnit: 'xa-my-tho',
          orgUnitFrom: null,
          staffGroup: 'collaborator',
          jurisdiction: 'dong-thap',
          employedFrom: null,
          employedTo: null,
          identifiers: [{ account: { homePage: 'https://elearning.example.vn', name: 'ctv-pham' } }],
        }),
      ]);
      await log.append(catalogStream(activityHash(COURSE)), [
        anEvent(CATALOG_ENTRY_RECORDED, {
          activityId: COURSE,
          title: { 'vi-VN': 'Bảo vệ trẻ em tại cộng đồng' },
          category: 'child-protection',
          nominalHours: 4,
          modality: 'face-to-face',
          provider: null,
        }),
      ]);
      const id = '7c2a0000-0000-4000-8000-0000000000aa';
      await log.append(statementStream(id), [
        anEvent(STATEMENT_EVENT, {
          statement: {
            id,
            actor: {
              objectType: 'Agent',
              account: { homePage: 'https://elearning.example.vn', name: 'ctv-pham' },
            },
            verb: { id: 'http://adlnet.gov/expapi/verbs/attended' },
            object: { objectType: 'Activity', id: COURSE },
            timestamp: tomorrow.minus({ days: 2 }).toISO()!,
          } as never,
        }),
      ]);
    });
    afterEach(async () => {
      await log.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('a duty is upcoming before its cut-off, due after it, and fulfilled on time once taken; the second run takes nothing', async () => {
      // The city policy's days are Seoul days (its duty's cut-off too): tomorrow there, taken now,
      // not the Vietnamese tomorrow (from 15:00 to 17:00 UTC Seoul is a day ahead of it).
      const tomorrow = DateTime.now().setZone(cityPolicy().timeZone).plus({ days: 1 }).startOf('day');
      const duties = new ReportingDuties(log, dir);
      await duties.define(
        halfYear({
          dutyId: 'city-test',
          window: { from: md(tomorrow.minus({ days: 20 })), to: md(tomorrow) },
          cutOff: md(tomorrow),
          dueBy: md(tomorrow.plus({ days: 1 })),
        }),
        'city-test',
      );
      const occurrence = (status: Awaited<ReturnType<ReportingDuties['status']>>) =>
        status.find((s) => s.occurrenceId === `city-test-${tomorrow.year}`)!;
      expect(occurrence(await duties.status(Date.now())).state).to.equal('upcoming');
      const later = tomorrow.plus({ hours: 2 }).toMillis();
      expect(occurrence(await duties.status(later)).state).to.equal('due');
      const taken = await duties.run(later, SCHEDULER);
      const mine = taken.filter((t) => t.dutyId === 'city-test');
      expect(mine).to.have.length.of.at.least(1);
      const now = occurrence(await duties.status(later));
      expect(now.state).to.equal('fulfilled-on-time');
      const recorded = await loadSnapshot(log, now.snapshotId!, '/path/snapshotId');
      expect(recorded).to.include({ policyId: CITY, duty: now.occurrenceId, jurisdiction: null });
      expect(now.snapshots[0]).to.include({
        kind: 'completion-status',
        download: `/api/reports/snapshots/${now.snapshotId}`,
      });
      expect(await duties.run(later, SCHEDULER), 'the second run').to.deep.equal([]);
      // Last year's occurrence was before the first event: skipped with the reason, not taken.
      const lastYear = (await duties.status(later)).find(
        (s) => s.occurrenceId === `city-test-${tomorrow.year - 1}`,
      );
      expect(lastYear).to.include({ state: 'skipped', snapshotId: null });
      expect(lastYear!.reason).to.match(/before the first event/);
    });

    it('takes nothing while the registry awaits the migration; the occurrence stays due and the first run after it takes the report (decision 078)', async () => {
      const cityTomorrow = DateTime.now().setZone(cityPolicy().timeZone).plus({ days: 1 }).startOf('day');
      let awaiting = true;
      const service = AuditService.start(log, {
        dataDir: dir,
        dutiesEveryMs: 0,
        registryAwaitsMigration: async () => awaiting,
      });
      try {
        await service.duties.define(
          halfYear({
            dutyId: 'city-waits',
            window: { from: md(cityTomorrow.minus({ days: 20 })), to: md(cityTomorrow) },
            cutOff: md(cityTomorrow),
            dueBy: md(cityTomorrow.plus({ days: 1 })),
          }),
          'city-waits',
        );
        const later = cityTomorrow.plus({ hours: 2 }).toMillis();
        const occurrence = async () =>
          (await service.duties.status(later)).find(
            (s) => s.occurrenceId === `city-waits-${cityTomorrow.year}`,
          )!;
        expect(await service.runDuties(later)).to.deep.equal([]);
        expect((await occurrence()).state).to.equal('due');
        // The migration has sealed the registry: the next run takes the report as of its cut-off.
        awaiting = false;
        const taken = (await service.runDuties(later)).filter((t) => t.dutyId === 'city-waits');
        expect(taken.map((t) => t.state)).to.include('fulfilled-on-time');
        expect((await occurrence()).state).to.equal('fulfilled-on-time');
      } finally {
        await service.stop();
      }
    });

    it('a jurisdiction’s duty takes the programme statistics of its window, verifiably, and is late when taken after its due day', async () => {
      const duties = new ReportingDuties(log, dir);
      await duties.define(
        {
          dutyId: 'dong-thap-test',
          jurisdiction: 'dong-thap',
          timeZone: VN,
          reports: ['programme-statistics'],
          window: { from: md(tomorrow.minus({ days: 20 })), to: md(tomorrow) },
          cutOff: md(tomorrow),
          dueBy: md(tomorrow.plus({ days: 1 })),
        },
        'dong-thap-test',
      );
      const late = tomorrow.plus({ days: 3 }).toMillis();
      const [taken] = (await duties.run(late, SCHEDULER)).filter((t) => t.year === tomorrow.year);
      expect(taken).to.include({ state: 'late', dutyId: 'dong-thap-test' });
      const snapshot = await loadSnapshot(log, taken!.snapshotId!, '/path/snapshotId');
      expect(snapshot).to.include({ kind: 'programme-statistics', jurisdiction: 'dong-thap' });
      expect((snapshot as { totals: unknown }).totals).to.deep.equal({
        programmes: 1,
        participants: 1,
        attendances: 1,
        hours: 4,
      });
      const verification = await verifySnapshot(log, dir, snapshot, SCHEDULER);
      expect(verification.matches, JSON.stringify(verification.differences)).to.equal(true);
    });

    it('defining the same duty again changes nothing; a changed duty is recorded; a wrong one is a 400 naming the field', async () => {
      const duties = new ReportingDuties(log, dir);
      expect((await duties.define(halfYear(), 'city-half-year')).outcome).to.equal('defined');
      expect((await duties.define(halfYear(), 'city-half-year')).outcome).to.equal('unchanged');
      expect((await duties.define(halfYear({ dueBy: '06-13' }), 'city-half-year')).outcome).to.equal(
        'changed',
      );
      const error = (await duties
        .define(halfYear({ cutOff: '06-20' }), 'city-half-year')
        .catch((e) => e)) as HttpProblem;
      expect(error).to.include({
        status: 400,
        rule: 'audit.duty.cut-off-after-due',
        pointer: '/body/cutOff',
      });
      expect((await duties.definitions()).map((d) => d.dueBy)).to.deep.equal(['06-13']);
    });
  });
});
