// Completion over a period week by week (issue 22): the weeks the portal's chart and its data table
// show, from the completion dates of the officials in scope.
import { completionWeeks } from '@lrs/training';
import { expect } from 'chai';

describe('training: completion week by week', () => {
  const dates = ['2024-07-01', '2024-07-07', '2024-07-08', '2024-12-31'];

  it('the calendar year 2024 is 53 ISO weeks, the last one 30–31 December (2025-W01); completions add up', () => {
    const weeks = completionWeeks('2024-01-01', '2024-12-31', dates, 8);
    expect(weeks).to.have.length(53);
    expect(weeks[0]).to.deep.equal({
      week: '2024-W01',
      from: '2024-01-01',
      to: '2024-01-07',
      completed: 0,
      cumulative: 0,
      rate: 0,
    });
    // 1 July (Monday) and 7 July (Sunday) are one week; 8 July starts the next.
    expect(weeks.find((w) => w.week === '2024-W27')).to.deep.include({
      completed: 2,
      cumulative: 2,
      rate: 0.25,
    });
    expect(weeks.find((w) => w.week === '2024-W28')).to.deep.include({ completed: 1, cumulative: 3 });
    expect(weeks.at(-1)).to.deep.equal({
      week: '2025-W01',
      from: '2024-12-30',
      to: '2024-12-31',
      completed: 1,
      cumulative: 4,
      rate: 0.5,
    });
  });

  it('a fiscal year from 1 April 2024 (a Monday) ends with a one-day week, 31 March 2025', () => {
    const weeks = completionWeeks('2024-04-01', '2025-03-31', [], 0);
    expect(weeks[0]).to.include({ from: '2024-04-01', to: '2024-04-07', rate: 1 });
    expect(weeks.at(-1)).to.include({ from: '2025-03-31', to: '2025-03-31' });
  });

  it('a period that starts mid-week has a short first week', () => {
    const weeks = completionWeeks('2026-01-01', '2026-01-31', ['2026-01-02'], 1);
    expect(weeks[0]).to.deep.equal({
      week: '2026-W01',
      from: '2026-01-01',
      to: '2026-01-04',
      completed: 1,
      cumulative: 1,
      rate: 1,
    });
  });
});
