// The backup drill of decision 042, whole: ingest, back up while statements keep arriving,
// verify the file, restore it into another data directory, start an LRS there and compare.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@lrs/config';
import type { CliIo } from '@lrs/config/cli';
import { openSqliteEventLog, Position } from '@lrs/event-log';
import { listen } from '@lrs/http';
import { replayToCutOff, resolveCutOff } from '@lrs/service-audit';
import { anActivity, anAgent, aStatement, verbs } from '@lrs/testkit';
import { expect } from 'chai';
import { createLrsApp, startLrsSystem } from '../src';
import { runLrsCli } from '../src/cli';
import { ADMIN, basic, TestLrs } from './support/test-lrs';

const EXAMPLES = new URL('../../../examples/city/', import.meta.url);
const LMS = 'https://lms.city.example';
const course = (slug: string) => `${LMS}/courses/${slug}`;

const statementOf = (account: string, slug: string) =>
  aStatement()
    .withId(randomUUID())
    .withActor(anAgent().withAccount(LMS, account))
    .withVerb(verbs.completed)
    .withActivity(anActivity(course(slug)))
    .lasting('PT1H')
    .build();

async function cli(argv: string[], env: NodeJS.ProcessEnv) {
  const captured = { out: '', err: '' };
  const io: CliIo = { out: (t) => (captured.out += t), err: (t) => (captured.err += t) };
  const code = await runLrsCli(argv, env, io);
  return { code, ...captured };
}

