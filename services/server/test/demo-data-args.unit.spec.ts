// `pnpm demo-data` (README quick start): no command is the demo city, with its options in either
// form; `--programme NAME` is `example NAME`; a command given first is kept as typed.
import { expect } from 'chai';
import { demoDataArgs } from '../src/demo/demo-data';

describe('pnpm demo-data command line', () => {
  it('writes the demo city when no command is given, whatever form its options take', () => {
    expect(demoDataArgs([])).to.deep.equal(['city']);
    expect(demoDataArgs(['--officials', '2000'])).to.deep.equal(['city', '--officials', '2000']);
    expect(demoDataArgs(['--officials=2000'])).to.deep.equal(['city', '--officials=2000']);
  });
  it('keeps a command given first, and reads --programme as the example command', () => {
    expect(demoDataArgs(['city', '--officials', '20'])).to.deep.equal(['city', '--officials', '20']);
    expect(demoDataArgs(['example', 'cohort'])).to.deep.equal(['example', 'cohort']);
    expect(demoDataArgs(['--programme', 'commune', '--url', 'http://127.0.0.1:8080'])).to.deep.equal([
      'example',
      'commune',
      '--url',
      'http://127.0.0.1:8080',
    ]);
    expect(demoDataArgs(['--help'])).to.deep.equal(['--help']);
  });
});
