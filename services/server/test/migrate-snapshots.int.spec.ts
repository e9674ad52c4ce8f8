// `pnpm privacy migrate` (decision 080, amended by 078): report snapshots recorded before decision
// 078 named each official by id and the taker by name. The migration rewrites their rows to the
// officials' pseudonyms and drops the name; the log then holds neither, and verifying such a
// snapshot afterwards says the counting rules changed since (model 7 to the current one), not that it was tampered.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CliIo } from '@lrs/config/cli';
import { anEvent } from '@lrs/events';
import {
  cutOffRequest,
  type ReportSnapshot,
  resolveCutOff,
  SCHEDULER,
  SNAPSHOT_RECORDED,
  takeSnapshot,
} from '@lrs/service-audit';
import { runCli } from '@lrs/service-privacy';
import {
  aCourse,
  allOf,
  anAgent,
  anOfficial,
  aPolicy,
  aStatement,
  filesContaining,
  minHours,
  verbs,
} from '@lrs/testkit';
import { ReferenceStore } from '@lrs/training';
import { expect } from 'chai';
import { MIGRATION_TYPES } from '../src/privacy-cli';
import { ADMIN, basic, TestLrs } from './support/test-lrs';

const OFFICIAL_ID = 'choi-minseo-2231';
const OFFICIAL_NAME = 'Choi Min-seo';
const TAKER_NAME = 'Auditor Han Ga-eun';
const LMS = 'https://lms.example.kr';
const ETHICS = `${LMS}/courses/welfare-ethics`;
const V7_SNAPSHOT = '7a0c6f0e-3b43-4d3e-9f39-6f1b0b7c2a11';

