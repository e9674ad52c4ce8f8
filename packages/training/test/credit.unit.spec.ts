// TRAINING-DOMAIN.md, Credit: result.duration is time spent, not credit; the catalog gives nominal
// hours; the policy picks the basis (nominal, measured, or the lesser) and the rounding.
import { aCourse, aFact } from '@lrs/testkit';
import { type CreditRule, TRANSCRIPT_CREDIT_RULE } from '@lrs/training';
import { expect } from 'chai';
import { creditOfOnly, entriesOf } from './support';

const SESSION = 'https://training.example.org/session/case-management';
const threeHourSession = aCourse(SESSION).inCategory('job').worth(3).deliveredAs('face-to-face').build();
const attended = (duration?: string) => {
  const f = aFact().attended(SESSION).at('2026-03-02T09:00:00+09:00');
  return duration === undefined ? f.build() : f.lasting(duration).build();
};
const nominal: CreditRule = { basis: 'nominal' };
const measured: CreditRule = { basis: 'measured' };
const lesser: CreditRule = { basis: 'min' };

describe('Credit: how many hours a piece of learning earns', () => {
  describe('the basis the policy chooses', () => {
    it('a 3-hour face-to-face session credits 3 hours under the nominal basis, whatever time was measured', () => {
      for (const duration of ['PT2H30M', 'PT4H', undefined]) {
        const credit = creditOfOnly([attended(duration)], threeHourSession, nominal);
        expect(credit.hours, `duration ${duration}`).to.equal(3);
        expect(credit.rule).to.equal('nominal 3 h from the catalog');
      }
    });

    it('under the measured basis the time spent is credited, not the catalog hours', () => {
      const credit = creditOfOnly([attended('PT2H30M')], threeHourSession, measured);
      expect(credit.hours).to.equal(2.5);
      expect(credit.rule).to.equal('measured PT2H30M');
    });

    it('under the lesser-of-the-two basis, leaving a 3-hour session after 2½ hours credits 2½ hours', () => {
      const credit = creditOfOnly([attended('PT2H30M')], threeHourSession, lesser);
      expect(credit.hours).to.equal(2.5);
      expect(credit.rule).to.equal('min(nominal 3 h, measured 2.5 h)');
    });

    it('under the lesser-of-the-two basis, staying 4 hours in a 3-hour session still credits 3 hours', () => {
      expect(creditOfOnly([attended('PT4H')], threeHourSession, lesser).hours).to.equal(3);
    });

    it('under the lesser-of-the-two basis, a roster line without a duration credits the nominal hours, flagged no-duration', () => {
      const credit = creditOfOnly([attended()], threeHourSession, lesser);
      expect(credit.hours).to.equal(3);
      expect(credit.flags).to.deep.equal(['no-duration']);
    });

    it('a course missing from the catalog earns nothing under the nominal basis, flagged not-in-catalog', () => {
      const credit = creditOfOnly([attended('PT3H')], undefined, nominal);
      expect(credit.hours).to.equal(0);
      expect(credit.flags).to.deep.equal(['not-in-catalog']);
    });

    it('a statement without a duration earns nothing under the measured basis, flagged no-duration', () => {
      const credit = creditOfOnly([attended()], threeHourSession, measured);
      expect(credit.hours).to.equal(0);
      expect(credit.flags).to.deep.equal(['no-duration']);
    });

    it("the transcript's own rule takes the catalog's hours, else the time measured for a course not in the catalog", () => {
      expect(creditOfOnly([attended('PT1H')], threeHourSession, TRANSCRIPT_CREDIT_RULE).hours).to.equal(3);
      const unlisted = creditOfOnly([attended('PT1H15M')], undefined, TRANSCRIPT_CREDIT_RULE);
      expect(unlisted.hours).to.equal(1.25);
      expect(unlisted.rule).to.equal('measured PT1H15M (not in the catalog)');
    });
  });

  describe('rounding', () => {
    it('rounding down to quarter hours credits 1 h 50 min as 1¾ hours, and says so', () => {
      const credit = creditOfOnly([attended('PT1H50M')], threeHourSession, {
        basis: 'measured',
        rounding: { unitHours: 0.25, mode: 'down' },
      });
      expect(credit.hours).to.equal(1.75);
      expect(credit.rule).to.equal('measured PT1H50M, rounded down to 0.25 h');
    });

    it('rounding down to quarter hours never loses an exact quarter: 45 minutes stay ¾ hour', () => {
      const credit = creditOfOnly([attended('PT45M')], threeHourSession, {
        basis: 'measured',
        rounding: { unitHours: 0.25, mode: 'down' },
      });
      expect(credit.hours).to.equal(0.75);
      expect(credit.rule).to.equal('measured PT45M');
    });

    it('rounding down to tenths of an hour keeps 18 minutes as 0.3 hour (no arithmetic noise loses a tenth)', () => {
      const credit = creditOfOnly([attended('PT18M')], threeHourSession, {
        basis: 'measured',
        rounding: { unitHours: 0.1, mode: 'down' },
      });
      expect(credit.hours).to.equal(0.3);
    });

    it('rounding to the nearest half hour credits 1 h 20 min as 1½ hours; rounding up credits 1 h 05 min as 1½ hours', () => {
      expect(
        creditOfOnly([attended('PT1H20M')], threeHourSession, {
          basis: 'measured',
          rounding: { unitHours: 0.5, mode: 'nearest' },
        }).hours,
      ).to.equal(1.5);
      expect(
        creditOfOnly([attended('PT1H5M')], threeHourSession, {
          basis: 'measured',
          rounding: { unitHours: 0.5, mode: 'up' },
        }).hours,
      ).to.equal(1.5);
    });

    it('rounding applies after the basis: the lesser of 3 h and 2 h 40 min, rounded down to quarters, is 2½ hours', () => {
      const credit = creditOfOnly([attended('PT2H40M')], threeHourSession, {
        basis: 'min',
        rounding: { unitHours: 0.25, mode: 'down' },
      });
      expect(credit.hours).to.equal(2.5);
    });
  });

  describe('durations without a fixed length (years, months, weeks)', () => {
    for (const duration of ['P1M', 'P1Y', 'P2W']) {
      it(`a duration of ${duration} is kept as written but never credited, and is flagged`, () => {
        const facts = [attended(duration)];
        const [entry] = entriesOf(facts);
        expect(entry!.durationIndefinite).to.equal(true);
        expect(entry!.measuredSeconds).to.equal(null);
        expect(entry!.facts[0]!.duration).to.equal(duration);
        const credit = creditOfOnly(facts, threeHourSession, measured);
        expect(credit.hours).to.equal(0);
        expect(credit.flags).to.deep.equal(['duration-indefinite']);
        expect(credit.rule).to.equal(
          `no credit: duration ${duration} has no fixed length (years, months or weeks)`,
        );
      });
    }

    it('a duration in months is not credited even under the nominal basis: the catalog hours are not given either', () => {
      expect(creditOfOnly([attended('P1M')], threeHourSession, nominal).hours).to.equal(0);
    });

    it('a duration in days and hours has a fixed length: P1DT2H is 26 hours measured', () => {
      expect(creditOfOnly([attended('P1DT2H')], undefined, measured).hours).to.equal(26);
    });
  });
});
