// The README's walkthrough, run as written: its commands in order against an empty data
// directory, so a newcomer following it gets what it promises (decision 041). The only changes
// are where the server listens (127.0.0.1 on an ephemeral port, not localhost:8080) and the data
// directory (a temp dir, not ./data): the URLs are rewritten and LRS_DATA_DIR is set.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const README_URL = 'http://localhost:8080';

/** The ```sh blocks of the README's walkthrough section, in order. */
export function walkthroughBlocks(readme: string): string[] {
  const start = readme.indexOf('\n## Walkthrough');
  expect(start, 'the README has a Walkthrough section').to.be.greaterThan(0);
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

function run(
  script: string,
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', script], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the walkthrough did not finish in ${timeoutMs} ms:\n${out}\n${err}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

describe('README walkthrough: from a pushed statement to an official transcript, completion and portal page', function () {
  this.timeout(240_000);
  let dataDir: string;
  let server: ChildProcess | null = null;
  let url: string;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'lrs-walkthrough-'));
    env = {
      PATH: process.env['PATH'],
      HOME: process.env['HOME'],
      LRS_DATA_DIR: dataDir,
      PORT: '0',
      // No HOST here: the README's start command must itself keep the development sign-in on loopback.
      LRS_LOG_LEVEL: 'info',
    };
  });
  after(() => {
    // The start command runs npm, a shell and node: end its whole process group.
    if (server?.pid) {
      try {
        process.kill(-server.pid, 'SIGTERM');
      } catch {}
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('runs every command of the walkthrough in order and shows what the README says', async () => {
    const [startBlock, ...blocks] = walkthroughBlocks(readFileSync(join(ROOT, 'README.md'), 'utf8'));
    expect(startBlock, 'step 1 starts the LRS').to.match(/npm start/);
    expect(blocks, 'steps 2-4 have commands').to.have.length(3);

    // 1. Start, as written, in a process group of its own (so it can be stopped whole).
    server = spawn('bash', ['-c', startBlock!], {
      cwd: ROOT,
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the LRS did not start in 120 s:\n${log}`)), 120_000);
      const onData = (chunk: Buffer) => {
        log += chunk.toString();
        const line = log.split('\n').find((l) => l.includes('LRS listening'));
        if (!line) return;
        clearTimeout(timer);
        resolve((JSON.parse(line) as { url: string }).url);
      };
      server!.stdout!.on('data', onData);
      server!.stderr!.on('data', onData);
      server!.on('exit', (code) => reject(new Error(`the LRS exited (${code}):\n${log}`)));
    });

    // 2-4. The commands of the other steps in one shell (step 3 sets variables step 4 uses);
    // a marker between steps attributes the output; any failing command fails the walkthrough.
    const script = [
      'set -euo pipefail',
      ...blocks.map((block, i) => `echo '::step ${i + 2}::'\n${block.replaceAll(README_URL, url)}`),
    ].join('\n');
    const result = await run(script, env, 180_000);
    expect(result.code, `${result.out}\n${result.err}`).to.equal(0);
    const steps = result.out.split(/^::step \d::\n/m).slice(1);
    const lines = (i: number) =>
      steps[i]!.split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>);

    // Step 2: four imports, each applied.
    const imports = lines(0);
    expect(imports.map((r) => r['changed'] ?? r['outcome'])).to.deep.equal([3, 3, 4, 'published']);
    // Step 3: the statement's id.
    const [ids] = lines(1) as unknown as string[][];
    expect(ids).to.be.an('array').with.length(1);
    // Step 4: the transcript credits 3 h with its rule; the completion counts 3 of 3 basic hours.
    const [transcript, completion] = lines(2) as [
      { entries: { credit: { hours: number; rule: string }; evidence: string[] }[] },
      { completions: { status: string; hoursByCategory: Record<string, number>; requirement: unknown }[] },
    ];
    expect(transcript.entries).to.have.length(1);
    expect(transcript.entries[0]!.credit).to.deep.include({ hours: 3, rule: 'nominal 3 h from the catalog' });
    expect(transcript.entries[0]!.evidence).to.deep.equal(ids);
    expect(completion.completions).to.have.length(1);
    expect(completion.completions[0]).to.deep.include({
      status: 'in_progress',
      hoursByCategory: { basic: 3 },
    });
    expect(JSON.stringify(completion.completions[0]!.requirement)).to.contain(
      '"rule":"min(nominal 3 h, measured 3.17 h)"',
    );

    // 5. The portal: the development sign-in as Kim, then My training.
    const signin = await fetch(`${url}/dev/signin`);
    const cookies = signin.headers.getSetCookie().map((c) => c.split(';')[0]!);
    const page = await signin.text();
    expect(page).to.contain('Kim Min-ji — official (kim)');
    const csrf = /name="csrf" value="([^"]+)"/.exec(page)![1]!;
    const signedIn = await fetch(`${url}/dev/signin`, {
      method: 'POST',
      redirect: 'manual',
      headers: { Cookie: cookies.join('; '), 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf, next: '/me', user: 'official:kim' }),
    });
    expect(signedIn.status).to.equal(303);
    const session = signedIn.headers.getSetCookie().map((c) => c.split(';')[0]!);
    const mine = await fetch(`${url}/officials/kim`, { headers: { Cookie: session.join('; ') } });
    expect(mine.status).to.equal(200);
    const text = (await mine.text()).replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
    expect(text).to.contain('My training — Kim Min-ji');
    expect(text).to.match(/Basic \(ethics, human rights\): 3 \/ 3 hours/);
    expect(text).to.contain('Welfare ethics');
  });
});
