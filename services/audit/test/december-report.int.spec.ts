// biome-ignore-all lint/suspicious/noExplicitAny: response bodies are read loosely; each assertion names what it expects
// The auditor's question told as a story (TRAINING-DOMAIN, Audits): "what did the 15 December report show,
// and why does today's differ?"
import { createHmac, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ADMIN, basic, TestLrs } from '@lrs/server/testing';
import { anActivity, anAgent, aStatement, verbs } from '@lrs/testkit';
import { completionProjection, transcriptsProjection } from '@lrs/training';
import { expect } from 'chai';

const JWT_SECRET = 'a-test-secret-of-at-least-32-characters!';
const LMS = 'https://lms.welfare.example.kr';
const COURSE = {
  ethics: 'https://lms.welfare.example.kr/courses/welfare-ethics',
  caseManagement: 'https://lms.welfare.example.kr/courses/case-management',
};
const POLICY = 'city-annual-welfare-education';

function token(claims: Record<string, unknown>): string {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const body = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub: 'user', exp: Math.floor(Date.now() / 1000) + 600, ...claims })}`;
  return `${body}.${createHmac('sha256', JWT_SECRET).update(body).digest('base64url')}`;
}
const asAuditor = `Bearer ${token({ sub: 'auditor-1', role: 'auditor' })}`;
const asPolicyUnit = (j: string) =>
  `Bearer ${token({ sub: `unit-${j}`, role: 'policy-unit', jurisdiction: j })}`;
const asOfficial = (id: string) => `Bearer ${token({ sub: id, role: 'official', official_id: id })}`;
const asAdmin = basic(ADMIN);

const anOfficial = (id: string, orgUnit: string) =>
  [id, `Official ${id}`, orgUnit, '2020-01-01', 'social-welfare', 'city', '2020-01-01', '', LMS, id, ''].join(
    ',',
  );
const OFFICIALS_HEADER =
  'official_id,name,org_unit,org_unit_from,staff_group,jurisdiction,employed_from,employed_to,account_home_page,account_name,mbox';

/** A statement of learning: who did what course, when (learning time), for how long. */
const learning = (
  verb: (typeof verbs)[keyof typeof verbs],
  who: string,
  course: string,
  at: string,
  duration: string,
) =>
  aStatement()
    .withId(randomUUID())
    .withActor(anAgent().withAccount(LMS, who))
    .withVerb(verb)
    .withActivity(anActivity(course))
    .inRegistration(randomUUID())
    .lasting(duration)
    .at(at);

const tick = () => new Promise((resolve) => setTimeout(resolve, 15));

describe('audit: the 15 December report and why today differs (scenario)', function () {
  this.timeout(60_000);
  let lrs: TestLrs;

  async function api(method: string, path: string, auth: string, body?: unknown, type = 'application/json') {
    const res = await fetch(`${lrs.url}${path}`, {
      method,
      headers: { Authorization: auth, ...(body !== undefined ? { 'Content-Type': type } : {}) },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    let json: any;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, text, json };
  }
  const post = async (...statements: { build(): unknown }[]) => {
    const r = await lrs.call('POST', 'statements', { json: statements.map((s) => s.build()) });
    expect(r.status, r.text).to.equal(200);
    return r.body as string[];
  };
  const expectProblem = (r: { status: number; json: any; text: string }, status: number, rule: string) => {
    expect(r.status, r.text).to.equal(status);
    expect(r.json.error.rule, r.text).to.equal(rule);
    expect(r.json.error.message, r.text).to.be.a('string').and.not.be.empty;
  };

  // Given: the city, two officials, a catalog and the city's annual policy.
  beforeEach(async () => {
    lrs = await TestLrs.start({ LRS_JWT_HS256_SECRET: JWT_SECRET });
    const units =
      'org_unit_id,name,parent\ncity,City,\ndistrict-a,District A,city\ndistrict-b,District B,city';
    expect((await api('POST', '/api/admin/training/org-units', asAdmin, units, 'text/csv')).status).to.equal(
      200,
    );
    const officials = [
      OFFICIALS_HEADER,
      anOfficial('kim', 'district-a'),
      anOfficial('lee', 'district-b'),
    ].join('\n');
    expect(
      (await api('POST', '/api/admin/training/officials', asAdmin, officials, 'text/csv')).status,
    ).to.equal(200);
    const catalog = await api('POST', '/api/admin/training/catalog', asAdmin, [
      {
        activityId: COURSE.ethics,
        title: { en: 'Ethics' },
        category: 'basic',
        nominalHours: 3,
        modality: 'face-to-face',
        provider: 'City Training Centre',
      },
      {
        activityId: COURSE.caseManagement,
        title: { en: 'Case management' },
        category: 'job',
        nominalHours: 5,
        modality: 'self-paced',
        provider: 'eLMS',
      },
    ]);
    expect(catalog.status, catalog.text).to.equal(200);
    const policy = JSON.parse(
      readFileSync(
        new URL('../../../examples/policies/city-annual-welfare-education.json', import.meta.url),
        'utf8',
      ),
    );
    expect((await api('POST', '/api/admin/training/policies', asAdmin, policy)).status).to.equal(201);
  });
  afterEach(async () => lrs.stop());

  it('a late roster and a January void change today’s report; the diff names both; the December snapshot still verifies', async () => {
    // Through 2025: kim learns online (job hours only); lee completes both parts.
    const [, leeOnline] = await post(
      learning(verbs.completed, 'kim', COURSE.caseManagement, '2025-03-10T10:00:00+09:00', 'PT5H'),
      learning(verbs.completed, 'lee', COURSE.caseManagement, '2025-05-02T10:00:00+09:00', 'PT5H'),
      learning(verbs.attended, 'lee', COURSE.ethics, '2025-09-01T10:00:00+09:00', 'PT3H'),
    );
    await tick();
    const december15 = new Date().toISOString(); // the record time the annual report is cut at
    await tick();

    // The policy unit takes the annual report at the 15 December cut-off.
    const taken = await api('POST', '/api/reports/snapshots', asPolicyUnit('city'), {
      policy: POLICY,
      period: '2025',
      orgUnit: 'city',
      asOf: december15,
    });
    expect(taken.status, taken.text).to.equal(201);
    const snapshot = taken.json;
    expect(snapshot.cutOff.asOf).to.equal(december15);
    expect(snapshot.manifest.policies).to.deep.equal([{ policyId: POLICY, versions: [1], inForce: 1 }]);
    expect(snapshot.manifest.catalog.entries).to.equal(2);
    expect(snapshot.fingerprint).to.match(/^[0-9a-f]{64}$/);
    const december = Object.fromEntries(snapshot.rows.map((r: any) => [r.officialId, r.status]));
    expect(december).to.deep.equal({ kim: 'overdue', lee: 'completed' });

    // January: the face-to-face roster of 20 November arrives late; lee's online completion is voided.
    const [lateRoster] = await post(
      learning(verbs.attended, 'kim', COURSE.ethics, '2025-11-20T14:00:00+09:00', 'PT3H'),
    );
    const [voiding] = await post(
      aStatement().withActor(anAgent().withAccount(LMS, 'registrar')).voiding(leeOnline!),
    );

    // Today's report differs from the December one.
    const today = await api(
      'GET',
      `/api/reports/completion?policy=${POLICY}&period=2025&orgUnit=city`,
      asAdmin,
    );
    expect(today.status, today.text).to.equal(200);
    expect(today.json.hoursByCategory).to.deep.equal({ basic: 6, job: 5 });
    const snapHours = { basic: 3, job: 10 };
    expect(
      snapshot.rows.reduce(
        (s: any, r: any) => ({ basic: s.basic + (r.hours.basic ?? 0), job: s.job + (r.hours.job ?? 0) }),
        { basic: 0, job: 0 },
      ),
    ).to.deep.equal(snapHours);

    // The diff between the snapshot and now names both causes.
    const diff = await api('GET', `/api/audits/diff?fromSnapshot=${snapshot.snapshotId}`, asAuditor);
    expect(diff.status, diff.text).to.equal(200);
    const byOfficial = Object.fromEntries(diff.json.changes.map((c: any) => [c.officialId, c]));
    expect(byOfficial.kim.status).to.deep.equal({ from: 'overdue', to: 'completed' });
    expect(byOfficial.kim.causes).to.have.length(1);
    expect(byOfficial.kim.causes[0]).to.include({
      kind: 'late-arrival',
      statementId: lateRoster,
      activityId: COURSE.ethics,
      timestamp: '2025-11-20T14:00:00+09:00',
    });
    expect(Date.parse(byOfficial.kim.causes[0].recorded)).to.be.greaterThan(Date.parse(december15));
    expect(byOfficial.lee.status).to.deep.equal({ from: 'completed', to: 'overdue' });
    expect(byOfficial.lee.hours).to.deep.equal({ from: { basic: 3, job: 5 }, to: { basic: 3 } });
    expect(byOfficial.lee.causes).to.have.length(1);
    expect(byOfficial.lee.causes[0]).to.include({ kind: 'void', statementId: leeOnline, voidedBy: voiding });
    expect(byOfficial.lee.causes[0].who, 'who voided it').to.be.a('string').and.not.be.empty;
    expect(Date.parse(byOfficial.lee.causes[0].voidedAt)).to.be.greaterThan(Date.parse(december15));

    // Re-verifying the December snapshot still matches its fingerprint.
    const verify = await api('GET', `/api/reports/snapshots/${snapshot.snapshotId}/verify`, asAuditor);
    expect(verify.status, verify.text).to.equal(200);
    expect(verify.json).to.include({ matches: true, alarm: null });
    expect(verify.json.actual.fingerprint).to.equal(snapshot.fingerprint);
    expect(verify.json.differences).to.deep.equal([]);
  });

  it('a replay runs in the background to a cut-off, reports progress and a manifest, repeats its fingerprints, and is deleted on request', async () => {
    await post(learning(verbs.completed, 'kim', COURSE.caseManagement, '2025-03-10T10:00:00+09:00', 'PT5H'));
    await tick();
    const cut = new Date().toISOString();
    await tick();
    await post(learning(verbs.attended, 'lee', COURSE.ethics, '2025-09-01T10:00:00+09:00', 'PT3H'));
    const live = await lrs.system.log.headPosition();

    const run = async () => {
      const started = await api('POST', '/api/audits/replays', asAuditor, { asOf: cut });
      expect(started.status, started.text).to.equal(202);
      const queued = await api('GET', `/api/audits/replays/${started.json.id}`, asAuditor);
      expect(queued.json.state).to.be.oneOf(['queued', 'running', 'completed']);
      // The job queue settles when the replay has finished: wait on it, not on a timer.
      await lrs.system.audit.jobs.idle();
      const job = await api('GET', `/api/audits/replays/${started.json.id}`, asAuditor);
      expect(job.json.state, job.text).to.equal('completed');
      return job.json;
    };
    const first = await run();
    const second = await run();
    expect(first.progress.done).to.equal(first.progress.total);
    expect(first.manifest.cutOff.asOf).to.equal(cut);
    expect(Number(first.manifest.cutOff.position)).to.be.lessThan(Number(live!.commit));
    expect(first.manifest.projections.map((p: any) => [p.name, p.version])).to.deep.equal([
      ['transcripts', transcriptsProjection.version],
      ['completion', completionProjection.version],
    ]);
    expect(second.manifest.projections.map((p: any) => p.fingerprint)).to.deep.equal(
      first.manifest.projections.map((p: any) => p.fingerprint),
    );
    // The live read model has lee's later statement: the replay left it untouched.
    const liveCompletion = await api(
      'GET',
      '/api/officials/lee/completion?policy=' + POLICY + '&period=2025',
      asAdmin,
    );
    expect(liveCompletion.json.completions[0].hoursByCategory).to.deep.equal({ basic: 3 });

    const deleted = await api('DELETE', `/api/audits/replays/${first.id}`, asAdmin);
    expect(deleted.status, deleted.text).to.equal(200);
    expectProblem(
      await api('GET', `/api/audits/replays/${first.id}`, asAuditor),
      404,
      'audit.replay.unknown',
    );
  });

  it('the diff names registry changes: an identifier linked after the cut-off and an org unit move', async () => {
    // Before the cut-off kim learns under a personal mailbox the registry does not know yet.
    const [fromMailbox] = await post(
      learning(verbs.completed, 'kim', COURSE.caseManagement, '2025-03-10T10:00:00+09:00', 'PT5H').withActor(
        anAgent().withMbox('mailto:kim@home.example.kr'),
      ),
    );
    await tick();
    const cut = new Date().toISOString();
    await tick();
    // Then the registry links the mailbox to kim and moves kim to district B.
    const relinked = [
      OFFICIALS_HEADER,
      anOfficial('kim', 'district-b').replace(/,$/, ',mailto:kim@home.example.kr'),
    ].join('\n');
    const imported = await api('POST', '/api/admin/training/officials', asAdmin, relinked, 'text/csv');
    expect(imported.status, imported.text).to.equal(200);

    const diff = await api(
      'GET',
      `/api/audits/diff?policy=${POLICY}&period=2025&official=kim&from=${encodeURIComponent(cut)}`,
      asAuditor,
    );
    expect(diff.status, diff.text).to.equal(200);
    expect(diff.json.changes).to.have.length(1);
    const [kim] = diff.json.changes;
    expect(kim.hours).to.deep.equal({ from: {}, to: { job: 5 } });
    const kinds = kim.causes.map((c: any) => c.kind);
    expect(kinds).to.have.members(['identifier-linked', 'org-unit-move']);
    expect(kim.causes.find((c: any) => c.kind === 'identifier-linked')).to.deep.equal({
      kind: 'identifier-linked',
      identifier: 'mbox:mailto:kim@home.example.kr',
      statements: [fromMailbox],
    });
    expect(kim.causes.find((c: any) => c.kind === 'org-unit-move')).to.deep.equal({
      kind: 'org-unit-move',
      from: 'district-a',
      to: 'district-b',
    });
  });

  it('refuses bad input with a clear 4xx and appends nothing', async () => {
    await post(learning(verbs.completed, 'kim', COURSE.caseManagement, '2025-03-10T10:00:00+09:00', 'PT5H'));
    const before = await lrs.eventCount();
    const future = await api('POST', '/api/reports/snapshots', asAdmin, {
      policy: POLICY,
      period: '2025',
      asOf: new Date(Date.now() + 86_400_000).toISOString(),
    });
    expectProblem(future, 400, 'audit.cut-off.future');
    expect(future.json.error.pointer).to.equal('/body/asOf');
    expectProblem(
      await api('POST', '/api/audits/replays', asAdmin, { asOf: '2020-01-01T00:00:00Z' }),
      400,
      'audit.cut-off.before-log',
    );
    expectProblem(await api('POST', '/api/audits/replays', asAdmin, {}), 400, 'audit.cut-off.required');
    expectProblem(
      await api('POST', '/api/audits/replays', asAdmin, { position: '999999' }),
      400,
      'audit.cut-off.position-range',
    );
    expectProblem(
      await api('GET', `/api/reports/snapshots/${randomUUID()}/verify`, asAuditor),
      404,
      'audit.snapshot.unknown',
    );
    // Refused before any replay (a policy is never withdrawn): the problem names the request's field.
    const unknownPolicy = await api('POST', '/api/reports/snapshots', asAdmin, {
      policy: 'no-such-policy',
      period: '2025',
      asOf: new Date().toISOString(),
    });
    expectProblem(unknownPolicy, 400, 'audit.policy.unknown');
    expect(unknownPolicy.json.error.pointer).to.equal('/body/policy');
    expect(await lrs.eventCount(), 'events in the log').to.equal(before);

    const snapshot = await api('POST', '/api/reports/snapshots', asPolicyUnit('city'), {
      policy: POLICY,
      period: '2025',
      asOf: new Date().toISOString(),
    });
    expect(snapshot.status, snapshot.text).to.equal(201);
    const across = await api(
      'GET',
      `/api/audits/diff?fromSnapshot=${snapshot.json.snapshotId}&policy=provincial-cohort`,
      asAuditor,
    );
    expectProblem(across, 400, 'audit.diff.policy-mismatch');
    expect(across.json.error.message).to.contain('different policies');

    // Roles: officials get nothing; a policy unit sees its own jurisdiction only.
    expectProblem(
      await api('GET', '/api/audits/diff?from=2025-01-01T00:00:00Z', asOfficial('kim')),
      403,
      'audit.access',
    );
    expectProblem(
      await api('GET', `/api/reports/snapshots/${snapshot.json.snapshotId}/verify`, asPolicyUnit('province')),
      403,
      'audit.access.jurisdiction',
    );
    const own = await api(
      'GET',
      `/api/reports/snapshots/${snapshot.json.snapshotId}/verify`,
      asPolicyUnit('city'),
    );
    expect(own.status, own.text).to.equal(200);
    expect(own.json.matches).to.equal(true);
  });
});
