// The one command-line convention of every CLI (decision 040).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import {
  type CliIo,
  type CommandLine,
  LrsClient,
  readJsonFile,
  runCommandLine,
  UsageError,
} from '../src/cli';

function capture() {
  const io = { out: '', err: '' };
  const cliIo: CliIo = { out: (t) => (io.out += t), err: (t) => (io.err += t) };
  return { io, cliIo };
}

const seen: { args: string[]; values: Record<string, unknown> }[] = [];
const cli: CommandLine = {
  program: 'pnpm demo',
  summary: 'a demonstration',
  options: { url: { type: 'string', placeholder: 'URL', description: 'the LRS' } },
  commands: [
    {
      name: 'roster check',
      synopsis: 'FILE',
      summary: 'check a roster',
      args: [1, 1],
      options: { session: { type: 'string', placeholder: 'FILE', description: 'the session' } },
      example: 'pnpm demo roster check roster.csv',
      run: async ({ args, values }) => {
        seen.push({ args, values });
        return 0;
      },
    },
    {
      name: 'fail',
      summary: 'fails',
      example: 'pnpm demo fail',
      run: async () => {
        throw new Error('the server said no\nbecause');
      },
    },
    {
      name: 'suite',
      summary: 'passes its options on',
      args: [0, 10],
      passThrough: true,
      options: { runs: { type: 'string', description: 'runs' } },
      example: 'pnpm demo suite --runs 2 --events 100',
      run: async ({ args, values }) => {
        seen.push({ args, values });
        return 0;
      },
    },
  ],
};

const run = async (...argv: string[]) => {
  const { io, cliIo } = capture();
  const code = await runCommandLine(cli, argv, {}, cliIo);
  return { code, ...io };
};

describe('command line (decision 040)', () => {
  beforeEach(() => {
    seen.length = 0;
  });

  it('--help and help print usage with every command and exit 0; a command help shows its options and an example', async () => {
    for (const argv of [['--help'], ['-h'], ['help']]) {
      const r = await run(...argv);
      expect(r.code).to.equal(0);
      expect(r.out)
        .to.contain('pnpm demo roster check FILE')
        .and.to.contain('exit codes: 0 done, 1 failed, 2 usage error.');
    }
    const command = await run('roster', 'check', '--help');
    expect(command.code).to.equal(0);
    expect(command.out).to.contain('usage: pnpm demo roster check FILE');
    expect(command.out).to.contain('--session FILE').and.to.contain('--url URL');
    expect(command.out).to.contain('example:\n  pnpm demo roster check roster.csv');
    expect(seen).to.have.length(0);
  });

  it('usage errors exit 2 with one line naming the problem and where to find help', async () => {
    expect(await run()).to.deep.include({
      code: 2,
      err: 'pnpm demo: a command is needed (usage: pnpm demo --help)\n',
    });
    expect(await run('roster', 'frob')).to.deep.include({
      code: 2,
      err: "pnpm demo: unknown command 'roster frob' (usage: pnpm demo --help)\n",
    });
    expect((await run('roster', 'check', 'a.csv', '--bogus')).err).to.equal(
      "pnpm demo: Unknown option '--bogus' (usage: pnpm demo --help)\n",
    );
    expect(await run('roster', 'check')).to.deep.include({
      code: 2,
      err: "pnpm demo: 'roster check' needs FILE (usage: pnpm demo roster check --help)\n",
    });
    expect((await run('roster', 'check', 'a', 'b')).code).to.equal(2);
    expect((await run('fail', '--session', 'x')).err).to.equal(
      "pnpm demo: 'fail' has no option --session (usage: pnpm demo fail --help)\n",
    );
    expect(seen).to.have.length(0);
  });

  it('runs the longest matching command with its positionals and options; failures exit 1 on one line', async () => {
    expect((await run('--url', 'http://x', 'roster', 'check', 'r.csv', '--session', 's.json')).code).to.equal(
      0,
    );
    expect(seen[0]).to.deep.equal({ args: ['r.csv'], values: { url: 'http://x', session: 's.json' } });
    expect(await run('fail')).to.deep.include({ code: 1, err: 'pnpm demo: the server said no; because\n' });
  });

  it('a pass-through command parses its own options and hands on the others in order', async () => {
    expect((await run('suite', '--runs', '2', '--events', '100', '--skip-floor')).code).to.equal(0);
    expect(seen[0]).to.deep.equal({ args: ['--events', '100', '--skip-floor'], values: { runs: '2' } });
  });

  it('a file named on the command line that cannot be read, or is not JSON, is a usage error naming it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cli-'));
    try {
      expect(() => readJsonFile(join(dir, 'none.json'))).to.throw(
        UsageError,
        `cannot read ${join(dir, 'none.json')}: no such file`,
      );
      writeFileSync(join(dir, 'bad.json'), '{\n  "a": 1,\n  oops\n}');
      expect(() => readJsonFile(join(dir, 'bad.json'))).to.throw(UsageError, /bad\.json:3:3: not JSON/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a client without a credential is a usage error; an unreachable LRS names the URL and the reason', async () => {
    expect(() => LrsClient.from({}, {})).to.throw(UsageError, 'no credential: give --key and --secret');
    const client = LrsClient.from({ url: 'http://127.0.0.1:9/' }, { LRS_KEY: 'k', LRS_SECRET: 's' });
    expect(client.url).to.equal('http://127.0.0.1:9');
    let message = '';
    try {
      await client.request('GET', '/health');
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).to.match(
      /^cannot reach http:\/\/127\.0\.0\.1:9\/health: .+ \(is the LRS running\? --url or LRS_URL\)$/,
    );
  });
});