describe('pnpm lrs backup, verify and restore: the drill', function () {
  this.timeout(120_000);
  let lrs: TestLrs;
  let dir: string;

  beforeEach(async () => {
    lrs = await TestLrs.start();
    dir = mkdtempSync(join(tmpdir(), 'lrs-backup-drill-'));
    const post = async (path: string, file: string, type: string) => {
      const res = await fetch(`${lrs.url}${path}`, {
        method: 'POST',
        headers: { Authorization: basic(ADMIN), 'Content-Type': type },
        body: readFileSync(new URL(file, EXAMPLES), 'utf8'),
      });
      expect(res.status, await res.clone().text()).to.be.oneOf([200, 201]);
    };
    await post('/api/admin/training/org-units', 'org-units.csv', 'text/csv');
    await post('/api/admin/training/officials', 'officials.csv', 'text/csv');
    await post('/api/admin/training/catalog', 'catalog.csv', 'text/csv');
    await post('/api/admin/training/policies', 'policy.json', 'application/json');
  });
  afterEach(async () => {
    await lrs.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('backs up under load, verifies, restores elsewhere; the restored LRS answers as the original did at the backup', async () => {
    // Ingest: kim's learning, all of it before the backup.
    for (const slug of ['welfare-ethics', 'case-management', 'human-rights'])
      expect(
        (await lrs.call('POST', 'statements', { json: statementOf('kim.minji', slug) })).status,
      ).to.equal(200);
    const before = (await lrs.system.log.headPosition())!;

    // Back up while lee's statements keep arriving: at most 40 batches of 10, stopped by the backup's end.
    const file = join(dir, 'backup.sqlite');
    let backingUp = true;
    let batches = 0;
    let loadRunning: () => void = () => {};
    const running = new Promise<void>((resolve) => (loadRunning = resolve));
    const load = (async () => {
      while (backingUp && batches < 40) {
        const batch = Array.from({ length: 10 }, () => statementOf('lee.seoyeon', 'burnout-prevention'));
        expect((await lrs.call('POST', 'statements', { json: batch })).status).to.equal(200);
        if (++batches === 3) loadRunning();
      }
      loadRunning();
    })();
    // The backup starts once the load is under way, and the load goes on until the backup ends.
    await running;
    expect(backingUp && batches < 40, 'the load is running when the backup starts').to.equal(true);
    const env = { LRS_DATA_DIR: lrs.system.config.dataDir };
    const backup = await cli(['backup', file], env);
    backingUp = false;
    await load;
    expect(backup.code, backup.err).to.equal(0);
    const manifest = JSON.parse(backup.out) as {
      log: { head: string; events: number };
      projections: { name: string; version: number; fingerprint: string }[];
    };
    const after = (await lrs.system.log.headPosition())!;
    const head = Position.parse(manifest.log.head)!;
    expect(Position.compare(head, before)).to.be.at.least(0);
    expect(Position.compare(head, after)).to.be.at.most(0);
    expect(manifest.projections.map((p) => p.name)).to.deep.equal(['transcripts', 'completion']);

    // The backup's fingerprints are those of the original log replayed to the same position.
    const scratch = mkdtempSync(join(dir, 'replay-'));
    const original = await replayToCutOff(
      lrs.system.log,
      await resolveCutOff(lrs.system.log, { position: manifest.log.head }),
      scratch,
    );
    expect(original.projections.map((p) => p.fingerprint)).to.deep.equal(
      manifest.projections.map((p) => p.fingerprint),
    );

    // Verify: integrity, manifest, head and the replayed fingerprints.
    const verified = await cli(['verify', file], {});
    expect(verified.code, verified.out).to.equal(0);
    const { ok, checks } = JSON.parse(verified.out) as {
      ok: boolean;
      checks: { check: string; ok: boolean }[];
    };
    expect(checks.map((c) => [c.check, c.ok])).to.deep.equal([
      ['integrity', true],
      ['manifest', true],
      ['log head', true],
      ['fingerprint transcripts v' + manifest.projections[0]!.version, true],
      ['fingerprint completion v' + manifest.projections[1]!.version, true],
    ]);
    expect(ok).to.equal(true);
    // Restore into another, empty data directory, and start an LRS there.
    const restoredDir = join(dir, 'restored');
    const restored = await cli(['restore', file], { LRS_DATA_DIR: restoredDir });
    expect(restored.code, restored.err).to.equal(0);
    const system = await startLrsSystem(
      loadConfig({ LRS_DATA_DIR: restoredDir, PORT: '0', HOST: '127.0.0.1', LRS_LOG_LEVEL: 'silent' }),
    );
    const server = await listen(createLrsApp(system), { port: 0, host: '127.0.0.1' });
    try {
      // The same events in the same order, up to the backup's head.
      const copy = await system.log.readAll();
      const source = (await lrs.system.log.readAll()).filter((e) => Position.compare(e.position, head) <= 0);
      expect(copy.map((e) => [Position.toString(e.position), e.id, e.type])).to.deep.equal(
        source.map((e) => [Position.toString(e.position), e.id, e.type]),
      );
      // The restored LRS answers as the original: kim's transcript (nothing of kim came after the backup),
      // and the admin credential of the original works there.
      const read = async (url: string) => {
        const res = await fetch(`${url}/api/officials/kim/transcript`, {
          headers: { Authorization: basic(ADMIN) },
        });
        expect(res.status).to.equal(200);
        return (await res.json()) as { entries: unknown[] };
      };
      const [mine, theirs] = await Promise.all([read(lrs.url), read(server.url)]);
      expect(theirs.entries).to.have.length(3);
      expect(theirs).to.deep.equal(mine);
    } finally {
      await server.close();
      await system.stop();
    }
  });

  it('refuses to overwrite a file, to restore into a data directory that holds a log, and a file that is not a backup', async () => {
    const env = { LRS_DATA_DIR: lrs.system.config.dataDir };
    const existing = join(dir, 'existing.sqlite');
    writeFileSync(existing, 'not empty');
    const overwrite = await cli(['backup', existing], env);
    expect([overwrite.code, overwrite.err]).to.deep.equal([
      1,
      `pnpm lrs: ${existing} already exists: a backup never overwrites a file\n`,
    ]);
    const file = join(dir, 'backup.sqlite');
    expect((await cli(['backup', file], env)).code).to.equal(0);
    const intoLive = await cli(['restore', file], env);
    expect(intoLive.code).to.equal(1);
    expect(intoLive.err).to.match(/is not empty \(events\.sqlite.*\): restore into an empty data directory/);
    const notABackup = await cli(['verify', existing], {});
    expect(notABackup.code).to.equal(1);
    expect(notABackup.err).to.contain('integrity failed');
    // The live log is a SQLite file but no backup: no manifest.
    const live = await openSqliteEventLog({ file: join(dir, 'live-copy.sqlite') });
    await live.close();
    const noManifest = await cli(['verify', join(dir, 'live-copy.sqlite')], {});
    expect(noManifest.code).to.equal(1);
    expect(noManifest.err).to.contain('manifest failed: no backup manifest');
    expect((await cli(['verify'], {})).code).to.equal(2);
    expect((await cli(['verify', join(dir, 'missing.sqlite')], {})).err).to.equal(
      `pnpm lrs: cannot read ${join(dir, 'missing.sqlite')}: no such file\n`,
    );
  });
});
