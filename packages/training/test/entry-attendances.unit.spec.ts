// How the ledger turns one official's attendance facts, as SQL lists them, into entries (decision
// 056): an entry is official × programme × registration; it is worth its attended statements, or 1.
import { expect } from 'chai';
import { entryAttendances } from '../src/ledger';

const R1 = '0b7e9c1a-1111-4aaa-8bbb-000000000001';
const R2 = '0b7e9c1a-1111-4aaa-8bbb-000000000002';

describe('training: attendance facts grouped into entries', () => {
  it('two sessions and a completion of one registration are 2; a completed and passed registration is 1', () => {
    expect(entryAttendances(`3 1 ${R1} 3 1 ${R1} 3 2 ${R1} 3 2 ${R2} 3 2 ${R2}`)).to.deep.equal([3, 2, 3, 1]);
  });
  it('statements without a registration form one entry of their own, even at the end of the list', () => {
    expect(entryAttendances(`4 2  4 2  7 1 ${R1} 9 2 `)).to.deep.equal([4, 1, 7, 1, 9, 1]);
    expect(entryAttendances('12 1  12 1 ')).to.deep.equal([12, 2]);
  });
  it('facts out of order are gathered by entry all the same', () => {
    expect(entryAttendances(`3 2 ${R2} 3 1 ${R1} 3 2 ${R1} 3 2 ${R2} 1 1 ${R1}`)).to.deep.equal([
      3, 1, 3, 1, 1, 1,
    ]);
  });
});
