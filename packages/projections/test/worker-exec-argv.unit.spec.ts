import { expect } from 'chai';
import { workerExecArgv } from '../src/thread/projector-thread';

describe('workerExecArgv: the node options the projector thread inherits', () => {
  it('keeps module loading and warning options, in both spellings', () => {
    const argv = [
      '--import',
      'tsx',
      '--conditions=development',
      '-r',
      './hook.cjs',
      '--enable-source-maps',
      '--no-warnings',
    ];
    expect(workerExecArgv(argv)).to.deep.equal(argv);
  });

  it('drops V8 and per-process options, which a worker refuses', () => {
    expect(
      workerExecArgv([
        '--max-old-space-size=384',
        '--import',
        'tsx',
        '--heapsnapshot-signal=SIGUSR2',
        '--inspect=0',
        '--title=lrs',
        '--stack-size=2000',
      ]),
    ).to.deep.equal(['--import', 'tsx']);
  });

  it('drops -e/-p with their code and --input-type', () => {
    expect(workerExecArgv(['--import', 'tsx', '--input-type=module', '-e', 'import("x")'])).to.deep.equal([
      '--import',
      'tsx',
    ]);
    expect(workerExecArgv(['-p', '1+1', '--input-type', 'module'])).to.deep.equal([]);
  });

  it('keeps the CPU profiler options, so `node --cpu-prof` profiles the projector thread too', () => {
    const argv = ['--cpu-prof', '--cpu-prof-dir', '/tmp/prof', '--cpu-prof-interval=250', '--import', 'tsx'];
    expect(workerExecArgv(argv)).to.deep.equal(argv);
  });
});
