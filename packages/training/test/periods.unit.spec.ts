// TRAINING-DOMAIN.md, Periods: every period is in a named time zone, learning time is the
// statement's timestamp, and a period's due date is its last day that counts.
import { aCourse, aFact, anOfficial, aPolicy, minHours } from '@lrs/testkit';
import { dueDates, type Policy, periodAt, periodById, versionInForce } from '@lrs/training';
import { expect } from 'chai';
import { completionOf } from './support';

const at = (policy: Policy, timestamp: string, official?: Parameters<typeof periodAt>[2]) =>
  periodAt(policy, Date.parse(timestamp), official)?.id ?? null;

describe('Periods: which period a piece of learning belongs to', () => {
  describe('a calendar year in the policy’s time zone', () => {
    const seoul = aPolicy().calendarYear('Asia/Seoul').build();

    it('a statement at 2026-12-31T16:00Z is in 2027 in Asia/Seoul (01:00 on 1 January there)', () => {
      expect(at(seoul, '2026-12-31T16:00:00Z')).to.equal('2027');
    });

    it('the same instant is still 2026 under a policy kept in UTC', () => {
      expect(at(aPolicy().calendarYear('UTC').build(), '2026-12-31T16:00:00Z')).to.equal('2026');
    });

    it('23:59 on 31 December in Seoul is the old year, although UTC already shows it at 14:59', () => {
      expect(at(seoul, '2026-12-31T23:59:59+09:00')).to.equal('2026');
      expect(at(seoul, '2027-01-01T00:00:00+09:00')).to.equal('2027');
    });

    it('the year 2026 runs from 1 January 00:00 Seoul time to 1 January 2027 00:00 Seoul time', () => {
      const p = periodById(seoul, '2026')!;
      expect(p.start.toISO()).to.equal('2026-01-01T00:00:00.000+09:00');
      expect(p.end.toISO()).to.equal('2027-01-01T00:00:00.000+09:00');
    });

    it('a course completed at 01:00 on 1 January Seoul time counts toward the new year, not the old', () => {
      const ethics = 'https://training.example.org/course/welfare-ethics';
      const policy = aPolicy().calendarYear('Asia/Seoul').requiring(minHours('8h', 8)).build();
      const facts = [aFact().completed(ethics).at('2026-12-31T16:00:00Z').build()];
      const courses = [aCourse(ethics).worth(3)];
      expect(completionOf({ policy, periodId: '2026', facts, courses }).earnedHours).to.equal(0);
      expect(completionOf({ policy, periodId: '2027', facts, courses }).earnedHours).to.equal(3);
    });
  });

  describe('a fiscal year from 1 April (Hong Kong, Asia/Hong_Kong)', () => {
    const hk = aPolicy('department-staff-development').fiscalYearFrom(4, 'Asia/Hong_Kong').build();

    it('23:59 on 31 March local belongs to the fiscal year that began the April before', () => {
      expect(at(hk, '2027-03-31T23:59:00+08:00')).to.equal('FY2026');
    });

    it('00:00 on 1 April local begins the next fiscal year, though UTC still says 31 March', () => {
      expect(at(hk, '2027-04-01T00:00:00+08:00')).to.equal('FY2027');
      expect(at(hk, '2027-03-31T16:00:00Z')).to.equal('FY2027');
    });

    it('January to March belong to the fiscal year named after the April it began', () => {
      expect(at(hk, '2027-01-15T10:00:00+08:00')).to.equal('FY2026');
    });

    it('FY2026 runs from 1 April 2026 00:00 to 1 April 2027 00:00, Hong Kong time', () => {
      const p = periodById(hk, 'FY2026')!;
      expect(p.start.toISO()).to.equal('2026-04-01T00:00:00.000+08:00');
      expect(p.end.toISO()).to.equal('2027-04-01T00:00:00.000+08:00');
    });

    it('a calendar year is not a period of a fiscal-year policy', () => {
      expect(periodById(hk, '2026')).to.equal(null);
    });

    it('a programme attended at 23:59 on 31 March counts in FY2026; one at 00:00 on 1 April in FY2027', () => {
      const programme = 'https://department.example.hk/programme/stress-resilience';
      const policy = aPolicy('department-staff-development')
        .fiscalYearFrom(4, 'Asia/Hong_Kong')
        .requiring(minHours('one-hour', 1))
        .build();
      const courses = [aCourse(programme).inCategory('staff-development').worth(2)];
      const late = [aFact().attended(programme).inRegistration('a').at('2027-03-31T23:59:00+08:00').build()];
      const early = [aFact().attended(programme).inRegistration('b').at('2027-04-01T00:00:00+08:00').build()];
      expect(completionOf({ policy, periodId: 'FY2026', facts: late, courses }).earnedHours).to.equal(2);
      expect(completionOf({ policy, periodId: 'FY2027', facts: late, courses }).earnedHours).to.equal(0);
      expect(completionOf({ policy, periodId: 'FY2026', facts: early, courses }).earnedHours).to.equal(0);
      expect(completionOf({ policy, periodId: 'FY2027', facts: early, courses }).earnedHours).to.equal(2);
    });
  });

  describe('a cohort window with fixed dates (provincial supervisors, Asia/Shanghai, 1 March – 31 October 2024)', () => {
    const cohort = aPolicy('supervisor-cohort')
      .cohortWindow('cohort-2024', '2024-03-01', '2024-10-31', 'Asia/Shanghai')
      .build();

    it('23:30 on 31 October in Shanghai is inside the window: its last day counts whole', () => {
      expect(at(cohort, '2024-10-31T23:30:00+08:00')).to.equal('cohort-2024');
    });

    it('00:10 on 1 November in Shanghai is after the window: in no period', () => {
      expect(at(cohort, '2024-11-01T00:10:00+08:00')).to.equal(null);
    });

    it('learning before the window opens is in no period', () => {
      expect(at(cohort, '2024-02-29T23:59:00+08:00')).to.equal(null);
      expect(at(cohort, '2024-03-01T00:00:00+08:00')).to.equal('cohort-2024');
    });

    it('the window is named by its own id, and by nothing else', () => {
      expect(periodById(cohort, 'cohort-2024')!.end.toISO()).to.equal('2024-11-01T00:00:00.000+08:00');
      expect(periodById(cohort, '2024')).to.equal(null);
    });
  });

  describe('a personal window anchored on the official’s own date (6 months from appointment)', () => {
    const induction = aPolicy('induction').personalWindow('employedFrom', 6, 'Asia/Seoul').build();
    const newcomer = anOfficial('lee').employedFrom('2026-03-15').build();

    it('runs from the appointment date for 6 months, in the policy’s zone', () => {
      const p = periodById(induction, 'personal', newcomer)!;
      expect(p.start.toISO()).to.equal('2026-03-15T00:00:00.000+09:00');
      expect(p.end.toISO()).to.equal('2026-09-15T00:00:00.000+09:00');
    });

    it('learning on the appointment day and on the day before the 6 months end counts; the day after does not', () => {
      expect(at(induction, '2026-03-15T09:00:00+09:00', newcomer)).to.equal('personal');
      expect(at(induction, '2026-09-14T23:59:00+09:00', newcomer)).to.equal('personal');
      expect(at(induction, '2026-09-15T00:00:00+09:00', newcomer)).to.equal(null);
      expect(at(induction, '2026-03-14T23:59:00+09:00', newcomer)).to.equal(null);
    });

    it('each official has their own window', () => {
      const other = anOfficial('park').employedFrom('2026-06-01').build();
      expect(at(induction, '2026-05-01T09:00:00+09:00', newcomer)).to.equal('personal');
      expect(at(induction, '2026-05-01T09:00:00+09:00', other)).to.equal(null);
    });

    it('an official without the anchor date has no personal window', () => {
      const unknown = anOfficial('choi').employedFrom(null).build();
      expect(periodById(induction, 'personal', unknown)).to.equal(null);
      expect(at(induction, '2026-05-01T09:00:00+09:00', unknown)).to.equal(null);
    });

    it('a window anchored on the posting to the org unit starts on that date', () => {
      const posting = aPolicy('posting-induction').personalWindow('orgUnitFrom', 3, 'Asia/Seoul').build();
      const posted = anOfficial('yoon').inOrgUnit('district-2', '2026-07-01').build();
      expect(periodById(posting, 'personal', posted)!.end.toISO()).to.equal('2026-10-01T00:00:00.000+09:00');
    });
  });

  describe('which version of a policy governs a period', () => {
    const v1 = aPolicy().calendarYear('Asia/Seoul').version(1, '2024-01-01').build();
    const v2 = aPolicy().calendarYear('Asia/Seoul').version(2, '2026-07-01').build();

    it('a version published mid-year governs from the next year, so one year is judged by one rule', () => {
      expect(versionInForce([v1, v2], periodById(v1, '2026')!)?.version).to.equal(1);
      expect(versionInForce([v1, v2], periodById(v1, '2027')!)?.version).to.equal(2);
    });

    it('before any version took effect, the first one taking effect within the period governs it', () => {
      expect(versionInForce([v2], periodById(v2, '2026')!)?.version).to.equal(2);
      expect(versionInForce([v2], periodById(v2, '2025')!)).to.equal(null);
    });
  });
});

