import { expect } from 'chai';
import { BadRequest, locateJsonError, parseJson } from '../src/index';

function parseError(text: string): BadRequest {
  try {
    parseJson(text);
  } catch (error) {
    expect(error).to.be.instanceOf(BadRequest);
    return error as BadRequest;
  }
  throw new Error(`expected ${text} to be rejected`);
}

describe('parseJson', () => {
  it('parses valid JSON', () => {
    expect(parseJson('{"a":[1,true,null,"x"]}')).to.deep.equal({ a: [1, true, null, 'x'] });
  });

  it('reports the position of a syntax error without echoing the body', () => {
    const error = parseError('{"secret":"abc", }');
    expect(error.rule).to.equal('json.syntax');
    expect(error.details).to.deep.equal({ position: 17 });
    expect(error.message).to.include('position 17');
    expect(error.message).to.not.include('abc');
  });

  it('says an empty body is empty', () => {
    expect(parseError('  ').message).to.match(/empty/);
  });

  it('refuses __proto__, constructor and prototype keys, even when escaped, and leaves Object.prototype alone', () => {
    expect(parseError('{"__proto__":{"polluted":true}}').rule).to.equal('json.forbidden_key');
    expect(parseError('{"a":{"constructor":{"prototype":{"polluted":true}}}}').rule).to.equal(
      'json.forbidden_key',
    );
    expect(parseError('{"\\u005f_proto__":{"polluted":true}}').rule).to.equal('json.forbidden_key');
    expect(({} as Record<string, unknown>)['polluted']).to.equal(undefined);
  });

  it('accepts those words as values and as array content', () => {
    expect(parseJson('{"name":"constructor","list":["__proto__"]}')).to.deep.equal({
      name: 'constructor',
      list: ['__proto__'],
    });
  });

  it('can be told to allow the keys (opaque documents)', () => {
    expect(parseJson('{"constructor":1}', { forbiddenKeys: [] })).to.deep.equal({ constructor: 1 });
  });
});

describe('locateJsonError', () => {
  const cases: [string, number | null][] = [
    ['{"a":1}', null],
    ['{"a":}', 5],
    ['[1,]', 3],
    ['{"a" 1}', 5],
    ['{"a":1', 6],
    ['"abc', 4],
    ['tru', 3],
    ['{"a":1} x', 8],
    ['"\\q"', 2],
    ['01', 1],
  ];
  for (const [text, position] of cases) {
    it(`${JSON.stringify(text)} → ${position}`, () => {
      expect(locateJsonError(text)).to.equal(position);
    });
  }
});
