import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN, basic, TestLrs } from '@lrs/server/testing';
import { CATALOG_ENTRY_RECORDED, catalogStream, OFFICIAL_RECORDED, officialStream } from '@lrs/training';
import { expect } from 'chai';
import { runCli } from '../src/cli';
import { aCsv, aSession, COURSE, HOME, officialId } from './support/builders';

/** Officials and the course, recorded the way @lrs/training records them. */
async function recordReferenceData(lrs: TestLrs, officials: number) {
  for (let i = 1; i <= officials; i++) {
    const id = officialId(i);
    await lrs.system.log.append(officialStream(id), [
      {
        type: OFFICIAL_RECORDED,
        data: {
          officialId: id,
          name: `공무원 ${i}`,
          orgUnit: 'seoul',
          orgUnitFrom: null,
          staffGroup: 'general',
          jurisdiction: 'seoul',
          employedFrom: null,
          employedTo: null,
          identifiers: [{ account: { homePage: HOME, name: id } }],
        },
      },
    ]);
  }
  await lrs.system.log.append(catalogStream('ethics'), [
    {
      type: CATALOG_ENTRY_RECORDED,
      data: {
        activityId: COURSE,
        title: { ko: '공직윤리' },
        category: 'basic',
        nominalHours: 3,
        modality: 'face-to-face',
        provider: null,
      },
    },
  ]);
}

async function captured(run: () => Promise<number>): Promise<{ code: number; out: string }> {
  const write = process.stdout.write.bind(process.stdout);
  let out = '';
  process.stdout.write = ((chunk: string) => {
    out += chunk;
    return true;
  }) as typeof process.stdout.write;
  try {
    return { code: await run(), out };
  } finally {
    process.stdout.write = write;
  }
}

describe('connectors in the LRS process: CLI and admin API', () => {
  let lrs: TestLrs;
  let dir: string;
  beforeEach(async () => {
    lrs = await TestLrs.start();
    dir = mkdtempSync(join(tmpdir(), 'connectors-cli-'));
  });
  afterEach(async () => {
    await lrs.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('imports a roster with a rosters/import-less admin credential through the CLI, against the officials registry', async () => {
    await recordReferenceData(lrs, 5);
    writeFileSync(join(dir, 'session.json'), JSON.stringify(aSession()));
    writeFileSync(
      join(dir, 'roster.csv'),
      aCsv(
        [
          [officialId(2), '180', 'attended'],
          [officialId(3), '0', 'absent'],
        ],
        { bom: true },
      ),
    );
    const env = { LRS_URL: lrs.url, LRS_KEY: ADMIN.key, LRS_SECRET: ADMIN.secret };
    const args = ['roster', 'import', '--session', join(dir, 'session.json'), join(dir, 'roster.csv')];
    // Recorded a moment ago: the import itself waits for the registry to catch up with the log.
    const result = await captured(() => runCli(args, env));
    expect(result.code, result.out).to.equal(0);
    expect(JSON.parse(result.out)).to.include({ written: 1, absent: 1 });
    expect(await lrs.statementCount()).to.equal(1);
  });

  it('roster check exits 1 when the roster has problems, one line each naming the file and line; 0 when it would import', async () => {
    await recordReferenceData(lrs, 5);
    writeFileSync(join(dir, 'session.json'), JSON.stringify(aSession()));
    writeFileSync(
      join(dir, 'roster.csv'),
      aCsv([
        [officialId(2), '180', 'attended'],
        ['nobody', '60', 'partial'],
      ]),
    );
    const env = { LRS_URL: lrs.url, LRS_KEY: ADMIN.key, LRS_SECRET: ADMIN.secret };
    const err: string[] = [];
    const io = { out: () => {}, err: (t: string) => void err.push(t) };
    const args = ['roster', 'check', '--session', join(dir, 'session.json'), join(dir, 'roster.csv')];
    expect(await runCli(args, env, io)).to.equal(1);
    expect(err).to.deep.equal([
      `${join(dir, 'roster.csv')}:3 /csv/3/official: Line 3: unknown official 'nobody'.\n`,
    ]);
    writeFileSync(join(dir, 'roster.csv'), aCsv([[officialId(2), '180', 'attended']]));
    expect(await runCli(args, env, io)).to.equal(0);
    expect(await lrs.statementCount()).to.equal(0);
  });

  it("a training centre's rosters/import credential imports rosters as their authority, and can do nothing else", async () => {
    await recordReferenceData(lrs, 5);
    const centre = await lrs.issueCredential('Seoul training centre', ['rosters/import']);
    const auth = { Authorization: basic(centre), 'Content-Type': 'application/json' };
    const roster = JSON.stringify({ session: aSession(), csv: aCsv([[officialId(2), '180', 'attended']]) });
    const res = await fetch(`${lrs.url}/api/connectors/rosters`, {
      method: 'POST',
      headers: auth,
      body: roster,
    });
    expect(res.status, await res.clone().text()).to.equal(200);
    expect(await res.json()).to.include({ written: 1 });
    // Another principal's write: the admin's read waits for the statements index to reach the log head.
    await lrs.caughtUp();
    const stored = await lrs.call('GET', 'statements?limit=1');
    const [statement] = (stored.body as { statements: { authority: { account: { name: string } } }[] })
      .statements;
    expect(statement!.authority.account.name).to.equal(centre.key);
    // Nothing else: no xAPI reads or writes, no sources, no credentials.
    expect((await lrs.call('GET', 'statements', { as: centre })).status).to.equal(403);
    expect((await lrs.call('POST', 'statements', { as: centre, json: {} })).status).to.equal(403);
    for (const path of ['/api/connectors/sources', '/api/admin/credentials'])
      expect((await fetch(`${lrs.url}${path}`, { headers: auth })).status, path).to.equal(403);
  });

  it('source configuration and the quarantine listing are admin only; credentials never come back', async () => {
    const lms = await lrs.issueCredential('lms', ['all']);
    const source = {
      id: 'lms',
      endpoint: 'https://lms.example/xapi/',
      auth: { username: 'u', password: 'p' },
      pollIntervalSeconds: 3600,
    };
    const post = (as: { key: string; secret: string }, body: unknown) =>
      fetch(`${lrs.url}/api/connectors/sources`, {
        method: 'POST',
        headers: { Authorization: basic(as), 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await post(lms, source)).status).to.equal(403);
    const bad = await post(ADMIN, { ...source, endpoint: 'ftp://x' });
    expect(bad.status).to.equal(400);
    expect(((await bad.json()) as { error: { pointer: string } }).error.pointer).to.equal('/body/endpoint');
    const created = await post(ADMIN, source);
    expect(created.status).to.equal(201);
    const text = await created.text();
    expect(text).to.not.include('"p"');
    expect(JSON.parse(text)).to.deep.include({ id: 'lms', auth: { kind: 'basic', username: 'u' } });

    const listing = (as: { key: string; secret: string }) =>
      fetch(`${lrs.url}/api/connectors/sources/lms/quarantine`, { headers: { Authorization: basic(as) } });
    expect((await listing(lms)).status).to.equal(403);
    const ok = await listing(ADMIN);
    expect(ok.status).to.equal(200);
    expect(await ok.json()).to.deep.equal({ quarantined: [] });
    const missing = await fetch(`${lrs.url}/api/connectors/sources/nope`, {
      headers: { Authorization: basic(ADMIN) },
    });
    expect(missing.status).to.equal(404);
  });
});
