// Programme statistics in the department's words (TRAINING-DOMAIN, "A department's
// staff-development year"; decision 050): per programme category, staff group and org unit, the
// programmes held, the participants, the attendances and the hours of a fiscal year.
import type { HttpProblem } from '@lrs/http';
import { aCourse, aFact, aLedgerOf, anOfficial, aPolicy, type LearningFactBuilder } from '@lrs/testkit';
import {
  type LearningFact,
  type Official,
  PROGRAMME_HOURS_RULE,
  programmeStatistics,
  programmeStatisticsCsv,
  type StatisticsScope,
  statisticsWindow,
} from '@lrs/training';
import { expect } from 'chai';

const HK = 'Asia/Hong_Kong';
const DEPT = 'https://training.swd.example.hk/programmes';
const everyone: StatisticsScope = { jurisdiction: null, orgUnit: null, category: null };
const departmentPolicy = () => aPolicy('department-staff-development').fiscalYearFrom(4, HK).build();
const fy2024 = () => statisticsWindow({ policy: [departmentPolicy()], period: 'FY2024' });
const ORG_UNITS = [
  { orgUnitId: 'department', name: 'Social Welfare Department', parent: null },
  { orgUnitId: 'security-north', name: 'Social Security Field Units (North)', parent: 'department' },
  { orgUnitId: 'security-south', name: 'Social Security Field Units (South)', parent: 'department' },
  { orgUnitId: 'family-services', name: 'Family and Child Welfare', parent: 'department' },
  { orgUnitId: 'headquarters', name: 'Headquarters', parent: 'department' },
];
const staff = (id: string, group: string, unit: string) =>
  anOfficial(id).inStaffGroup(group).inOrgUnit(unit, '2020-01-01').inJurisdiction('department');

function problem(run: () => unknown): HttpProblem {
  try {
    run();
  } catch (error) {
    return error as HttpProblem;
  }
  throw new Error('expected a 400');
}

