// The demo policy's period is the calendar year in Seoul (periodFor, as the portal takes it): from
// 15:00 UTC on 31 December the portal already shows the next year, so the demo data and the specs
// that ask for "this year's" report take that period, not the UTC year.
import { expect } from 'chai';
import { demoPeriod } from '../src/demo/seed';

describe('the demo period', () => {
  it('is the year in Seoul, which turns at 15:00 UTC on 31 December', () => {
    expect(demoPeriod(Date.parse('2026-12-31T14:59:59Z'))).to.equal('2026');
    expect(demoPeriod(Date.parse('2026-12-31T15:00:00Z'))).to.equal('2027');
    // What the specs took before: the UTC year, a year behind the portal until midnight UTC.
    expect(new Date('2026-12-31T15:00:00Z').getUTCFullYear()).to.equal(2026);
  });
});
