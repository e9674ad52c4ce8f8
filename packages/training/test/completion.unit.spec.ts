// TRAINING-DOMAIN.md, Policy document and Statuses: a requirement tree judged per official and
// period; per node required, earned, contributing entries, excess; exemptions pro-rate it.
import {
  aCourse,
  aFact,
  allOf,
  anExemption,
  anOfficial,
  anyOf,
  aPolicy,
  minCount,
  minHours,
  passed,
} from '@lrs/testkit';
import { inPopulation, OrgTree, type Policy, periodById, proRating, statusAt, VERB } from '@lrs/training';
import { expect } from 'chai';
import { completionOf, requirementTable } from './support';

const ETHICS = 'https://training.example.org/course/welfare-ethics';
const HUMAN_RIGHTS = 'https://training.example.org/course/human-rights';
const CASE_MANAGEMENT = 'https://training.example.org/course/case-management';
const COUNSELLING = 'https://training.example.org/course/counselling';
const CRISIS_CARE = 'https://training.example.org/course/crisis-care-centre';
const courses = [
  aCourse(ETHICS).inCategory('basic').worth(2),
  aCourse(HUMAN_RIGHTS).inCategory('basic').worth(1),
  aCourse(CASE_MANAGEMENT).inCategory('job').worth(3),
  aCourse(COUNSELLING).inCategory('job').worth(3),
  aCourse(CRISIS_CARE).inCategory('specialised').worth(4),
];

/** The city's annual requirement: 8 h a calendar year in Seoul, ≥ 3 h basic and ≥ 5 h job-related. */
const cityRequirement = () =>
  aPolicy('city-annual-welfare-education')
    .calendarYear('Asia/Seoul')
    .forStaffGroups('social-welfare', 'administrative', 'nursing')
    .creditBasis('min')
    .roundingDown(0.25)
    .requiring(allOf('annual-8h', minHours('basic-3h', 3, 'basic'), minHours('job-5h', 5, 'job')));

let day = 0;
const done = (activity: string, month = 3) =>
  aFact()
    .attended(activity)
    .inRegistration(`reg-${++day}`)
    .at(`2026-${String(month).padStart(2, '0')}-${String((day % 27) + 1).padStart(2, '0')}T09:00:00+09:00`)
    .build();

