import { expect } from 'chai';
import { generateStatements } from '../../../bench/lib/statements';
import { validateStatementBatch } from '../src/index';

describe('bench statement generator', () => {
  it('produces valid, deterministic statements of LMS size', () => {
    const statements = generateStatements(500, { seed: 7, officials: 50, courses: 10 });
    expect(validateStatementBatch(statements, '1.0.3')).to.deep.equal([]);
    expect(validateStatementBatch(statements, '2.0.0')).to.deep.equal([]);
    expect(JSON.stringify(generateStatements(5, { seed: 7, officials: 50, courses: 10 }))).to.equal(
      JSON.stringify(statements.slice(0, 5)),
    );
    const mean =
      statements.reduce((sum, s) => sum + Buffer.byteLength(JSON.stringify(s)), 0) / statements.length;
    expect(mean).to.be.within(600, 800);
  });
});