describe('training: programme statistics (the department counts programmes, not compliance)', () => {
  describe('a staff-development year shaped like the yearly review', () => {
    // 68 professional social-work programmes; 50 programmes for 1,132 social-security staff;
    // 6 orientation programmes for 189 new appointees; a management programme for 21 supervisors.
    const officials: Official[] = [];
    const facts: (LearningFact | LearningFactBuilder)[] = [];
    const courses = [
      ...Array.from({ length: 68 }, (_, i) =>
        aCourse(`${DEPT}/professional-${i}`).inCategory('professional-social-work').worth(6),
      ),
      ...Array.from({ length: 51 }, (_, i) =>
        aCourse(`${DEPT}/social-security-${i}`).inCategory('social-security').worth(3),
      ),
      ...Array.from({ length: 7 }, (_, i) =>
        aCourse(`${DEPT}/orientation-${i}`).inCategory('orientation').worth(7.5),
      ),
      aCourse(`${DEPT}/management-development`).inCategory('management').worth(3.5),
    ];
    // Learning times spread over the fiscal year (1 April 2024 – 31 March 2025, Hong Kong time).
    const day = (n: number) =>
      `${new Date(Date.UTC(2024, 3, 1 + (n % 360), 2)).toISOString().slice(0, 19)}+08:00`;
    for (let i = 0; i < 1132; i++) {
      const id = `ss-${i}`;
      officials.push(staff(id, 'social-security', i % 2 ? 'security-north' : 'security-south').build());
      for (const p of [i % 50, (i + 7) % 50])
        facts.push(
          aFact()
            .by(id)
            .attended(`${DEPT}/social-security-${p}`)
            .inRegistration(`reg-${id}-${p}`)
            .at(day(i + p)),
        );
    }
    // A 51st programme whose only attendance was withdrawn (voided): not held.
    facts.push(aFact().by('ss-0').attended(`${DEPT}/social-security-50`).at(day(3)).voided());
    for (let i = 0; i < 300; i++) {
      const id = `sw-${i}`;
      officials.push(staff(id, 'social-work', 'family-services').build());
      for (let k = 0; k < 3; k++)
        facts.push(
          aFact()
            .by(id)
            .attended(`${DEPT}/professional-${(i * 3 + k) % 68}`)
            .inRegistration(`reg-${id}-${k}`)
            .at(day(i + k * 40)),
        );
    }
    for (let j = 0; j < 189; j++) {
      const id = `new-${j}`;
      officials.push(staff(id, j < 120 ? 'social-security' : 'clerical', 'headquarters').build());
      const orientation = `${DEPT}/orientation-${j % 6}`;
      // The last appointee completed on 31 March at 23:30 in Hong Kong (15:30 UTC): still FY2024.
      const at = j === 188 ? '2025-03-31T23:30:00+08:00' : day(j);
      facts.push(aFact().by(id).completed(orientation).inRegistration(`reg-${id}`).at(at));
      // The LMS sent the completion twice: a re-sent completion is not a new attendance.
      if (j % 10 === 0) facts.push(aFact().by(id).completed(orientation).inRegistration(`reg-${id}`).at(at));
      // Registered and failed are not attendances.
      facts.push(aFact().by(id).registered(orientation).inRegistration(`reg-${id}`).at(day(j)));
    }
    // A seventh orientation programme held on 1 April 2025 at 00:30 Hong Kong time (16:30 UTC on
    // 31 March): the next fiscal year.
    facts.push(aFact().by('new-0').completed(`${DEPT}/orientation-6`).at('2025-04-01T00:30:00+08:00'));
    for (let s = 0; s < 21; s++) {
      const id = `sup-${s}`;
      officials.push(staff(id, 'supervisory', 'headquarters').build());
      // Three sessions of one programme, sent against it without registrations: three attendances.
      for (let k = 0; k < 3; k++)
        facts.push(
          aFact()
            .by(id)
            .attended(`${DEPT}/management-development`)
            .at(day(100 + k * 30)),
        );
    }
    facts.push(aFact().by('sw-0').attended('https://elsewhere.example.org/not-in-catalog').at(day(5)));
    facts.push(aFact().by('sw-1').failed(`${DEPT}/professional-1`).at(day(5)));
    const ledger = aLedgerOf({ officials, courses, facts, orgUnits: ORG_UNITS });

    it('counts 68 professional social-work programmes, 50 for 1,132 social-security staff, 6 orientation programmes for 189 new appointees and one management programme for 21 supervisors', () => {
      const s = programmeStatistics(ledger, fy2024(), everyone);
      expect(s.window).to.deep.equal({
        from: '2024-04-01',
        to: '2025-03-31',
        timeZone: HK,
        policyId: 'department-staff-development',
        period: 'FY2024',
      });
      expect(s.byCategory).to.deep.equal({
        management: { programmes: 1, participants: 21, attendances: 63, hours: 220.5 },
        orientation: { programmes: 6, participants: 189, attendances: 189, hours: 1417.5 },
        'professional-social-work': { programmes: 68, participants: 300, attendances: 900, hours: 5400 },
        'social-security': { programmes: 50, participants: 1132, attendances: 2264, hours: 6792 },
      });
      expect(s.byCategoryAndStaffGroup['social-security']).to.deep.equal({
        'social-security': { programmes: 50, participants: 1132, attendances: 2264, hours: 6792 },
      });
      expect(s.byCategoryAndStaffGroup.orientation).to.deep.equal({
        clerical: { programmes: 6, participants: 69, attendances: 69, hours: 517.5 },
        'social-security': { programmes: 6, participants: 120, attendances: 120, hours: 900 },
      });
      expect(s.byStaffGroup['social-security']).to.deep.equal({
        programmes: 56,
        participants: 1252,
        attendances: 2384,
        hours: 7692,
      });
      expect(s.totals).to.deep.equal({
        programmes: 125,
        participants: 1642,
        attendances: 3416,
        hours: 13830,
      });
      expect(s.hoursRule).to.equal(PROGRAMME_HOURS_RULE);
    });

    it('counts each org unit with its subtree, the department with all of them', () => {
      const s = programmeStatistics(ledger, fy2024(), everyone);
      expect(s.byOrgUnit.department).to.deep.include({ name: 'Social Welfare Department', ...s.totals });
      expect(
        s.byOrgUnit['security-north']!.participants + s.byOrgUnit['security-south']!.participants,
      ).to.equal(1132);
      const south = programmeStatistics(ledger, fy2024(), { ...everyone, orgUnit: 'security-south' });
      expect(Object.keys(south.byOrgUnit)).to.deep.equal(['security-south']);
      expect(south.totals.participants).to.equal(566);
    });

    it('narrows to one category', () => {
      const s = programmeStatistics(ledger, fy2024(), { ...everyone, category: 'management' });
      expect(s.totals).to.deep.equal({ programmes: 1, participants: 21, attendances: 63, hours: 220.5 });
      expect(Object.keys(s.byCategory)).to.deep.equal(['management']);
    });

    it('writes the same table as CSV: a total line, a line per category, staff group, cell, org unit and programme', () => {
      const s = programmeStatistics(ledger, fy2024(), everyone);
      const lines = [...programmeStatisticsCsv(s)].join('').trimEnd().split('\r\n');
      expect(lines[0]).to.equal(
        'dimension,category,staff_group,org_unit,programme,programmes,participants,attendances,hours,from,to,time_zone,hours_rule',
      );
      expect(lines).to.include(
        'category,social-security,,,,50,1132,2264,6792,2024-04-01,2025-03-31,Asia/Hong_Kong,nominal catalog hours per attendance',
      );
      // header, total, 4 categories, 4 staff groups, 5 cells, 5 org units, 125 programmes
      expect(lines).to.have.length(1 + 1 + 4 + 4 + 5 + 5 + 125);
    });
  });

  describe('what an attendance is and what it is worth', () => {
    const course = aCourse(`${DEPT}/case-conference`).inCategory('child-protection').worth(2.5);
    const kim = staff('kim', 'social-work', 'family-services');
    const stats = (...facts: LearningFactBuilder[]) =>
      programmeStatistics(aLedgerOf({ officials: [kim], courses: [course], facts }), fy2024(), everyone)
        .totals;

    it('a course completed and passed in one registration is one attendance of its nominal hours', () => {
      expect(
        stats(
          aFact()
            .by('kim')
            .completed(course.build().activityId)
            .inRegistration('r1')
            .at('2024-05-01T10:00:00+08:00'),
          aFact()
            .by('kim')
            .passed(course.build().activityId)
            .inRegistration('r1')
            .at('2024-05-01T10:05:00+08:00'),
        ),
      ).to.deep.equal({ programmes: 1, participants: 1, attendances: 1, hours: 2.5 });
    });

    it('a completion does not count on top of the attended sessions of its registration; a new registration is a new attendance', () => {
      const id = course.build().activityId;
      expect(
        stats(
          aFact().by('kim').attended(id).inRegistration('r1').at('2024-05-01T10:00:00+08:00'),
          aFact().by('kim').attended(id).inRegistration('r1').at('2024-05-08T10:00:00+08:00'),
          aFact().by('kim').completed(id).inRegistration('r1').at('2024-05-08T12:00:00+08:00'),
          aFact().by('kim').completed(id).inRegistration('r2').at('2024-09-08T12:00:00+08:00'),
        ),
      ).to.deep.equal({ programmes: 1, participants: 1, attendances: 3, hours: 7.5 });
    });

    it('hours are nominal, whatever the measured duration; a programme without nominal hours counts 0 hours', () => {
      const id = course.build().activityId;
      expect(
        stats(aFact().by('kim').attended(id).lasting('PT9H').at('2024-05-01T10:00:00+08:00')).hours,
      ).to.equal(2.5);
      const none = aCourse(`${DEPT}/open-day`).inCategory('outreach').worth(null);
      const s = programmeStatistics(
        aLedgerOf({
          officials: [kim],
          courses: [none],
          facts: [aFact().by('kim').attended(none.build().activityId).at('2024-05-01T10:00:00+08:00')],
        }),
        fy2024(),
        everyone,
      );
      expect(s.totals).to.deep.equal({ programmes: 1, participants: 1, attendances: 1, hours: 0 });
    });

    it('a policy unit sees only its jurisdiction', () => {
      const id = course.build().activityId;
      const other = anOfficial('park').inJurisdiction('elsewhere').inOrgUnit('family-services');
      const s = programmeStatistics(
        aLedgerOf({
          officials: [kim, other],
          courses: [course],
          facts: [
            aFact().by('kim').attended(id).at('2024-05-01T10:00:00+08:00'),
            aFact().by('park').attended(id).at('2024-05-01T10:00:00+08:00'),
          ],
        }),
        fy2024(),
        { ...everyone, jurisdiction: 'department' },
      );
      expect(s.totals.participants).to.equal(1);
    });
  });

  describe('an official who moves during the year is counted where they were on the attendance date', () => {
    const intake = aCourse(`${DEPT}/intake-interviewing`).inCategory('social-security').worth(3);
    const id = intake.build().activityId;
    // Chan joined as a clerical officer and became social-security staff on 1 October 2024,
    // moving from headquarters to the north field units on the same day.
    const chanBefore = staff('chan', 'clerical', 'headquarters');
    const chanAfter = anOfficial('chan')
      .inStaffGroup('social-security', '2024-10-01')
      .inOrgUnit('security-north', '2024-10-01')
      .inJurisdiction('department');
    const lee = staff('lee', 'social-security', 'security-north');
    const facts = [
      aFact().by('chan').attended(id).inRegistration('spring').at('2024-05-02T09:00:00+08:00'),
      aFact().by('chan').attended(id).inRegistration('spring').at('2024-05-09T09:00:00+08:00'),
      // 1 October 00:30 in Hong Kong is still 30 September in UTC: the new group's first day.
      aFact().by('chan').completed(id).inRegistration('autumn').at('2024-10-01T00:30:00+08:00'),
      aFact().by('lee').completed(id).inRegistration('lee').at('2024-06-01T09:00:00+08:00'),
    ];
    const ledger = aLedgerOf({
      officials: [chanBefore, lee, chanAfter],
      courses: [intake],
      facts,
      orgUnits: ORG_UNITS,
    });

    it('the sessions before the move count for the clerical staff, the course after it for social-security staff', () => {
      const s = programmeStatistics(ledger, fy2024(), everyone);
      expect(s.byStaffGroup).to.deep.equal({
        clerical: { programmes: 1, participants: 1, attendances: 2, hours: 6 },
        'social-security': { programmes: 1, participants: 2, attendances: 2, hours: 6 },
      });
      expect(s.totals).to.deep.equal({ programmes: 1, participants: 2, attendances: 4, hours: 12 });
      expect(s.byOrgUnit.headquarters).to.deep.include({ participants: 1, attendances: 2 });
      expect(s.byOrgUnit['security-north']).to.deep.include({ participants: 2, attendances: 2 });
    });

    it('a year that ends before the move counts them only where they were', () => {
      const spring = statisticsWindow({ from: '2024-04-01', to: '2024-09-30', timeZone: HK });
      const s = programmeStatistics(ledger, spring, everyone);
      expect(Object.keys(s.byStaffGroup)).to.deep.equal(['clerical', 'social-security']);
      expect(s.byStaffGroup.clerical).to.deep.equal({
        programmes: 1,
        participants: 1,
        attendances: 2,
        hours: 6,
      });
      expect(s.byCategoryAndStaffGroup['social-security']!['social-security']).to.deep.include({
        participants: 1,
      });
    });

    it('asked for the north field units, only what Chan attended after moving there counts', () => {
      const s = programmeStatistics(ledger, fy2024(), { ...everyone, orgUnit: 'security-north' });
      expect(s.totals).to.deep.equal({ programmes: 1, participants: 2, attendances: 2, hours: 6 });
      expect(s.byStaffGroup).to.have.keys(['social-security']);
    });
  });

  describe('bad input is a 400 naming the parameter and the rule', () => {
    const course = aCourse(`${DEPT}/case-conference`).inCategory('child-protection');
    const ledger = aLedgerOf({
      officials: [staff('kim', 'social-work', 'family-services')],
      courses: [course],
      facts: [aFact().by('kim').attended(course.build().activityId).at('2024-05-01T10:00:00+08:00')],
      orgUnits: ORG_UNITS,
    });
    const cases: [string, () => unknown, string, string][] = [
      [
        'a category no catalog programme has',
        () => programmeStatistics(ledger, fy2024(), { ...everyone, category: 'astrology' }),
        'training.query.category',
        '/query/category',
      ],
      [
        'an org unit the tree does not have',
        () => programmeStatistics(ledger, fy2024(), { ...everyone, orgUnit: 'nowhere' }),
        'training.query.org-unit',
        '/query/orgUnit',
      ],
      [
        'a period with no attendance',
        () =>
          programmeStatistics(
            ledger,
            statisticsWindow({ policy: [departmentPolicy()], period: 'FY2019' }),
            everyone,
          ),
        'training.report.no-data',
        '/query/period',
      ],
      [
        'a period the policy does not have',
        () => statisticsWindow({ policy: [departmentPolicy()], period: '2024' }),
        'training.query.period',
        '/query/period',
      ],
      [
        'a window that ends before it starts',
        () => statisticsWindow({ from: '2024-06-30', to: '2024-01-01', timeZone: HK }),
        'training.query.window',
        '/query/to',
      ],
      [
        'a date that is not one',
        () => statisticsWindow({ from: '2024-02-30', to: '2024-03-01', timeZone: HK }),
        'training.query.date',
        '/query/from',
      ],
      [
        'a time zone that is not one',
        () => statisticsWindow({ from: '2024-01-01', to: '2024-03-01', timeZone: 'Mars/Olympus' }),
        'training.query.time-zone',
        '/query/timeZone',
      ],
    ];
    for (const [what, run, rule, pointer] of cases)
      it(`${what}: ${rule} at ${pointer}`, () => {
        const p = problem(run);
        expect(p.status, p.message).to.equal(400);
        expect(p.rule).to.equal(rule);
        expect(p.pointer).to.equal(pointer);
      });
  });
});
