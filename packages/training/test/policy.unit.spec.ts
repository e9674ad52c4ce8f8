// TRAINING-DOMAIN.md, Policy document: what a published policy must express, and what is refused.
import { allOf, anyOf, aPolicy, minCount, minHours, passed } from '@lrs/testkit';
import { categoryUnder, policyProblems, VERB } from '@lrs/training';
import { expect } from 'chai';

describe('Policy documents', () => {
  describe('the programmes of the domain are valid policies', () => {
    const programmes = {
      "the city's annual welfare-education requirement": aPolicy('city-annual-welfare-education')
        .calendarYear('Asia/Seoul')
        .forStaffGroups('social-welfare', 'administrative', 'nursing')
        .forOrgUnits('city')
        .creditBasis('min')
        .roundingDown(0.25)
        .requiring(allOf('annual-8h', minHours('basic-3h', 3, 'basic'), minHours('job-5h', 5, 'job')))
        .exemptingFor(['leave', 'secondment'], { prorate: true })
        .due(0, 0),
      "a department's staff-development year from 1 April": aPolicy('department-staff-development')
        .fiscalYearFrom(4, 'Asia/Hong_Kong')
        .forJurisdictions('department')
        .requiring(
          anyOf(
            'one-programme',
            minCount('orientation', 1, 'orientation'),
            minCount('dev', 1, 'staff-development'),
          ),
        ),
      'the provincial supervisor-training cohort': aPolicy('provincial-supervisor-cohort')
        .cohortWindow('cohort-2024', '2024-03-01', '2024-10-31', 'Asia/Shanghai')
        .forOfficials('wang', 'li')
        .creditBasis('measured')
        .rounding(0.5, 'down')
        .earningWith(VERB.attended, VERB.performedOffline, VERB.passed)
        .requiring(
          allOf(
            'certificate',
            minHours('internship-220h', 220, 'supervised-internship'),
            minCount('group-supervision-30', 30, 'group-supervision'),
            passed('defence', { category: 'defence' }),
          ),
        )
        .exemptingFor(['leave'], { prorate: false })
        .due(0, 30),
      'an induction within 6 months of appointment': aPolicy('induction')
        .personalWindow('employedFrom', 6, 'Asia/Seoul')
        .countingCategory('orientation', 'basic')
        .classifying('https://training.example.org/course/core-services', 'basic')
        .requiring(
          passed('core-services', { activity: 'https://training.example.org/course/core-services' }),
        ),
    };
    for (const [name, builder] of Object.entries(programmes)) {
      it(`${name} has no problems`, () => {
        expect(policyProblems(builder.buildUnchecked())).to.deep.equal([]);
        expect(() => builder.build()).not.to.throw();
      });
    }
  });

  describe('what a policy is refused for', () => {
    it('a category or staff-group title that is not a language map, or an id that is not one (decision 076)', () => {
      const policy = aPolicy('titled').calendarYear('Asia/Ho_Chi_Minh').buildUnchecked();
      const problems = policyProblems({
        ...policy,
        categoryTitles: { 'child-protection': 'Bảo vệ trẻ em' },
        staffGroupTitles: { 'not an id': { vi: 'Cộng tác viên' }, collaborator: {} },
      });
      const pointers = problems.map((p) => p.pointer);
      expect(pointers).to.include('/categoryTitles/child-protection');
      expect(pointers).to.include('/staffGroupTitles/collaborator');
      expect(pointers.some((p) => p.startsWith('/staffGroupTitles'))).to.equal(true);
      expect(
        policyProblems({
          ...policy,
          categoryTitles: { 'child-protection': { 'vi-VN': 'Bảo vệ trẻ em', 'en-US': 'Child protection' } },
          staffGroupTitles: { collaborator: { 'vi-VN': 'Cộng tác viên công tác xã hội' } },
        }),
      ).to.deep.equal([]);
    });

    it('an unknown period type is named with the allowed types, and a missing time zone is not hidden by it', () => {
      const p = {
        ...aPolicy().calendarYear('Asia/Seoul').buildUnchecked(),
        period: { type: 'quarterly' },
      } as Record<string, unknown>;
      delete p.timeZone;
      expect(policyProblems(p)).to.deep.equal([
        { pointer: '/timeZone', message: "must have required property 'timeZone'" },
        {
          pointer: '/period/type',
          message: 'must be one of calendar_year, fiscal_year, fixed_window, anchored',
        },
      ]);
    });

    it('a fiscal year without its start day names only that field, not every other period type’s', () => {
      const p = {
        ...aPolicy().calendarYear('Asia/Hong_Kong').buildUnchecked(),
        period: { type: 'fiscal_year', startMonth: 4 },
      };
      expect(policyProblems(p)).to.deep.equal([
        { pointer: '/period/startDay', message: "must have required property 'startDay'" },
      ]);
    });

    it('a time zone that is not an IANA zone', () => {
      expect(policyProblems(aPolicy().calendarYear('Asia/Atlantis').buildUnchecked())).to.deep.equal([
        { pointer: '/timeZone', message: 'Asia/Atlantis is not an IANA time zone' },
      ]);
      expect(() => aPolicy().calendarYear('Asia/Atlantis').build()).to.throw(/timeZone/);
    });

    it('a cohort window that ends before it starts', () => {
      const p = aPolicy().cohortWindow('w', '2024-10-31', '2024-03-01', 'Asia/Shanghai').buildUnchecked();
      expect(policyProblems(p)).to.deep.equal([
        { pointer: '/period/end', message: 'the window ends before it starts' },
      ]);
    });

    it('two requirements with the same id', () => {
      const p = aPolicy()
        .requiring(allOf('all', minHours('basic', 3, 'basic'), minHours('basic', 5, 'job')))
        .buildUnchecked();
      expect(policyProblems(p)).to.deep.equal([
        { pointer: '/requirement/all_of/1/id', message: 'duplicate requirement id basic' },
      ]);
    });

    it('a credit basis outside nominal, measured and the lesser of the two', () => {
      const p = aPolicy().buildUnchecked();
      (p.credit as { basis: string }).basis = 'greater';
      expect(policyProblems(p).map((x) => x.pointer)).to.deep.equal(['/credit/basis']);
    });
  });

  describe('classification under the policy', () => {
    const policy = aPolicy()
      .countingCategory('human-rights', 'basic')
      .classifying('https://training.example.org/course/counselling', 'job')
      .build();

    it("the catalog's category counts as itself unless the policy maps it", () => {
      expect(categoryUnder(policy, 'https://x.example/a', 'job')).to.equal('job');
      expect(categoryUnder(policy, 'https://x.example/a', 'human-rights')).to.equal('basic');
    });

    it('an activity the policy names counts where the policy says, even when not in the catalog', () => {
      expect(categoryUnder(policy, 'https://training.example.org/course/counselling', 'basic')).to.equal(
        'job',
      );
      expect(categoryUnder(policy, 'https://training.example.org/course/counselling', null)).to.equal('job');
    });

    it('an activity not in the catalog and not named by the policy counts toward nothing', () => {
      expect(categoryUnder(policy, 'https://x.example/unknown', null)).to.equal(null);
    });
  });
});
