// biome-ignore-all lint/suspicious/noExplicitAny: response bodies are read loosely; each assertion names what it expects
// Access, portability and retention through the real server (decisions 070, 071): an official
// downloads what the product holds about them, with where each record came from; an administrator
// sets how long a jurisdiction keeps the records of officials who left and sees who would go.
import { createHmac, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ADMIN, basic, TestLrs } from '@lrs/server/testing';
import { anActivity, anAgent, aStatement, verbs } from '@lrs/testkit';
import { expect } from 'chai';
import { runCli } from '../src/cli';

const JWT_SECRET = 'a-test-secret-of-at-least-32-characters!';
const LMS = 'https://lms.welfare.example.kr';
const ETHICS = 'https://lms.welfare.example.kr/courses/welfare-ethics';
const CITY_POLICY = 'city-annual-welfare-education';

function token(claims: Record<string, unknown>): string {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const body = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub: 'user', exp: Math.floor(Date.now() / 1000) + 600, ...claims })}`;
  return `${body}.${createHmac('sha256', JWT_SECRET).update(body).digest('base64url')}`;
}
const asOfficial = (id: string) => `Bearer ${token({ sub: id, role: 'official', official_id: id })}`;
const asAdmin = basic(ADMIN);

type Row = Record<string, string>;
const csv = (rows: Row[]) => {
  const header = Object.keys(rows[0]!);
  return [header.join(','), ...rows.map((r) => header.map((h) => r[h] ?? '').join(','))].join('\n');
};
const official = (id: string, name: string, over: Row = {}): Row => ({
  official_id: id,
  name,
  org_unit: 'district-a',
  org_unit_from: '2018-01-01',
  staff_group: 'social-welfare',
  jurisdiction: 'city',
  employed_from: '2018-01-01',
  employed_to: '',
  account_home_page: LMS,
  account_name: id,
  mbox: '',
  ...over,
});
const learner = (id: string) => anAgent().withAccount(LMS, id);

describe('personal data: access, portability and retention', function () {
  this.timeout(60_000);
  let lrs: TestLrs;
  const stateId = 'bookmark';
  let kimStatement: string;
  let leeTaught: string;

  async function api(method: string, path: string, auth: string | null, body?: unknown) {
    const res = await fetch(`${lrs.url}${path}`, {
      method,
      headers: {
        ...(auth ? { Authorization: auth } : {}),
        ...(body !== undefined
          ? { 'Content-Type': typeof body === 'string' ? 'text/csv' : 'application/json' }
          : {}),
      },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    let json: any;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, text, json, headers: res.headers };
  }

  before(async () => {
    // The retention job runs dry runs only here (the erase path: retention-job.unit.spec.ts).
    lrs = await TestLrs.start({ LRS_JWT_HS256_SECRET: JWT_SECRET }, { eraser: null });
    const ok = (r: { status: number; text: string }) => expect(r.status, r.text).to.be.oneOf([200, 201]);
    ok(
      await api(
        'POST',
        '/api/admin/training/org-units',
        asAdmin,
        csv([
          { org_unit_id: 'city', name: 'City', parent: '' },
          { org_unit_id: 'district-a', name: 'District A', parent: 'city' },
        ]),
      ),
    );
    ok(
      await api(
        'POST',
        '/api/admin/training/officials',
        asAdmin,
        csv([
          official('kim', 'Kim Min-ji'),
          official('lee', 'Lee Seo-yeon', { employed_to: '2024-06-30' }),
          official('park', 'Park Ji-ho', { employed_to: '2026-11-30' }),
        ]),
      ),
    );
    ok(
      await api('POST', '/api/admin/training/catalog', asAdmin, [
        {
          activityId: ETHICS,
          title: { 'ko-KR': '사회복지 윤리와 인권' },
          category: 'basic',
          nominalHours: 3,
          modality: 'face-to-face',
          provider: 'City Training Centre',
        },
        {
          activityId: 'https://lms.welfare.example.kr/courses/case-management',
          title: { 'ko-KR': '사례관리 실무' },
          category: 'job',
          nominalHours: 5,
          modality: 'self-paced',
          provider: 'eLMS',
        },
      ]),
    );
    ok(
      await api(
        'POST',
        '/api/admin/training/exemptions',
        asAdmin,
        csv([
          {
            exemption_id: 'kim-leave-2026',
            official_id: 'kim',
            from: '2026-07-01',
            to: '2026-08-31',
            reason: 'leave',
          },
        ]),
      ),
    );
    const policy = JSON.parse(
      readFileSync(
        new URL('../../../examples/policies/city-annual-welfare-education.json', import.meta.url),
        'utf8',
      ),
    );
    ok(await api('POST', '/api/admin/training/policies', asAdmin, policy));
    kimStatement = randomUUID();
    leeTaught = randomUUID();
    const voided = randomUUID();
    const posted = await lrs.call('POST', 'statements', {
      json: [
        aStatement()
          .withId(kimStatement)
          .withActor(learner('kim'))
          .withVerb(verbs.attended)
          .withActivity(anActivity(ETHICS))
          .inRegistration(randomUUID())
          .lasting('PT3H')
          .at('2026-03-02T10:00:00+09:00')
          .build(),
        // Lee taught the session Kim attended in 2020, before leaving.
        aStatement()
          .withId(leeTaught)
          .withActor(learner('kim'))
          .withVerb(verbs.attended)
          .withActivity(anActivity(ETHICS))
          .withContext({ instructor: learner('lee').build(), registration: randomUUID() })
          .lasting('PT3H')
          .at('2020-03-02T10:00:00+09:00')
          .build(),
        aStatement()
          .withId(voided)
          .withActor(learner('lee'))
          .withVerb(verbs.attended)
          .withActivity(anActivity(ETHICS))
          .lasting('PT3H')
          .at('2020-03-05T10:00:00+09:00')
          .build(),
        aStatement().withActor(learner('lee')).voiding(voided).build(),
        aStatement()
          .withActor(anAgent().withMbox('mailto:visitor@example.org'))
          .withVerb(verbs.attended)
          .withActivity(anActivity(ETHICS))
          .build(),
      ],
    });
    expect(posted.status, posted.text).to.equal(200);
    const agent = encodeURIComponent(JSON.stringify(learner('kim').build()));
    const state = await lrs.call(
      'PUT',
      `activities/state?activityId=${encodeURIComponent(ETHICS)}&agent=${agent}&stateId=${stateId}`,
      { json: { page: 7 } },
    );
    expect(state.status, state.text).to.equal(204);
    const profile = await lrs.call('PUT', `agents/profile?agent=${agent}&profileId=preferences`, {
      json: { language: 'ko' },
    });
    expect(profile.status, profile.text).to.equal(204);
    // Kim attended a face-to-face session; the training centre imported its roster.
    const roster = await api('POST', '/api/connectors/rosters', asAdmin, {
      session: {
        offeringId: 'ethics-2026',
        sessionId: 'day-1',
        activityId: ETHICS,
        title: { 'en-US': 'Ethics (face-to-face)' },
        start: '2026-04-14T09:00:00+09:00',
        end: '2026-04-14T11:00:00+09:00',
        timeZone: 'Asia/Seoul',
        instructor: 'lee',
      },
      csv: 'official_id,minutes,status\nkim,120,attended\n',
    });
    expect(roster.status, roster.text).to.equal(200);
    await lrs.caughtUp();
  });
  after(async () => lrs?.stop());

  it('Kim downloads her own data as JSON: registry record, statements, documents, transcript and completion, each with its source', async () => {
    const r = await api('GET', '/api/privacy/subjects/kim/export', asOfficial('kim'));
    expect(r.status, r.text).to.equal(200);
    expect(r.headers.get('content-disposition')).to.contain('personal-data-kim.json');
    const { subject, records } = r.json;
    expect(subject).to.deep.include({ kind: 'official', officialId: 'kim', name: 'Kim Min-ji' });
    expect(subject.identifiers).to.deep.equal([`account:${LMS}|kim`]);
    // The record is sealed under Kim's pseudonym, on a stream named by it (decision 077), and
    // exported opened.
    expect(records.registry[0].source).to.include({ event: 'training.official.recorded', revision: 0 });
    expect(records.registry[0].source.stream).to.match(/^training-official-p-/);
    expect(records.registry[0].record).to.include({ officialId: 'kim', name: 'Kim Min-ji' });
    expect(records.registry[0].record.name).to.equal('Kim Min-ji');
    expect(records['org-unit-history'].map((h: any) => h.orgUnitName)).to.deep.equal(['District A']);
    expect(records.exemptions.map((e: any) => [e.source.stream, e.record.reason])).to.deep.equal([
      ['training-exemption-kim-leave-2026', 'leave'],
    ]);
    const attended = records.statements.find((s: any) => s.statement.id === kimStatement);
    expect(attended.roles).to.deep.equal(['actor']);
    expect(attended.source).to.include({
      readModel: 'statements-index',
      stream: `statement-${kimStatement}`,
      credential: ADMIN.key,
      via: 'xapi',
    });
    expect(attended.source.position).to.match(/^\d+$/);
    expect(
      records.documents.map((d: any) => [d.resource, d.documentId, JSON.parse(d.content)]),
    ).to.have.deep.members([
      ['state', stateId, { page: 7 }],
      ['agent-profile', 'preferences', { language: 'ko' }],
    ]);
    expect(records.documents[0].source.readModel).to.equal('documents-index');
    expect(records.documents[0].source.stream).to.match(/^(state|agent-profile)-[0-9a-f]{64}$/);
    // The roster row naming Kim: its statement came through the roster import, which is listed too.
    const fromRoster = records.statements.filter((s: any) => s.source.via.startsWith('roster:'));
    expect(fromRoster).to.have.length(1);
    expect(records.rosters).to.have.length(1);
    expect(records.rosters[0]).to.deep.include({ activityId: ETHICS, offeringId: 'ethics-2026' });
    expect(records.rosters[0].statementIds).to.deep.equal([fromRoster[0].statement.id]);
    expect(records.rosters[0].source.stream).to.match(/^connectors-roster-/);
    expect(records.rosters[0].source.event).to.equal('connectors.roster.imported');
    expect(records.transcript.map((e: any) => e.activity.id)).to.include(ETHICS);
    expect(records.completion.map((c: any) => `${c.policyId}/${c.period}`)).to.include(`${CITY_POLICY}/2026`);
    expect(records.completion[0].source).to.deep.equal({ readModel: 'completion' });
  });

  it('a statement in which Lee is the instructor is in Lee’s export, with her role in it; so is her voided statement, marked voided', async () => {
    const r = await api('GET', '/api/privacy/subjects/lee/export?format=json', asAdmin);
    expect(r.status, r.text).to.equal(200);
    const taught = r.json.records.statements.find((s: any) => s.statement.id === leeTaught);
    expect(taught.roles).to.deep.equal(['instructor']);
    const voided = r.json.records.statements.filter((s: any) => s.voided);
    expect(voided).to.have.length(1);
    expect(voided[0].roles).to.deep.equal(['actor']);
    // Lee taught the face-to-face session too: the roster's statement names her as its instructor.
    const taughtFaceToFace = r.json.records.statements.filter((s: any) => s.source.via.startsWith('roster:'));
    expect(taughtFaceToFace.map((s: any) => s.roles)).to.deep.equal([['instructor']]);
    expect(r.json.records.rosters).to.have.length(1);
  });

  it('the CSV export is one file per kind of record, source columns first, through the product’s CSV writer', async () => {
    const r = await api(
      'GET',
      '/api/privacy/subjects/kim/export?format=csv&kind=statements',
      asOfficial('kim'),
    );
    expect(r.status, r.text).to.equal(200);
    expect(r.headers.get('content-type')).to.contain('text/csv');
    expect(r.headers.get('content-disposition')).to.contain('personal-data-kim-statements.csv');
    const lines = r.text.replace(/^\uFEFF/, '').split('\r\n');
    expect(lines[0]).to.match(/^statements held about kim; exported /);
    expect(lines[1]).to.match(/^source_readModel,source_stream,source_revision,source_position,/);
    expect(lines[1]).to.contain('roles');
    expect(r.text).to.contain(`statement-${kimStatement}`);
    const registry = await api(
      'GET',
      '/api/privacy/subjects/kim/export?format=csv&kind=registry',
      asOfficial('kim'),
    );
    expect(registry.text).to.contain('training-official-p-');
    expect(registry.text).to.contain('Kim Min-ji');
  });

  it('refuses what it cannot answer, naming the field: someone else’s data, an unknown official, a wrong format or kind', async () => {
    const other = await api('GET', '/api/privacy/subjects/lee/export', asOfficial('kim'));
    expect(other.status).to.equal(403);
    expect(other.json.error).to.include({ rule: 'privacy.access', pointer: '/path/officialId' });
    // An official asking about someone unknown learns nothing either: 403, not 404.
    expect((await api('GET', '/api/privacy/subjects/nobody/export', asOfficial('kim'))).status).to.equal(403);
    const unknown = await api('GET', '/api/privacy/subjects/nobody/export', asAdmin);
    expect(unknown.status).to.equal(404);
    expect(unknown.json.error).to.include({ rule: 'privacy.subject.unknown', pointer: '/path/officialId' });
    const format = await api('GET', '/api/privacy/subjects/kim/export?format=xml', asAdmin);
    expect(format.status).to.equal(400);
    expect(format.json.error).to.include({ rule: 'privacy.query.format', pointer: '/query/format' });
    const kind = await api('GET', '/api/privacy/subjects/kim/export?format=csv', asAdmin);
    expect(kind.status).to.equal(400);
    expect(kind.json.error).to.include({ rule: 'privacy.query.kind', pointer: '/query/kind' });
    expect((await api('GET', '/api/privacy/subjects/kim/export', null)).status).to.equal(401);
  });

  it('an administrator exports an xAPI identifier the registry does not know; an official may not; a malformed agent is a 400', async () => {
    const visitor = { mbox: 'mailto:visitor@example.org' };
    const r = await api('POST', '/api/privacy/agent-export', asAdmin, { agent: visitor });
    expect(r.status, r.text).to.equal(200);
    expect(r.json.subject).to.deep.include({ kind: 'identifier', officialId: null });
    expect(r.json.records.statements).to.have.length(1);
    expect(r.json.records.statements[0].roles).to.deep.equal(['actor']);
    const official = await api('POST', '/api/privacy/agent-export', asOfficial('kim'), { agent: visitor });
    expect(official.status).to.equal(403);
    const bad = await api('POST', '/api/privacy/agent-export', asAdmin, {
      agent: { mbox: 'visitor@example.org' },
    });
    expect(bad.status).to.equal(400);
    expect(bad.json.error.pointer).to.match(/^\/body\/agent/);
    const none = await api('POST', '/api/privacy/agent-export', asAdmin, {
      agent: { mbox: 'mailto:nobody@example.org' },
    });
    expect(none.status).to.equal(404);
    expect(none.json.error).to.include({ rule: 'privacy.subject.unknown', pointer: '/body/agent' });
    // Kim's account is in the registry: the export is Kim's, every identifier of hers included.
    const kim = await api('POST', '/api/privacy/agent-export', asAdmin, { agent: learner('kim').build() });
    expect(kim.json.subject).to.deep.include({ kind: 'official', officialId: 'kim' });
  });

  describe('retention of the records of officials who left', () => {
    const setting = {
      jurisdiction: 'city',
      timeZone: 'Asia/Seoul',
      afterLeaving: 'P2Y',
      afterTrainingYear: 'P1Y',
      trainingYearStarts: '01-01',
      snapshotsKept: 'P10Y',
    };

    it('a retention setting with a wrong field is a 400 naming it; only administrators set one', async () => {
      const bad = await api('PUT', '/api/privacy/retention/city', asAdmin, {
        ...setting,
        afterLeaving: '5 years',
      });
      expect(bad.status).to.equal(400);
      expect(bad.json.error).to.include({
        rule: 'privacy.retention.duration',
        pointer: '/body/afterLeaving',
      });
      expect((await api('PUT', '/api/privacy/retention/city', asOfficial('kim'), setting)).status).to.equal(
        403,
      );
    });

    it('a setting that would erase records inside the city’s reporting-duty window before the report is due is refused', async () => {
      const duty = await api('PUT', '/api/reports/duties/city-annual', asAdmin, {
        dutyId: 'city-annual',
        jurisdiction: 'city',
        timeZone: 'Asia/Seoul',
        reports: ['programme-statistics'],
        window: { from: '12-01', to: '11-30' },
        cutOff: '12-01',
        dueBy: '12-14',
      });
      expect(duty.status, duty.text).to.equal(201);
      const short = await api('PUT', '/api/privacy/retention/city', asAdmin, {
        ...setting,
        afterLeaving: 'P6M',
        afterTrainingYear: 'P1D',
        trainingYearStarts: '12-01',
      });
      expect(short.status, short.text).to.equal(400);
      expect(short.json.error.rule).to.equal('privacy.retention.duty-window');
      expect(short.json.error.pointer).to.be.oneOf(['/body/afterLeaving', '/body/afterTrainingYear']);
      expect(short.json.error.message).to.contain('city-annual');
    });

    it('the dry run lists who would be erased and why: Lee, who left in June 2024, goes; Park, who left last month, stays', async () => {
      const defined = await api('PUT', '/api/privacy/retention/city', asAdmin, setting);
      expect(defined.status, defined.text).to.equal(201);
      expect(defined.json.outcome).to.equal('defined');
      const again = await api('PUT', '/api/privacy/retention/city', asAdmin, setting);
      expect(again.status).to.equal(200);
      expect(again.json.outcome).to.equal('unchanged');
      const dry = await api('GET', '/api/privacy/retention/dry-run', asAdmin);
      expect(dry.status, dry.text).to.equal(200);
      expect(dry.json.due).to.deep.equal([
        {
          officialId: 'lee',
          name: 'Lee Seo-yeon',
          jurisdiction: 'city',
          leftOn: '2024-06-30',
          periodEnd: '2024-12-31',
          expiresAt: '2026-07-01T00:00:00.000+09:00',
          rule: 'after-leaving',
        },
      ]);
      // In 2032 Park's two years are over too.
      const later = await api(
        'GET',
        `/api/privacy/retention/dry-run?at=${encodeURIComponent('2032-01-01T00:00:00+09:00')}`,
        asAdmin,
      );
      expect(later.json.due.map((d: any) => d.officialId)).to.deep.equal(['lee', 'park']);
      const badAt = await api('GET', '/api/privacy/retention/dry-run?at=tomorrow', asAdmin);
      expect(badAt.status).to.equal(400);
      expect(badAt.json.error).to.include({ rule: 'privacy.query.instant', pointer: '/query/at' });
    });

    it('without an eraser the daily job only runs dry runs, and /health says so', async () => {
      const health = await api('GET', '/health', asAdmin);
      expect(health.status, health.text).to.equal(200);
      expect(health.json.retention.mode).to.equal('dry-run-only');
      const settings = await api('GET', '/api/privacy/retention', asAdmin);
      expect(settings.json.job.mode).to.equal('dry-run-only');
      expect(settings.json.settings.map((s: any) => s.jurisdiction)).to.deep.equal(['city']);
      const runs = await lrs.system.log.readAll({ filter: { typePrefixes: ['privacy.retention.run'] } });
      expect(runs, 'nothing erased, no run recorded').to.have.length(0);
    });

    it('a report snapshot naming Lee, kept ten years, holds her records; a new setting that would erase her now is refused', async () => {
      const snapshot = await api('POST', '/api/reports/snapshots', asAdmin, {
        policy: CITY_POLICY,
        period: '2024',
        asOf: new Date().toISOString(),
      });
      expect(snapshot.status, snapshot.text).to.equal(201);
      expect(snapshot.json.rows.map((r: any) => r.officialId)).to.include('lee');
      const dry = await api('GET', '/api/privacy/retention/dry-run', asAdmin);
      expect(dry.json.due).to.deep.equal([]);
      expect(dry.json.held.map((h: any) => [h.officialId, h.rule, h.snapshotId])).to.deep.equal([
        ['lee', 'snapshot-kept', snapshot.json.snapshotId],
      ]);
      const changed = await api('PUT', '/api/privacy/retention/city', asAdmin, {
        ...setting,
        afterLeaving: 'P18M',
      });
      expect(changed.status, changed.text).to.equal(400);
      expect(changed.json.error).to.include({
        rule: 'privacy.retention.snapshot-retention',
        pointer: '/body/afterLeaving',
      });
      // The snapshot's row about Lee is part of what the product holds about her.
      const exported = await api('GET', '/api/privacy/subjects/lee/export', asAdmin);
      expect(
        exported.json.records.snapshots.map((s: any) => [s.snapshotId, s.source.stream, s.row.officialId]),
      ).to.deep.equal([[snapshot.json.snapshotId, `audit-snapshot-${snapshot.json.snapshotId}`, 'lee']]);
      // The snapshot itself names her by pseudonym (decision 078).
      expect(exported.json.records.snapshots[0].recordedAs).to.match(/^p-/);
    });

    it('an administrator sets the city’s retention from a file and reads the dry run with the CLI', async () => {
      const out: string[] = [];
      const err: string[] = [];
      const io = { out: (t: string) => out.push(t), err: (t: string) => err.push(t) };
      const env = { LRS_URL: lrs.url, LRS_KEY: ADMIN.key, LRS_SECRET: ADMIN.secret };
      const file = new URL('../../../examples/privacy/retention-city.json', import.meta.url).pathname;
      expect(await runCli(['retention', 'set', file], env, io), err.join('')).to.equal(0);
      expect(JSON.parse(out.join('')).outcome).to.equal('changed');
      out.length = 0;
      expect(
        await runCli(['retention', 'dry-run', '--at', '2032-01-01T00:00:00+09:00'], env, io),
        err.join(''),
      ).to.equal(0);
      // In 2032 both Lee and Park are past five years, but the 2024 report snapshot (kept ten years) names them.
      const dry = JSON.parse(out.join(''));
      expect(dry.due).to.deep.equal([]);
      expect(dry.held.map((d: any) => [d.officialId, d.leftOn])).to.deep.equal([
        ['lee', '2024-06-30'],
        ['park', '2026-11-30'],
      ]);
      out.length = 0;
      expect(await runCli(['retention', 'dry-run', '--at', '2037-01-01T00:00:00+09:00'], env, io)).to.equal(
        0,
      );
      expect(JSON.parse(out.join('')).due.map((d: any) => [d.officialId, d.rule])).to.deep.equal([
        ['lee', 'snapshot-kept'],
        ['park', 'snapshot-kept'],
      ]);
      out.length = 0;
      expect(await runCli(['retention', 'dry-run', '--at', 'soon'], env, io)).to.equal(1);
      expect(err.join('')).to.contain('privacy.query.instant');
    });
  });
});
