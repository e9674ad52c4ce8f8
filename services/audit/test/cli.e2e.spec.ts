import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ADMIN, basic, TestLrs } from '@lrs/server/testing';
import { anActivity, anAgent, aStatement, verbs } from '@lrs/testkit';
import { expect } from 'chai';
import { runCli } from '../src/cli';

/** Runs the CLI in-process and captures what it writes. */
async function cli(args: string[], env: Record<string, string>) {
  const out: string[] = [];
  const err: string[] = [];
  const stdout = process.stdout.write.bind(process.stdout);
  const stderr = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((chunk: string) => out.push(String(chunk)) > 0) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string) => err.push(String(chunk)) > 0) as typeof process.stderr.write;
  try {
    const code = await runCli(args, env);
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    process.stdout.write = stdout;
    process.stderr.write = stderr;
  }
}

describe('audit CLI against a running LRS', function () {
  this.timeout(60_000);
  let lrs: TestLrs;
  let env: Record<string, string>;
  before(async () => {
    lrs = await TestLrs.start();
    env = { LRS_URL: lrs.url, LRS_KEY: ADMIN.key, LRS_SECRET: ADMIN.secret };
    const policy = readFileSync(
      new URL('../../../examples/policies/city-annual-welfare-education.json', import.meta.url),
      'utf8',
    );
    // The catalog first: a policy naming categories no course has is refused.
    const catalog = await fetch(`${lrs.url}/api/admin/training/catalog`, {
      method: 'POST',
      headers: { Authorization: basic(ADMIN), 'Content-Type': 'text/csv' },
      body: readFileSync(new URL('../../../examples/city/catalog.csv', import.meta.url), 'utf8'),
    });
    expect(catalog.status).to.equal(200);
    const published = await fetch(`${lrs.url}/api/admin/training/policies`, {
      method: 'POST',
      headers: { Authorization: basic(ADMIN), 'Content-Type': 'application/json' },
      body: policy,
    });
    expect(published.status).to.equal(201);
    const statement = aStatement()
      .withId(randomUUID())
      .withActor(anAgent().withAccount('https://lms.example.kr', 'kim'))
      .withVerb(verbs.attended)
      .withActivity(anActivity('https://lms.example.kr/courses/ethics'))
      .lasting('PT3H')
      .at('2025-03-01T10:00:00+09:00');
    expect((await lrs.call('POST', 'statements', { json: [statement.build()] })).status).to.equal(200);
  });
  after(async () => lrs.stop());

  it('replays with a progress bar, snapshots, verifies, and exits 2 on bad usage and 1 on a refused request', async () => {
    const asOf = new Date().toISOString();
    const replay = await cli(['replay', '--as-of', asOf], env);
    expect(replay.code, replay.stderr).to.equal(0);
    expect(replay.stderr).to.match(/\[#+\] 100% \d+\/\d+ completed/);
    const job = JSON.parse(replay.stdout);
    expect(job.state).to.equal('completed');
    expect(job.manifest.cutOff.asOf).to.equal(asOf);

    const snapshot = await cli(
      ['snapshot', '--policy', 'city-annual-welfare-education', '--period', '2025', '--as-of', asOf],
      env,
    );
    expect(snapshot.code, snapshot.stdout).to.equal(0);
    const { snapshotId } = JSON.parse(snapshot.stdout);
    const verify = await cli(['verify', snapshotId], env);
    expect(verify.code, verify.stdout).to.equal(0);
    expect(JSON.parse(verify.stdout).matches).to.equal(true);

    // An auditor finds it again by policy and period, and a filter the API refuses is exit 1 naming it.
    const list = await cli(
      [
        'snapshot',
        'list',
        '--policy',
        'city-annual-welfare-education',
        '--period',
        '2025',
        '--page-size',
        '10',
      ],
      env,
    );
    expect(list.code, list.stderr).to.equal(0);
    const listed = JSON.parse(list.stdout);
    expect(listed).to.include({ total: 1, page: 1, pageSize: 10 });
    expect(listed.snapshots.map((s: { snapshotId: string }) => s.snapshotId)).to.deep.equal([snapshotId]);
    expect(listed.snapshots[0]).to.include({ policyId: 'city-annual-welfare-education', period: '2025' });
    const none = await cli(['snapshot', 'list', '--period', '2024'], env);
    expect([none.code, JSON.parse(none.stdout).total]).to.deep.equal([0, 0]);
    const refused = await cli(['snapshot', 'list', '--kind', 'weekly'], env);
    expect(refused.code).to.equal(1);
    expect(refused.stderr).to.equal(
      'snapshot list: answered 400 audit.snapshot.kind: kind is one of completion-status, programme-statistics (at /query/kind)\n',
    );

    expect((await cli(['replay'], env)).code).to.equal(2);
    const future = await cli(['replay', '--as-of', '2999-01-01T00:00:00Z'], env);
    expect(future.code).to.equal(1);
    expect(JSON.parse(future.stdout).error.rule).to.equal('audit.cut-off.future');
  });
});
