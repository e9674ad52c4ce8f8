import { expect } from 'chai';
import { BadRequest, parseJson } from '../src/index';

describe('parseJson nesting limit', () => {
  const nested = (depth: number) => `${'['.repeat(depth)}0${']'.repeat(depth)}`;

  it('refuses documents nested deeper than the limit with json.too_deep at the root', () => {
    let thrown: unknown;
    try {
      parseJson(nested(5_000));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).to.be.instanceOf(BadRequest);
    expect((thrown as BadRequest).rule).to.equal('json.too_deep');
    expect((thrown as BadRequest).pointer).to.equal('');
  });

  it('accepts nesting up to the limit, and brackets inside strings do not count', () => {
    expect(parseJson(nested(512))).to.be.an('array');
    const text = JSON.stringify({ s: '['.repeat(10_000), t: '\\"[[[' });
    expect(parseJson(text)).to.deep.equal(JSON.parse(text));
  });

  it('honours a smaller configured limit', () => {
    expect(() => parseJson('{"a":{"b":{"c":1}}}', { maxDepth: 2 })).to.throw(BadRequest, /deeper than 2/);
  });
});

describe('parseJson number range', () => {
  it('refuses a literal that overflows a double, naming where it is', () => {
    let thrown: unknown;
    try {
      parseJson('{"result":{"score":{"raw":1e309}}}');
    } catch (error) {
      thrown = error;
    }
    expect((thrown as BadRequest).rule).to.equal('json.number_range');
    expect((thrown as BadRequest).pointer).to.equal('/result/score/raw');
  });

  it('reads number-like text inside strings as text, whatever escapes precede the quotes', () => {
    const text = JSON.stringify({
      id: '4e123-1e309',
      path: 'C:\\dir\\',
      q: 'say \\"[[[1e999\\"',
      n: [1e300],
    });
    expect(parseJson(text)).to.deep.equal(JSON.parse(text));
  });

  it('keeps large but finite numbers', () => {
    expect(parseJson('[1e308, -1.7976931348623157e308, 5e-324]')).to.deep.equal([
      1e308, -1.7976931348623157e308, 5e-324,
    ]);
  });
});
