// TRAINING-DOMAIN (the provincial supervisor cohort) and decision 055: an internship log entry counts
// once the supervisor confirms it; until then it is pending, shown and not earned (decision 058).
import { aCatalog, aCourse, aFact, allOf, aPolicy, minCount, minHours, passed } from '@lrs/testkit';
import { type LearningFact, type Policy, pendingConfirmation, periodById, VERB } from '@lrs/training';
import { expect } from 'chai';
import { completionOf } from './support';

const SUPERVISION = 'https://province.example.cn/cohort/group-supervision';
const INTERNSHIP = 'https://province.example.cn/cohort/internship';
const DEFENCE = 'https://province.example.cn/cohort/defence';
const courses = [
  aCourse(SUPERVISION).inCategory('group-supervision').worth(5).earnsEachStatement(),
  aCourse(INTERNSHIP).inCategory('supervised-internship').worth(null).earnsEachStatement(),
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
  .build();
const period = periodById(policy, 'cohort-2024')!;
const log = (id: string, at: string, duration: string, confirmed: boolean) => {
  const f = aFact().withId(id).performedOffline(INTERNSHIP).at(at).lasting(duration);
  return confirmed ? f.confirmed() : f;
};
const pendingOf = (facts: LearningFact[]) => pendingConfirmation(facts, policy, period, aCatalog(...courses));
const internshipEarned = (facts: LearningFact[]) =>
  completionOf({ policy, periodId: 'cohort-2024', facts, courses }).hoursByCategory[
    'supervised-internship'
  ] ?? 0;

describe('internship hours awaiting the supervisor’s confirmation', () => {
  const confirmed = [
    log('s1', '2024-03-20T09:00:00+08:00', 'PT40H', true).build(),
    log('s2', '2024-04-20T09:00:00+08:00', 'PT40H', true).build(),
  ];

  it('an unconfirmed log entry is pending with the hours it will earn, by the policy’s rounding', () => {
    const facts = [...confirmed, log('s3', '2024-07-20T09:00:00+08:00', 'PT40H45M', false).build()];
    expect(pendingOf(facts)).to.deep.equal({
      entries: 1,
      hours: 40.5,
      byCategory: { 'supervised-internship': 40.5 },
    });
    expect(internshipEarned(facts)).to.equal(80);
  });

  it('once the supervisor confirms it, it earns exactly what was shown pending and is no longer pending', () => {
    const pending = log('s3', '2024-07-20T09:00:00+08:00', 'PT40H45M', false).build();
    const shown = pendingOf([...confirmed, pending]).hours;
    const after = [...confirmed, log('s4', '2024-07-20T09:00:00+08:00', 'PT40H45M', true).build()];
    expect(internshipEarned(after)).to.equal(80 + shown);
    expect(pendingOf(after).entries).to.equal(0);
  });

  it('a voided entry, one outside the window and a confirmed one are not pending', () => {
    const facts = [
      ...confirmed,
      log('v1', '2024-06-01T09:00:00+08:00', 'PT10H', false).voided().build(),
      log('o1', '2024-11-02T09:00:00+08:00', 'PT10H', false).build(),
    ];
    expect(pendingOf(facts)).to.deep.equal({ entries: 0, hours: 0, byCategory: {} });
  });
});
