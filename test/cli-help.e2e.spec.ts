// Every CLI of the product as a newcomer meets it (decision 040): `--help` on the program and on a
// command prints usage and an example and exits 0; an unknown command or option exits 2 on one line.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CLIS: { program: string; file: string; command: string[] }[] = [
  { program: 'pnpm credentials', file: 'packages/auth/src/cli.ts', command: ['issue'] },
  { program: 'pnpm training', file: 'packages/training/src/cli.ts', command: ['import', 'officials'] },
  { program: 'pnpm connectors', file: 'services/connectors/src/cli.ts', command: ['roster', 'check'] },
  { program: 'pnpm run audit', file: 'services/audit/src/cli.ts', command: ['snapshot'] },
  { program: 'pnpm privacy', file: 'services/privacy/src/cli.ts', command: ['retention', 'set'] },
  { program: 'pnpm lrs', file: 'services/server/src/cli.ts', command: ['backup'] },
  { program: 'pnpm bench', file: 'bench/run.ts', command: ['eventlog'] },
  { program: 'pnpm demo-data', file: 'services/server/src/demo/demo-data.ts', command: ['example'] },
];

const run = (file: string, args: string[]) => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', file, ...args], {
    cwd: ROOT,
    env: { PATH: process.env['PATH'] },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

describe('every CLI helps', function () {
  this.timeout(120_000);
  for (const { program, file, command } of CLIS) {
    it(`${program}: --help, ${command.join(' ')} --help, an unknown command and an unknown option`, () => {
      const help = run(file, ['--help']);
      expect(help.code, help.err).to.equal(0);
      expect(help.out)
        .to.contain(`${program} ${command.join(' ')}`)
        .and.to.contain('exit codes: 0 done, 1 failed, 2 usage error.');
      const commandHelp = run(file, [...command, '--help']);
      expect(commandHelp.code, commandHelp.err).to.equal(0);
      expect(commandHelp.out).to.match(new RegExp(`^usage: ${program} ${command.join(' ')}`));
      expect(commandHelp.out).to.match(new RegExp(`example:\\n  ${program} ${command.join(' ')}`));
      const unknown = run(file, ['no-such-command']);
      expect([unknown.code, unknown.err]).to.deep.equal([
        2,
        `${program}: unknown command 'no-such-command' (usage: ${program} --help)\n`,
      ]);
      const option = run(file, [...command, '--no-such-option']);
      expect(option.code).to.equal(2);
      // A benchmark's own options follow its name, so it names the benchmark and what it takes.
      expect(option.err).to.equal(
        program === 'pnpm bench'
          ? `${program}: the eventlog benchmark has no option --no-such-option; it takes --events, --batch, --inflight, --replay-batch, --page-size, --wal-autocheckpoint-mib, --cache-mib, --wal-truncate-mib, --dir (usage: ${program} eventlog --help)\n`
          : `${program}: Unknown option '--no-such-option' (usage: ${program} --help)\n`,
      );
    });
  }

  it('pnpm bench: a mistyped option or a size that is not a number stops before anything runs', () => {
    const typo = run('bench/run.ts', ['migration', '--statement', '1000']);
    expect([typo.code, typo.out]).to.deep.equal([2, '']);
    expect(typo.err).to.contain('the migration benchmark has no option --statement; it takes --statements,');
    const notANumber = run('bench/run.ts', ['statements', '--statements', 'lots']);
    expect([notANumber.code, notANumber.out]).to.deep.equal([2, '']);
    expect(notANumber.err).to.equal(
      "pnpm bench: option --statements of the statements benchmark needs a number, not 'lots' (usage: pnpm bench statements --help)\n",
    );
    const noValue = run('bench/run.ts', ['erasure', '--official', '--data']);
    expect([noValue.code, noValue.err]).to.deep.equal([
      2,
      'pnpm bench: option --data of the erasure benchmark needs a value (usage: pnpm bench erasure --help)\n',
    ]);
  });
});