describe('Completion: a requirement tree judged for one official over one period', () => {
  describe("the city's annual requirement (all_of: 3 h basic, 5 h job-related)", () => {
    it('nothing learnt yet: not started, every node 0 earned', () => {
      const c = completionOf({ policy: cityRequirement().build(), periodId: '2026', courses });
      expect(c.status).to.equal('not_started');
      expect(requirementTable(c)).to.deep.equal([
        ['annual-8h', 2, 0, 0, false],
        ['basic-3h', 3, 0, 0, false],
        ['job-5h', 5, 0, 0, false],
      ]);
    });

    it('3 h basic and 3 h job-related: basic met, job-related 2 h short, in progress', () => {
      const facts = [done(ETHICS), done(HUMAN_RIGHTS), done(CASE_MANAGEMENT)];
      const c = completionOf({ policy: cityRequirement().build(), periodId: '2026', facts, courses });
      expect(c.status).to.equal('in_progress');
      expect(requirementTable(c)).to.deep.equal([
        ['annual-8h', 2, 1, 0, false],
        ['basic-3h', 3, 3, 0, true],
        ['job-5h', 5, 3, 0, false],
      ]);
      expect(c.hoursByCategory).to.deep.equal({ basic: 3, job: 3 });
    });

    it('3 h basic and 6 h job-related: completed, with 1 h excess on the job-related node', () => {
      const facts = [done(ETHICS), done(HUMAN_RIGHTS), done(CASE_MANAGEMENT), done(COUNSELLING)];
      const c = completionOf({ policy: cityRequirement().build(), periodId: '2026', facts, courses });
      expect(c.status).to.equal('completed');
      expect(requirementTable(c)).to.deep.equal([
        ['annual-8h', 2, 2, 0, true],
        ['basic-3h', 3, 3, 0, true],
        ['job-5h', 5, 6, 1, true],
      ]);
      expect(c.earnedHours).to.equal(9);
    });

    it('each node lists the transcript entries that contributed to it, with their credit rule and evidence', () => {
      const fact = aFact()
        .attended(CASE_MANAGEMENT)
        .at('2026-03-02T09:00:00+09:00')
        .lasting('PT2H50M')
        .build();
      const c = completionOf({ policy: cityRequirement().build(), periodId: '2026', facts: [fact], courses });
      const job = c.requirement.children!.find((r) => r.id === 'job-5h')!;
      expect(job.contributing).to.deep.equal([
        {
          activityId: CASE_MANAGEMENT,
          registration: '',
          category: 'job',
          hours: 2.75,
          rule: 'min(nominal 3 h, measured 2.83 h), rounded down to 0.25 h',
          evidence: [fact.statementId],
          timestamp: '2026-03-02T09:00:00+09:00',
        },
      ]);
      expect(c.requirement.children!.find((r) => r.id === 'basic-3h')!.contributing).to.deep.equal([]);
    });

    it('hours of job-related courses never fill the basic requirement', () => {
      const facts = [done(CASE_MANAGEMENT), done(COUNSELLING), done(CASE_MANAGEMENT)];
      const c = completionOf({ policy: cityRequirement().build(), periodId: '2026', facts, courses });
      expect(c.requirement.children![0]!.earned).to.equal(0);
      expect(c.status).to.equal('in_progress');
    });
  });

  describe('which category an activity counts toward is decided by the catalog under the policy in force', () => {
    it("a policy may map the catalog's category to its own: 'human-rights' courses count as basic", () => {
      const rights = aCourse(HUMAN_RIGHTS).inCategory('human-rights').worth(3);
      const policy = cityRequirement().countingCategory('human-rights', 'basic').build();
      const c = completionOf({ policy, periodId: '2026', facts: [done(HUMAN_RIGHTS)], courses: [rights] });
      expect(c.requirement.children![0]!.earned).to.equal(3);
    });

    it("next year's policy may classify the same course differently: an activity override wins over the catalog", () => {
      const policy = cityRequirement().classifying(CASE_MANAGEMENT, 'basic').build();
      const c = completionOf({ policy, periodId: '2026', facts: [done(CASE_MANAGEMENT)], courses });
      expect(requirementTable(c).slice(1)).to.deep.equal([
        ['basic-3h', 3, 3, 0, true],
        ['job-5h', 5, 0, 0, false],
      ]);
    });

    it('an optional specialised course counts toward no requirement that names a category', () => {
      const c = completionOf({
        policy: cityRequirement().build(),
        periodId: '2026',
        facts: [done(CRISIS_CARE)],
        courses,
      });
      expect(
        requirementTable(c)
          .slice(1)
          .map((r) => r[2]),
      ).to.deep.equal([0, 0]);
    });
  });

  describe('courses in categories the policy does not count', () => {
    it('an optional specialised course, a category no requirement names, is recorded but earns no hours and starts nothing', () => {
      const c = completionOf({
        policy: cityRequirement().build(),
        periodId: '2026',
        facts: [done(CRISIS_CARE)],
        courses,
      });
      expect(c.earnedHours).to.equal(0);
      expect(c.hoursByCategory).to.deep.equal({});
      expect(c.status).to.equal('not_started');
    });

    it('beside counted courses, the specialised course adds nothing to earned hours or any requirement', () => {
      const c = completionOf({
        policy: cityRequirement().build(),
        periodId: '2026',
        facts: [done(ETHICS), done(CRISIS_CARE)],
        courses,
      });
      expect(c.hoursByCategory).to.not.have.property('specialised');
      expect(c.earnedHours).to.equal(c.hoursByCategory.basic);
    });

    it('a policy of total hours alone, naming no category, counts every category toward its total', () => {
      const policy = cityRequirement().requiring(minHours('total-8h', 8)).build();
      const c = completionOf({ policy, periodId: '2026', facts: [done(CRISIS_CARE)], courses });
      expect(c.requirement.earned).to.equal(4);
    });
  });

  describe('min_hours over all categories, any_of, min_count and passed', () => {
    it('a total of 8 hours counts every category the policy classifies', () => {
      const policy = cityRequirement().requiring(minHours('total-8h', 8)).build();
      const facts = [done(ETHICS), done(CASE_MANAGEMENT), done(COUNSELLING)];
      const c = completionOf({ policy, periodId: '2026', facts, courses });
      expect(requirementTable(c)).to.deep.equal([['total-8h', 8, 8, 0, true]]);
      expect(c.status).to.equal('completed');
    });

    it('any_of is met by one of its branches: one orientation programme is enough', () => {
      const ORIENTATION = 'https://department.example.hk/programme/orientation';
      const policy = aPolicy('department-staff-development')
        .fiscalYearFrom(4, 'Asia/Hong_Kong')
        .requiring(
          anyOf(
            'one-programme',
            minCount('orientation', 1, 'orientation'),
            minCount('development', 1, 'staff-development'),
          ),
        )
        .build();
      const facts = [aFact().attended(ORIENTATION).at('2026-05-04T09:30:00+08:00').build()];
      const c = completionOf({
        policy,
        periodId: 'FY2026',
        facts,
        courses: [aCourse(ORIENTATION).inCategory('orientation').worth(6)],
      });
      expect(c.status).to.equal('completed');
      expect(requirementTable(c)).to.deep.equal([
        ['one-programme', 1, 1, 0, true],
        ['orientation', 1, 1, 0, true],
        ['development', 1, 0, 0, false],
      ]);
    });

    describe('the provincial supervisor cohort: 30 sessions, 220 h internship, a passed defence', () => {
      const SUPERVISION = 'https://province.example.cn/cohort/group-supervision';
      const INTERNSHIP = 'https://province.example.cn/cohort/internship';
      const DEFENCE = 'https://province.example.cn/cohort/defence';
      const cohortCourses = [
        aCourse(SUPERVISION).inCategory('group-supervision').worth(5),
        aCourse(INTERNSHIP).inCategory('supervised-internship').worth(null),
        aCourse(DEFENCE).inCategory('defence').worth(null),
      ];
      const policy: Policy = aPolicy('provincial-supervisor-cohort')
        .cohortWindow('cohort-2024', '2024-03-01', '2024-10-31', 'Asia/Shanghai')
        .forStaffGroups('supervisor-trainee')
        .creditBasis('measured')
        .roundingDown(0.5)
        .earningWith(VERB.attended, VERB.performedOffline, VERB.passed)
        .requiring(
          allOf(
            'certificate',
            minHours('internship-220h', 220, 'supervised-internship'),
            minCount('group-supervision-30', 30, 'group-supervision'),
            passed('defence', { category: 'defence' }),
          ),
        )
        .due(0, 30)
        .build();
      const sessions = (n: number) =>
        Array.from({ length: n }, (_, i) =>
          aFact()
            .attended(SUPERVISION)
            .inRegistration(`session-${i}`)
            .at(`2024-05-${String((i % 28) + 1).padStart(2, '0')}T14:00:00+08:00`)
            .lasting('PT5H')
            .build(),
        );
      const internship = (months: number[]) =>
        months.map((m) =>
          aFact()
            .performedOffline(INTERNSHIP)
            .confirmed()
            .inRegistration(`episode-${m}`)
            .at(`2024-0${m}-15T09:00:00+08:00`)
            .lasting('PT55H')
            .build(),
        );
      const defence = (outcome: 'passed' | 'failed') =>
        aFact()[outcome](DEFENCE).inRegistration('defence').at('2024-10-20T10:00:00+08:00').build();

      it('30 sessions, 220 h of confirmed internship and a passed defence complete the certificate', () => {
        const facts = [...sessions(30), ...internship([4, 5, 6, 7]), defence('passed')];
        const c = completionOf({ policy, periodId: 'cohort-2024', facts, courses: cohortCourses });
        expect(c.status).to.equal('completed');
        expect(requirementTable(c)).to.deep.equal([
          ['certificate', 3, 3, 0, true],
          ['internship-220h', 220, 220, 0, true],
          ['group-supervision-30', 30, 30, 0, true],
          ['defence', 1, 1, 0, true],
        ]);
      });

      it('29 sessions are not 30; 33 sessions are 3 in excess', () => {
        const short = completionOf({
          policy,
          periodId: 'cohort-2024',
          facts: sessions(29),
          courses: cohortCourses,
        });
        expect(requirementTable(short)[2]).to.deep.equal(['group-supervision-30', 30, 29, 0, false]);
        const more = completionOf({
          policy,
          periodId: 'cohort-2024',
          facts: sessions(33),
          courses: cohortCourses,
        });
        expect(requirementTable(more)[2]).to.deep.equal(['group-supervision-30', 30, 33, 3, true]);
      });

      it('a failed defence is not passed', () => {
        const facts = [...sessions(30), ...internship([4, 5, 6, 7]), defence('failed')];
        const c = completionOf({ policy, periodId: 'cohort-2024', facts, courses: cohortCourses });
        expect(requirementTable(c)[3]).to.deep.equal(['defence', 1, 0, 0, false]);
        expect(c.status).to.equal('in_progress');
      });

      it('passed may name the activity itself rather than a category', () => {
        const byActivity = aPolicy('defence-only')
          .cohortWindow('cohort-2024', '2024-03-01', '2024-10-31', 'Asia/Shanghai')
          .earningWith(VERB.passed)
          .requiring(passed('defence', { activity: DEFENCE }))
          .build();
        const c = completionOf({
          policy: byActivity,
          periodId: 'cohort-2024',
          facts: [defence('passed')],
          courses: cohortCourses,
        });
        expect(c.status).to.equal('completed');
      });
    });
  });

  describe('statuses, due date and overdue', () => {
    it('overdue is decided against the clock: not complete after due and grace', () => {
      const policy = cityRequirement().due(0, 14).build();
      const c = completionOf({ policy, periodId: '2026', facts: [done(ETHICS)], courses });
      expect(c.status).to.equal('in_progress');
      expect(c.overdueAfter).to.equal('2027-01-15T00:00:00.000+09:00');
      const overdueAfter = Date.parse(c.overdueAfter);
      expect(statusAt(c.status, overdueAfter, Date.parse('2027-01-14T23:59:59+09:00'))).to.equal(
        'in_progress',
      );
      expect(statusAt(c.status, overdueAfter, overdueAfter)).to.equal('overdue');
      expect(statusAt('not_started', overdueAfter, overdueAfter + 1)).to.equal('overdue');
    });

    it('completed and exempt never become overdue', () => {
      expect(statusAt('completed', 0, 1)).to.equal('completed');
      expect(statusAt('exempt', 0, 1)).to.equal('exempt');
    });

    it('the due date is moved by the days the policy allows after the period', () => {
      const c = completionOf({ policy: cityRequirement().due(31, 0).build(), periodId: '2026', courses });
      expect(c.due).to.equal('2027-02-01T00:00:00.000+09:00');
    });

    it('today the due date of a calendar year is shown as 1 January 00:00, the exclusive end (the domain says: 31 December, never the exclusive end)', () => {
      const c = completionOf({ policy: cityRequirement().due(0, 0).build(), periodId: '2026', courses });
      expect(c.due).to.equal('2027-01-01T00:00:00.000+09:00');
      expect(c.due).to.equal(c.periodEnd);
    });
  });

  describe('exemptions (leave, secondment) with pro-rating', () => {
    // 2028 is a leap year: 366 days, so 183 days of leave are exactly half of it.
    const halfYearLeave = anExemption('leave').from('2028-01-01', '2028-07-01').build();
    const policy = (prorate?: boolean) =>
      cityRequirement()
        .rounding(1, 'down')
        .exemptingFor(['leave', 'secondment'], prorate === undefined ? {} : { prorate })
        .build();

    it('half a year on leave halves the required hours, rounded up to the policy’s unit: 3 h → 2 h, 5 h → 3 h', () => {
      const c = completionOf({
        policy: policy(true),
        periodId: '2028',
        courses,
        exemptions: [halfYearLeave],
      });
      expect(c.proRata).to.equal(0.5);
      expect(c.exemptDays).to.equal(183);
      expect(
        requirementTable(c)
          .slice(1)
          .map((r) => [r[0], r[1]]),
      ).to.deep.equal([
        ['basic-3h', 2],
        ['job-5h', 3],
      ]);
    });

    it('with pro-rating, an official back from half a year of leave completes with 2 h basic and 3 h job-related', () => {
      const facts = [ETHICS, CASE_MANAGEMENT].map((a) =>
        aFact().attended(a).inRegistration(a).at('2028-09-01T09:00:00+09:00').build(),
      );
      const c = completionOf({
        policy: policy(true),
        periodId: '2028',
        facts,
        courses,
        exemptions: [halfYearLeave],
      });
      expect(c.status).to.equal('completed');
    });

    it('a policy that does not pro-rate keeps the whole requirement, though it records the days exempt', () => {
      const c = completionOf({
        policy: policy(false),
        periodId: '2028',
        courses,
        exemptions: [halfYearLeave],
      });
      expect(c.proRata).to.equal(1);
      expect(c.exemptDays).to.equal(183);
      expect(
        requirementTable(c)
          .slice(1)
          .map((r) => r[1]),
      ).to.deep.equal([3, 5]);
    });

    it('an exemption covering the whole period makes the official exempt, pro-rating or not', () => {
      const wholeYear = anExemption('secondment').from('2027-11-01', '2029-02-28').build();
      for (const prorate of [true, false]) {
        const c = completionOf({
          policy: policy(prorate),
          periodId: '2028',
          courses,
          exemptions: [wholeYear],
        });
        expect(c.status, `prorate ${prorate}`).to.equal('exempt');
        expect(c.proRata).to.equal(0);
      }
    });

    it('an exemption for a reason the policy does not recognise changes nothing', () => {
      const training = anExemption('study-abroad').from('2028-01-01', '2028-07-01').build();
      const c = completionOf({ policy: policy(true), periodId: '2028', courses, exemptions: [training] });
      expect(c.proRata).to.equal(1);
      expect(c.exemptDays).to.equal(0);
    });

    it('overlapping leave and secondment count each exempt day once; days outside the period are not counted', () => {
      const p = policy(true);
      const period = periodById(p, '2028')!;
      const exemptions = [
        anExemption('leave').from('2027-12-01', '2028-03-31').build(),
        anExemption('secondment').from('2028-03-01', '2028-07-01').build(),
      ];
      expect(proRating(p, period, exemptions)).to.deep.equal({ proRata: 0.5, exemptDays: 183 });
    });

    it('a session count is pro-rated too, rounded up to a whole session', () => {
      const sessionsPolicy = aPolicy('sessions')
        .calendarYear('Asia/Seoul')
        .exemptingFor(['leave'], { prorate: true })
        .requiring(minCount('sessions-5', 5, 'basic'))
        .build();
      const c = completionOf({
        policy: sessionsPolicy,
        periodId: '2028',
        courses,
        exemptions: [halfYearLeave],
      });
      expect(c.requirement.required).to.equal(3);
    });
  });

  describe('voids', () => {
    it('a voided completion withdraws its credit from the requirement', () => {
      const kept = done(ETHICS);
      const voided = aFact().attended(HUMAN_RIGHTS).at('2026-04-01T09:00:00+09:00').voided('void-1').build();
      const before = completionOf({
        policy: cityRequirement().build(),
        periodId: '2026',
        facts: [kept, { ...voided, voided: null }],
        courses,
      });
      expect(before.requirement.children![0]!.earned).to.equal(3);
      const after = completionOf({
        policy: cityRequirement().build(),
        periodId: '2026',
        facts: [kept, voided],
        courses,
      });
      expect(after.requirement.children![0]!.earned).to.equal(2);
      expect(after.requirement.children![0]!.contributing.map((c) => c.activityId)).to.deep.equal([ETHICS]);
    });
  });

  describe('who the requirement applies to (population)', () => {
    const tree = new OrgTree([
      { org_unit_id: 'city', name: 'City', parent: null },
      { org_unit_id: 'district-1', name: 'District 1', parent: 'city' },
      { org_unit_id: 'office-1', name: 'Office 1', parent: 'district-1' },
      { org_unit_id: 'province-office', name: 'Province office', parent: null },
    ]);
    const city = cityRequirement().forOrgUnits('city').build();
    const applies = (policy: Policy, official = anOfficial().build()) =>
      inPopulation(policy, official, tree.ancestry(official.orgUnit));

    it('an org unit includes its descendants: an official of an office in a district of the city is in scope', () => {
      expect(applies(city, anOfficial().inOrgUnit('office-1').build())).to.equal(true);
    });

    it('an official of an org unit outside the city is not', () => {
      expect(applies(city, anOfficial().inOrgUnit('province-office').build())).to.equal(false);
    });

    it('administrative and nursing staff doing welfare work are in scope after the widening; others are not', () => {
      for (const group of ['social-welfare', 'administrative', 'nursing'])
        expect(applies(city, anOfficial().inOrgUnit('office-1').inStaffGroup(group).build()), group).to.equal(
          true,
        );
      expect(applies(city, anOfficial().inOrgUnit('office-1').inStaffGroup('engineering').build())).to.equal(
        false,
      );
    });

    it('a cohort names its officials; a jurisdiction its own staff', () => {
      const cohort = aPolicy('cohort').forOfficials('wang').build();
      expect(applies(cohort, anOfficial('wang').build())).to.equal(true);
      expect(applies(cohort, anOfficial('li').build())).to.equal(false);
      const department = aPolicy('department').forJurisdictions('department').build();
      expect(applies(department, anOfficial().inJurisdiction('department').build())).to.equal(true);
      expect(applies(department, anOfficial().inJurisdiction('city').build())).to.equal(false);
    });

    it('a policy naming no population applies to everyone', () => {
      expect(applies(aPolicy().build())).to.equal(true);
    });
  });
});