describe('pnpm privacy migrate: report snapshots recorded before decision 078', function () {
  this.timeout(180_000);
  const root = mkdtempSync(join(tmpdir(), 'lrs-migrate-snapshots-'));
  const dataDir = join(root, 'data');
  const env = { LRS_DATA_DIR: dataDir };
  after(() => rmSync(root, { recursive: true, force: true }));
  let policyId = '';
  /** Taken on this version, bypassing its refusal, while the registry was not sealed. */
  let unsealedSnapshot = '';

  before(async () => {
    mkdirSync(dataDir, { recursive: true });
    const lrs = await TestLrs.start(env);
    try {
      // The registry as the LRS before decision 077 wrote it: in the clear (no key store).
      const reference = new ReferenceStore(lrs.system.log);
      const choi = anOfficial(OFFICIAL_ID).build();
      await reference.importRecords(
        'officials',
        [{ ...choi, name: OFFICIAL_NAME, identifiers: [{ account: { homePage: LMS, name: OFFICIAL_ID } }] }],
        'test',
      );
      await reference.importRecords(
        'catalog',
        [aCourse(ETHICS).inCategory('basic').worth(3).build()],
        'test',
      );
      const policy = aPolicy()
        .calendarYear('Asia/Seoul')
        .requiring(allOf('all', minHours('basic-3h', 3, 'basic')))
        .build();
      policyId = policy.policyId;
      expect((await reference.publishPolicy(policy, 'test')).outcome).to.equal('published');
      const statement = aStatement()
        .withActor(anAgent().withAccount(LMS, OFFICIAL_ID))
        .withVerb(verbs.completed)
        .withActivity(ETHICS)
        .at('2026-03-02T10:00:00+09:00')
        .build();
      expect((await lrs.call('POST', 'statements', { json: [statement] })).status).to.equal(200);
      await lrs.caughtUp();
      // This version refuses a snapshot while the registry awaits the migration (decision 078)…
      const refused = await fetch(`${lrs.url}/api/reports/snapshots`, {
        method: 'POST',
        headers: { Authorization: basic(ADMIN), 'Content-Type': 'application/json' },
        body: JSON.stringify({ policy: policyId, period: '2026', asOf: new Date().toISOString() }),
      });
      expect(refused.status).to.equal(409);
      expect(((await refused.json()) as { error: Record<string, unknown> }).error).to.include({
        rule: 'audit.snapshot.registry-awaits-migration',
        pointer: '',
      });
      // …so the snapshot is taken as the code before it took one.
      const cutOff = await resolveCutOff(
        lrs.system.log,
        cutOffRequest({ asOf: new Date().toISOString() }, 'body'),
      );
      const { snapshotId } = await takeSnapshot(
        lrs.system.log,
        lrs.system.audit.scratchRoot,
        cutOff,
        { policyId, period: '2026', orgUnit: null, jurisdiction: null },
        SCHEDULER,
      );
      unsealedSnapshot = snapshotId;
      const [recorded] = await lrs.system.log.readStream(`audit-snapshot-${snapshotId}`);
      // The same snapshot as completion model 7 recorded it: rows by official id (this registry is
      // not sealed, so the rows already carry the id), the model's version 7 and the taker's name.
      const data = recorded!.data as unknown as ReportSnapshot;
      expect(data.rows!.map((r) => r.officialId)).to.deep.equal([OFFICIAL_ID]);
      const v7: ReportSnapshot = {
        ...data,
        snapshotId: V7_SNAPSHOT,
        manifest: {
          ...data.manifest,
          projections: data.manifest.projections.map((p) =>
            p.name === 'completion' ? { ...p, version: 7 } : p,
          ),
        },
        takenByName: TAKER_NAME,
      };
      await lrs.system.log.append(`audit-snapshot-${V7_SNAPSHOT}`, [anEvent(SNAPSHOT_RECORDED, v7)], {
        expectedRevision: 'no_stream',
      });
    } finally {
      await lrs.stop();
    }
    for (const needle of [OFFICIAL_ID, TAKER_NAME])
      expect(filesContaining(dataDir, needle), needle).to.not.deep.equal([]);
  });

  it('rewrites its rows to pseudonyms and drops the taker’s name; verifying it says the rules changed, not that it was tampered', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io: CliIo = { out: (s) => out.push(s), err: (s) => err.push(s), errIsTTY: false };
    const code = await runCli(['migrate'], { ...env, LRS_LOG_LEVEL: 'silent' }, io, MIGRATION_TYPES);
    expect(code, err.join('')).to.equal(0);
    const outcome = JSON.parse(out.join('')) as {
      record: { sealed: Record<string, number>; fingerprintBefore: string; fingerprintAfter: string };
    };
    // Both snapshots named the official by id: the one of model 7 and the one taken on this version
    // while the registry was not sealed yet.
    expect(outcome.record.sealed).to.deep.include({ [SNAPSHOT_RECORDED]: 2 });
    expect(outcome.record.fingerprintAfter).to.equal(outcome.record.fingerprintBefore);
    const logFiles = (needle: string) =>
      filesContaining(dataDir, needle).filter((f) => f.includes('events.sqlite'));
    for (const needle of [OFFICIAL_ID, OFFICIAL_NAME, TAKER_NAME])
      expect(logFiles(needle), needle).to.deep.equal([]);

    const lrs = await TestLrs.start(env);
    try {
      await lrs.caughtUp();
      const api = async (path: string) => {
        const res = await fetch(`${lrs.url}${path}`, { headers: { Authorization: basic(ADMIN) } });
        return { status: res.status, body: (await res.json()) as Record<string, unknown> };
      };
      const shown = await api(`/api/reports/snapshots/${V7_SNAPSHOT}`);
      expect(shown.status).to.equal(200);
      // Shown by the official's id again, resolved at display time.
      expect((shown.body.rows as { officialId: string }[]).map((r) => r.officialId)).to.deep.equal([
        OFFICIAL_ID,
      ]);
      // The registry is sealed now: snapshots are taken again.
      const taken = await fetch(`${lrs.url}/api/reports/snapshots`, {
        method: 'POST',
        headers: { Authorization: basic(ADMIN), 'Content-Type': 'application/json' },
        body: JSON.stringify({ policy: policyId, period: '2026', asOf: new Date().toISOString() }),
      });
      expect(taken.status, await taken.clone().text()).to.equal(201);
      const verified = await api(`/api/reports/snapshots/${V7_SNAPSHOT}/verify`);
      expect(verified.status).to.equal(200);
      expect(verified.body, JSON.stringify(verified.body)).to.include({ matches: false, alarm: null });
      const rules = verified.body.rulesChanged as { from: number; to: number; officials: string[] };
      expect([rules.from, rules.to, rules.officials]).to.deep.equal([7, 9, []]);
      expect((verified.body.differences as { what: string }[]).map((d) => d.what).sort()).to.deep.equal([
        'fingerprint of the completion read model',
        'projection completion version',
        'report hash',
      ]);
      // What the refusal prevents: a snapshot taken on an unsealed registry does not reproduce after
      // the migration (its fingerprint hashed the official by id, the replay by pseudonym).
      const unsealed = await api(`/api/reports/snapshots/${unsealedSnapshot}/verify`);
      expect(unsealed.body.alarm, JSON.stringify(unsealed.body)).to.match(
        /fingerprint of the completion read model/,
      );
    } finally {
      await lrs.stop();
    }
  });
});
