// `pnpm training import …` and `pnpm training policy publish …` against a running LRS: the same
// checks and idempotence as the admin API, problems reported per line, nothing applied on failure.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ADMIN, TestLrs } from '@lrs/server/testing';
import { type CliOutput, runTrainingCli } from '@lrs/training';
import { expect } from 'chai';

const officialsCsv = (rows: { id: string; employedFrom?: string }[]) =>
  [
    'official_id,name,org_unit,staff_group,jurisdiction,employed_from,account_home_page,account_name',
    ...rows.map(
      (r) =>
        `${r.id},Official ${r.id},district-a,social-welfare,city,${r.employedFrom ?? '2020-01-01'},https://lms.example.kr,${r.id}`,
    ),
  ].join('\n');

describe('training CLI (import and policy publish through the admin API)', function () {
  this.timeout(30_000);
  let lrs: TestLrs;
  let dir: string;
  let env: NodeJS.ProcessEnv;

  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const run = async (...argv: string[]) => {
    const captured = { out: '', err: '' };
    const io: CliOutput = { out: (t) => (captured.out += t), err: (t) => (captured.err += t) };
    const code = await runTrainingCli(argv, env, io);
    return { code, ...captured };
  };

  beforeEach(async () => {
    lrs = await TestLrs.start({});
    dir = mkdtempSync(join(tmpdir(), 'training-cli-'));
    env = { LRS_URL: lrs.url, LRS_KEY: ADMIN.key, LRS_SECRET: ADMIN.secret };
    const units = file(
      'org-units.json',
      JSON.stringify([
        { orgUnitId: 'city', name: 'City', parent: null },
        { orgUnitId: 'district-a', name: 'District A', parent: 'city' },
      ]),
    );
    expect((await run('import', 'org-units', units)).code).to.equal(0);
  });
  afterEach(async () => {
    await lrs.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('imports officials from CSV; the same file again changes nothing', async () => {
    const csv = file('officials.csv', officialsCsv([{ id: 'kim' }, { id: 'lee' }]));
    const first = await run('import', 'officials', csv);
    expect(first.code, first.err).to.equal(0);
    expect(JSON.parse(first.out)).to.include({ received: 2, changed: 2 });
    const events = await lrs.eventCount();
    const again = await run('import', 'officials', csv);
    expect(JSON.parse(again.out)).to.include({ changed: 0, unchanged: 2 });
    expect(await lrs.eventCount()).to.equal(events);
  });

  it('a file with an invalid row is rejected whole: exit 1, each problem with its line, nothing applied', async () => {
    const csv = file(
      'officials.csv',
      officialsCsv([{ id: 'kim' }, { id: 'lee', employedFrom: '2024-13-01' }]),
    );
    const events = await lrs.eventCount();
    const r = await run('import', 'officials', csv);
    expect(r.code).to.equal(1);
    expect(r.err).to.equal(`${csv}:3 employedFrom: must be a date YYYY-MM-DD\n`);
    expect(await lrs.eventCount()).to.equal(events);
  });

  it('publishes a policy once; the same document again is unchanged; a changed one under the same version is refused', async () => {
    const policy = JSON.parse(
      readFileSync(
        new URL('../../../examples/policies/city-annual-welfare-education.json', import.meta.url),
        'utf8',
      ),
    ) as Record<string, unknown>;
    const path = file('policy.json', JSON.stringify(policy));
    // The catalog first: a policy naming categories no course has is refused.
    const catalog = fileURLToPath(new URL('../../../examples/city/catalog.csv', import.meta.url));
    expect((await run('import', 'catalog', catalog)).code).to.equal(0);
    const first = await run('policy', 'publish', path);
    expect(first.code, first.err).to.equal(0);
    expect(JSON.parse(first.out)).to.include({ outcome: 'published' });
    expect(JSON.parse((await run('policy', 'publish', path)).out)).to.include({ outcome: 'unchanged' });
    const changed = file('changed.json', JSON.stringify({ ...policy, title: { en: 'Another title' } }));
    const refused = await run('policy', 'publish', changed);
    expect(refused.code).to.equal(1);
    expect(refused.err).to.contain('already published with other content');
  });

  it('a policy that fails its schema is refused with the JSON pointer', async () => {
    const path = file('bad.json', JSON.stringify({ policyId: 'x', version: 1 }));
    const r = await run('policy', 'publish', path);
    expect(r.code).to.equal(1);
    expect(r.err).to.match(/bad\.json \/body/);
  });

  it('usage errors exit 2 without calling the LRS', async () => {
    expect((await run('import', 'courses', 'x.csv')).code).to.equal(2);
    expect((await run('policy', 'publish', file('p.csv', 'a,b'))).code).to.equal(2);
    env = {};
    const noCredential = await run('import', 'officials', file('o.csv', 'x'));
    expect([noCredential.code, noCredential.err]).to.deep.equal([
      2,
      'pnpm training: no credential: give --key and --secret (or set LRS_KEY and LRS_SECRET) (usage: pnpm training import officials --help)\n',
    ]);
  });
});