describe('Due dates: the last day that counts, never the exclusive end', () => {
  it('a calendar year in Seoul is due on 31 December, not 1 January', () => {
    const seoul = aPolicy().calendarYear('Asia/Seoul').build();
    expect(dueDates(seoul, periodById(seoul, '2026')!)).to.deep.equal({
      lastDay: '2026-12-31',
      dueDate: '2026-12-31',
      graceLastDay: '2026-12-31',
    });
  });

  it('a fiscal year from 1 April in Hong Kong ends on 31 March', () => {
    const hk = aPolicy().fiscalYearFrom(4, 'Asia/Hong_Kong').build();
    expect(dueDates(hk, periodById(hk, 'FY2026')!).lastDay).to.equal('2027-03-31');
  });

  it('a cohort window ends on its own last day', () => {
    const cohort = aPolicy().cohortWindow('cohort-2024', '2024-03-01', '2024-10-31', 'Asia/Shanghai').build();
    expect(dueDates(cohort, periodById(cohort, 'cohort-2024')!).lastDay).to.equal('2024-10-31');
  });

  it('thirty days after the period end with fourteen days of grace: due 30 January, overdue after 13 February', () => {
    const seoul = aPolicy().calendarYear('Asia/Seoul').due(30, 14).build();
    expect(dueDates(seoul, periodById(seoul, '2026')!)).to.deep.equal({
      lastDay: '2026-12-31',
      dueDate: '2027-01-30',
      graceLastDay: '2027-02-13',
    });
  });

  it('the completion of that year carries the same dates', () => {
    const seoul = aPolicy().calendarYear('Asia/Seoul').requiring(minHours('h', 1)).build();
    const c = completionOf({ policy: seoul, periodId: '2026', facts: [], courses: [aCourse()] });
    expect([c.lastDay, c.dueDate]).to.deep.equal(['2026-12-31', '2026-12-31']);
  });
});
