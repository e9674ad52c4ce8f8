// biome-ignore-all lint/suspicious/noExplicitAny: response bodies are read loosely; each assertion names what it expects
// Scenarios in the domain's words (TRAINING-DOMAIN.md): given officials, a catalog, a policy and
// statements posted through the real xAPI endpoint, then this transcript and this status.
import { createHmac, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fingerprint, replayProjection } from '@lrs/projections';
import { ADMIN, basic, TestLrs } from '@lrs/server/testing';
import { anActivity, anAgent, aStatement, verbs } from '@lrs/testkit';
import { completionProjection } from '@lrs/training';
import type Database from 'better-sqlite3';
import { expect } from 'chai';

const JWT_SECRET = 'a-test-secret-of-at-least-32-characters!';
const LMS = 'https://lms.welfare.example.kr';
const COURSE = {
  ethics: 'https://lms.welfare.example.kr/courses/welfare-ethics',
  caseManagement: 'https://lms.welfare.example.kr/courses/case-management',
  burnout: 'https://lms.welfare.example.kr/courses/burnout-prevention',
  counselling: 'https://lms.welfare.example.kr/courses/counselling',
};
const CITY_POLICY = 'city-annual-welfare-education';
const cityPolicy = () =>
  JSON.parse(
    readFileSync(
      new URL('../../../examples/policies/city-annual-welfare-education.json', import.meta.url),
      'utf8',
    ),
  ) as Record<string, unknown>;

/** An HS256 token for a role (the LRS verifies it with LRS_JWT_HS256_SECRET). */
function token(claims: Record<string, unknown>): string {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const body = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub: 'user', exp: Math.floor(Date.now() / 1000) + 600, ...claims })}`;
  return `${body}.${createHmac('sha256', JWT_SECRET).update(body).digest('base64url')}`;
}
const asOfficial = (id: string) => `Bearer ${token({ sub: id, role: 'official', official_id: id })}`;
const asPolicyUnit = (j: string) =>
  `Bearer ${token({ sub: `unit-${j}`, role: 'policy-unit', jurisdiction: j })}`;
const asAdmin = basic(ADMIN);

type Row = Record<string, string>;
const csv = (rows: Row[]) => {
  const header = Object.keys(rows[0]!);
  return [header.join(','), ...rows.map((r) => header.map((h) => r[h] ?? '').join(','))].join('\n');
};
const anOfficial = (id: string, over: Row = {}): Row => ({
  official_id: id,
  name: `Official ${id}`,
  org_unit: 'district-a',
  org_unit_from: '2020-01-01',
  staff_group: 'social-welfare',
  jurisdiction: 'city',
  employed_from: '2020-01-01',
  employed_to: '',
  account_home_page: LMS,
  account_name: id,
  mbox: '',
  ...over,
});

const learner = (id: string) => anAgent().withAccount(LMS, id);
const attended = (who: string, course: string, at: string, duration: string) =>
  aStatement()
    .withId(randomUUID())
    .withActor(learner(who))
    .withVerb(verbs.attended)
    .withActivity(anActivity(course).named({ 'ko-KR': '과정', 'en-US': 'Course' }))
    .inRegistration(randomUUID())
    .lasting(duration)
    .at(at);

describe('training: transcripts and completion (scenarios)', function () {
  this.timeout(30_000);
  let lrs: TestLrs;

  async function api(
    method: string,
    path: string,
    auth: string,
    body?: string,
    type = 'application/json',
    accept = 'application/json',
  ) {
    const res = await fetch(`${lrs.url}${path}`, {
      method,
      headers: {
        Authorization: auth,
        Accept: accept,
        ...(body !== undefined ? { 'Content-Type': type } : {}),
      },
      ...(body !== undefined ? { body } : {}),
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
  const importCsv = (kind: string, rows: Row[]) =>
    api('POST', `/api/admin/training/${kind}`, asAdmin, csv(rows), 'text/csv');
  const post = async (...statements: { build(): unknown }[]) => {
    const r = await lrs.call('POST', 'statements', { json: statements.map((s) => s.build()) });
    expect(r.status, r.text).to.equal(200);
  };
  const completion = (official: string, query: string, auth = asAdmin) =>
    api('GET', `/api/officials/${official}/completion?${query}`, auth);

  beforeEach(async () => {
    lrs = await TestLrs.start({ LRS_JWT_HS256_SECRET: JWT_SECRET });
    expect(
      (
        await importCsv('org-units', [
          { org_unit_id: 'city', name: 'City', parent: '' },
          { org_unit_id: 'district-a', name: 'District A', parent: 'city' },
          { org_unit_id: 'district-b', name: 'District B', parent: 'city' },
        ])
      ).status,
    ).to.equal(200);
    expect(
      (await importCsv('officials', [anOfficial('kim'), anOfficial('lee', { org_unit: 'district-b' })]))
        .status,
    ).to.equal(200);
    const catalog = await api(
      'POST',
      '/api/admin/training/catalog',
      asAdmin,
      JSON.stringify([
        {
          activityId: COURSE.ethics,
          title: { 'ko-KR': '사회복지 윤리와 인권' },
          category: 'basic',
          nominalHours: 3,
          modality: 'face-to-face',
          provider: 'City Training Centre',
        },
        {
          activityId: COURSE.caseManagement,
          title: { 'ko-KR': '사례관리 실무' },
          category: 'job',
          nominalHours: 5,
          modality: 'self-paced',
          provider: 'eLMS',
        },
        {
          activityId: COURSE.counselling,
          title: { 'ko-KR': '상담 기법' },
          category: 'job',
          nominalHours: 2,
          modality: 'live-online',
          provider: 'eLMS',
        },
        {
          activityId: COURSE.burnout,
          title: { 'ko-KR': '소진 예방' },
          category: 'specialised',
          nominalHours: 2,
          modality: 'self-paced',
          provider: 'eLMS',
        },
      ]),
    );
    expect(catalog.status, catalog.text).to.equal(200);
    const published = await api(
      'POST',
      '/api/admin/training/policies',
      asAdmin,
      JSON.stringify(cityPolicy()),
    );
    expect(published.status, published.text).to.equal(201);
  });
  afterEach(async () => lrs.stop());

  it('a session at 23:30 on 31 December in Seoul counts for that year, one at 00:30 on 1 January for the next', async () => {
    await post(
      attended('kim', COURSE.ethics, '2024-12-31T23:30:00+09:00', 'PT3H'),
      attended('kim', COURSE.caseManagement, '2024-06-10T10:00:00+09:00', 'PT5H30M'),
      attended('kim', COURSE.counselling, '2025-01-01T00:30:00+09:00', 'PT2H'),
    );
    const y2024 = await completion('kim', `policy=${CITY_POLICY}&period=2024`);
    expect(y2024.status, y2024.text).to.equal(200);
    const c = y2024.json.completions[0];
    expect(c.status).to.equal('completed');
    expect(c.hoursByCategory).to.deep.equal({ basic: 3, job: 5 }); // min(nominal 5, measured 5.5)
    expect(c.requirement.children.map((r: any) => [r.id, r.required, r.earned, r.met])).to.deep.equal([
      ['basic-3h', 3, 3, true],
      ['job-5h', 5, 5, true],
    ]);
    const y2025 = await completion('kim', `policy=${CITY_POLICY}&period=2025`);
    expect(y2025.json.completions[0].hoursByCategory).to.deep.equal({ job: 2 });

    const transcript = await api('GET', '/api/officials/kim/transcript', asAdmin);
    expect(transcript.status).to.equal(200);
    const ethics = transcript.json.entries.find((e: any) => e.activity.id === COURSE.ethics);
    expect(ethics).to.include({
      modality: 'face-to-face',
      provider: 'City Training Centre',
      category: 'basic',
      status: 'completed',
    });
    expect(ethics.credit.hours).to.equal(3);
    expect(ethics.activity.title['ko-KR']).to.equal('과정'); // the statement's own language map wins
  });

  it('the city report counts per status, org unit and staff group; the unfinished past year is overdue; CSV streams rows', async () => {
    await post(
      attended('kim', COURSE.ethics, '2024-03-01T10:00:00+09:00', 'PT3H'),
      attended('kim', COURSE.caseManagement, '2024-04-01T10:00:00+09:00', 'PT5H'),
      attended('lee', COURSE.ethics, '2024-03-01T10:00:00+09:00', 'PT3H'),
    );
    const report = await api(
      'GET',
      `/api/reports/completion?policy=${CITY_POLICY}&period=2024&orgUnit=city`,
      asAdmin,
    );
    expect(report.status, report.text).to.equal(200);
    expect(report.json.totals).to.deep.equal({
      not_started: 0,
      in_progress: 0,
      completed: 1,
      overdue: 1,
      exempt: 0,
    });
    expect(report.json.byOrgUnit['district-b'].counts.overdue).to.equal(1);
    expect(report.json.byOrgUnit.city.counts.completed).to.equal(1);
    expect(report.json.hoursByCategory).to.deep.equal({ basic: 6, job: 5 });
    const districtA = await api(
      'GET',
      `/api/reports/completion?policy=${CITY_POLICY}&period=2024&orgUnit=district-a`,
      asAdmin,
    );
    expect(districtA.json.population).to.equal(1);
    const asCsv = await api(
      'GET',
      `/api/reports/completion?policy=${CITY_POLICY}&period=2024`,
      asAdmin,
      undefined,
      '',
      'text/csv',
    );
    expect(asCsv.headers.get('content-type')).to.match(/^text\/csv/);
    const lines = asCsv.text.trim().split('\r\n');
    expect(lines[0]).to.equal(
      'official_id,org_unit,staff_group,policy_id,version,period,status,earned_hours,hours_basic,hours_job',
    );
    expect(lines).to.have.length(3);
  });

  it('a voided statement withdraws its credit; the entry shows who withdrew it and when', async () => {
    const session = attended('kim', COURSE.caseManagement, '2024-04-01T10:00:00+09:00', 'PT5H');
    const id = (session.build() as { id: string }).id;
    await post(attended('kim', COURSE.ethics, '2024-03-01T10:00:00+09:00', 'PT3H'), session);
    expect(
      (await completion('kim', `policy=${CITY_POLICY}&period=2024`)).json.completions[0].status,
    ).to.equal('completed');
    await post(aStatement().withId(randomUUID()).withActor(learner('kim')).voiding(id));
    const after = (await completion('kim', `policy=${CITY_POLICY}&period=2024`)).json.completions[0];
    expect(after.status).to.equal('overdue');
    expect(after.hoursByCategory).to.deep.equal({ basic: 3 });
    const entry = (await api('GET', '/api/officials/kim/transcript', asAdmin)).json.entries.find(
      (e: any) => e.activity.id === COURSE.caseManagement,
    );
    expect(entry.credit.hours).to.equal(0);
    expect(entry.status).to.equal('withdrawn');
    expect(entry.withdrawn[0].statementId).to.equal(id);
    expect(entry.withdrawn[0].voidedAt).to.be.a('string');
  });

  it('statements from an identifier the registry does not know are listed, then attributed when it is linked', async () => {
    const byMail = aStatement()
      .withId(randomUUID())
      .withActor(anAgent().withMbox('mailto:kim@welfare.example.kr'))
      .withVerb(verbs.attended)
      .withActivity(COURSE.ethics)
      .lasting('PT3H')
      .at('2024-05-01T09:00:00+09:00');
    await post(byMail);
    const unmatched = await api('GET', '/api/admin/training/unmatched', asAdmin);
    expect(unmatched.json.unmatched).to.deep.equal([
      { identifier: 'mbox:mailto:kim@welfare.example.kr', statements: 1 },
    ]);
    expect((await api('GET', '/api/officials/kim/transcript', asAdmin)).json.entries).to.have.length(0);
    const relink = await importCsv('officials', [
      anOfficial('kim', { mbox: 'mailto:kim@welfare.example.kr' }),
      anOfficial('lee', { org_unit: 'district-b' }),
    ]);
    expect(relink.json).to.include({ changed: 1, unchanged: 1 });
    expect((await api('GET', '/api/officials/kim/transcript', asAdmin)).json.entries).to.have.length(1);
    expect(
      (await completion('kim', `policy=${CITY_POLICY}&period=2024`)).json.completions[0].hoursByCategory,
    ).to.deep.equal({ basic: 3 });
    expect((await api('GET', '/api/admin/training/unmatched', asAdmin)).json.unmatched).to.deep.equal([]);
  });

  it('re-importing the same file changes nothing; a file with invalid rows is rejected whole, every problem with its line', async () => {
    const same = await importCsv('officials', [
      anOfficial('kim'),
      anOfficial('lee', { org_unit: 'district-b' }),
    ]);
    expect(same.json).to.include({ received: 2, changed: 0, unchanged: 2 });
    const before = await lrs.eventCount();
    const bad = await importCsv('officials', [
      anOfficial('park'),
      anOfficial('choi', { employed_from: '2024-13-01' }),
      anOfficial('', { mbox: 'kim@example' }),
    ]);
    expect(bad.status).to.equal(400);
    expect(bad.json.error.rule).to.equal('training.import.row');
    expect(bad.json.error.details.problems).to.deep.include.members([
      { line: 3, field: 'employedFrom', message: 'must be a date YYYY-MM-DD' },
      { line: 4, field: 'officialId', message: 'is required' },
      { line: 4, field: 'mbox', message: 'mbox must be a mailto: IRI' },
    ]);
    expect(await lrs.eventCount()).to.equal(before);
    expect((await api('GET', '/api/officials/park/transcript', asAdmin)).status).to.equal(404);
  });

  it('a new policy version classifies a course differently from its effective date on; published versions are immutable', async () => {
    const v2 = {
      ...cityPolicy(),
      version: 2,
      effectiveFrom: '2025-01-01',
      classification: { activities: { [COURSE.burnout]: 'job' } },
    };
    expect((await api('POST', '/api/admin/training/policies', asAdmin, JSON.stringify(v2))).status).to.equal(
      201,
    );
    expect((await api('POST', '/api/admin/training/policies', asAdmin, JSON.stringify(v2))).status).to.equal(
      200,
    );
    const changed = await api(
      'POST',
      '/api/admin/training/policies',
      asAdmin,
      JSON.stringify({ ...v2, timeZone: 'Asia/Tokyo' }),
    );
    expect(changed.status).to.equal(409);
    expect(changed.json.error.rule).to.equal('training.policy.immutable');
    await post(
      attended('kim', COURSE.burnout, '2024-05-01T10:00:00+09:00', 'PT2H'),
      attended('kim', COURSE.burnout, '2025-05-01T10:00:00+09:00', 'PT2H'),
    );
    const y2024 = (await completion('kim', `policy=${CITY_POLICY}&period=2024`)).json.completions[0];
    const y2025 = (await completion('kim', `policy=${CITY_POLICY}&period=2025`)).json.completions[0];
    // Under version 1 burnout prevention is a specialised course no requirement names: recorded,
    // not counted (TRAINING-DOMAIN, Credit); version 2 counts it as job-related.
    expect([y2024.version, y2024.hoursByCategory, y2024.earnedHours]).to.deep.equal([1, {}, 0]);
    expect([y2025.version, y2025.hoursByCategory]).to.deep.equal([2, { job: 2 }]);
    // The transcript shows both, and says which one counts: 2024's is recorded, not counted.
    const transcript = (await api('GET', '/api/officials/kim/transcript', asAdmin)).json;
    const burnout = transcript.entries
      .filter((e: { activity: { id: string } }) => e.activity.id === COURSE.burnout)
      .map((e: { start: string; countsToward: string[] }) => [e.start.slice(0, 4), e.countsToward]);
    expect(burnout).to.deep.equal([
      ['2024', []],
      ['2025', [CITY_POLICY]],
    ]);
  });

  it('an official on leave for half the year owes a pro-rated share; one on leave all year is exempt', async () => {
    expect(
      (
        await importCsv('exemptions', [
          { exemption_id: 'x1', official_id: 'kim', from: '2024-01-01', to: '2024-06-30', reason: 'leave' },
          {
            exemption_id: 'x2',
            official_id: 'lee',
            from: '2024-01-01',
            to: '2024-12-31',
            reason: 'secondment',
          },
        ])
      ).status,
    ).to.equal(200);
    await post(
      attended('kim', COURSE.counselling, '2024-09-01T10:00:00+09:00', 'PT2H'),
      attended('kim', COURSE.ethics, '2024-10-01T10:00:00+09:00', 'PT2H'),
    );
    const kim = (await completion('kim', `policy=${CITY_POLICY}&period=2024`)).json.completions[0];
    // 184 of 366 days remain: 3 h × 0.503 → 1.75 h, 5 h × 0.503 → 2.75 h (rounded up to quarter hours).
    expect(kim.proRata).to.be.closeTo(184 / 366, 1e-4);
    expect(kim.requirement.children.map((r: any) => [r.id, r.required, r.earned])).to.deep.equal([
      ['basic-3h', 1.75, 2],
      ['job-5h', 2.75, 2],
    ]);
    const lee = (await completion('lee', `policy=${CITY_POLICY}&period=2024`)).json.completions[0];
    expect(lee.status).to.equal('exempt');
    const report = await api('GET', `/api/reports/completion?policy=${CITY_POLICY}&period=2024`, asAdmin);
    expect(report.json.totals.exempt).to.equal(1);
  });

  it('a duration in weeks is recorded, credited 0 and flagged', async () => {
    await post(attended('kim', COURSE.caseManagement, '2024-04-01T10:00:00+09:00', 'P1W'));
    const entry = (await api('GET', '/api/officials/kim/transcript', asAdmin)).json.entries[0];
    expect(entry.measuredDuration).to.deep.equal({ text: 'P1W', hours: null, indefinite: true });
    expect(entry.credit).to.include({ hours: 0 });
    expect(entry.credit.flags).to.deep.equal(['duration-indefinite']);
    const c = (await completion('kim', `policy=${CITY_POLICY}&period=2024`)).json.completions[0];
    expect(c.flags).to.include('duration-indefinite');
  });

  describe('bad input and authorisation', () => {
    it('a policy whose requirement names a category no catalog entry has is refused, naming it; an explicit override publishes it with a warning', async () => {
      const policy = {
        ...cityPolicy(),
        policyId: 'with-a-typo',
        requirement: { id: 'all', all_of: [{ id: 'typo', min_hours: { category: 'jobb', hours: 5 } }] },
      };
      const before = await lrs.eventCount();
      const refused = await api('POST', '/api/admin/training/policies', asAdmin, JSON.stringify(policy));
      expect(refused.status).to.equal(400);
      expect(refused.json.error).to.include({
        rule: 'training.policy.category-unknown',
        pointer: '/body/requirement/all_of/0/min_hours/category',
      });
      expect(refused.json.error.message).to.include('jobb');
      expect(await lrs.eventCount()).to.equal(before);
      const forced = await api(
        'POST',
        '/api/admin/training/policies?allowUnknownCategories=true',
        asAdmin,
        JSON.stringify(policy),
      );
      expect(forced.status).to.equal(201);
      expect(forced.json.warnings).to.deep.equal([
        {
          category: 'jobb',
          pointer: '/body/requirement/all_of/0/min_hours/category',
          message: 'no catalog entry is in category jobb: this requirement cannot be met until one is',
        },
      ]);
    });

    it('an unknown official is 404; a bad policy, period or date is 400 with a pointer', async () => {
      const unknown = await api('GET', '/api/officials/nobody/transcript', asAdmin);
      expect([unknown.status, unknown.json.error.pointer]).to.deep.equal([404, '/path/officialId']);
      const badPolicy = await completion('kim', 'policy=no-such-policy');
      expect([badPolicy.status, badPolicy.json.error.pointer]).to.deep.equal([400, '/query/policy']);
      const badPeriod = await completion('kim', `policy=${CITY_POLICY}&period=FY2024`);
      expect([badPeriod.status, badPeriod.json.error.rule, badPeriod.json.error.pointer]).to.deep.equal([
        400,
        'training.query.period',
        '/query/period',
      ]);
      const reportPeriod = await api(
        'GET',
        `/api/reports/completion?policy=${CITY_POLICY}&period=2024-H1`,
        asAdmin,
      );
      expect(reportPeriod.status).to.equal(400);
      const badUnit = await api(
        'GET',
        `/api/reports/completion?policy=${CITY_POLICY}&period=2024&orgUnit=atlantis`,
        asAdmin,
      );
      expect([badUnit.status, badUnit.json.error.pointer]).to.deep.equal([400, '/query/orgUnit']);
      const badFrom = await api('GET', '/api/officials/kim/transcript?from=yesterday', asAdmin);
      expect([badFrom.status, badFrom.json.error.pointer]).to.deep.equal([400, '/query/from']);
    });

    it('a policy whose requirements nest 700 levels deep is 400 naming the rule, not 500; 200 levels is 400 training.policy.depth; nothing is published', async () => {
      const before = await lrs.eventCount();
      const nested = (levels: number) => {
        let requirement: Record<string, unknown> = { id: 'leaf', min_hours: { hours: 1 } };
        for (let i = 0; i < levels; i++) requirement = { id: `r${i}`, all_of: [requirement] };
        return JSON.stringify({ ...cityPolicy(), version: 5, requirement });
      };
      // 1,400 levels of JSON: deeper than any request body may nest.
      const deepest = await api('POST', '/api/admin/training/policies', asAdmin, nested(700));
      expect([deepest.status, deepest.json.error.rule]).to.deep.equal([400, 'json.too_deep']);
      expect(deepest.json.error.message).to.match(/deeper than 512 levels/);
      const deep = await api('POST', '/api/admin/training/policies', asAdmin, nested(200));
      expect(deep.status).to.equal(400);
      expect(deep.json.error.rule).to.equal('training.policy.depth');
      expect(deep.json.error.message).to.match(/requirements nest .* deeper than 32 levels/);
      expect(deep.json.error.pointer).to.match(/^\/body\/requirement(\/all_of\/0){32}$/);
      expect(await lrs.eventCount()).to.equal(before);
    });

    it('a policy that fails its schema is 400 with the JSON pointer, and nothing is published', async () => {
      const before = await lrs.eventCount();
      const bad = { ...cityPolicy(), version: 3, credit: { basis: 'generous', verbs: [] } };
      const r = await api('POST', '/api/admin/training/policies', asAdmin, JSON.stringify(bad));
      expect(r.status).to.equal(400);
      expect(r.json.error.rule).to.equal('training.policy.schema');
      expect(r.json.error.details.problems.map((p: any) => p.pointer)).to.include.members([
        '/body/credit/basis',
        '/body/credit/verbs',
      ]);
      const zone = await api(
        'POST',
        '/api/admin/training/policies',
        asAdmin,
        JSON.stringify({ ...cityPolicy(), version: 4, timeZone: 'Asia/Atlantis' }),
      );
      expect([zone.status, zone.json.error.pointer]).to.deep.equal([400, '/body/timeZone']);
      expect(await lrs.eventCount()).to.equal(before);
    });

    it('an official sees only their own records; a policy unit only its jurisdiction; imports need admin', async () => {
      expect((await api('GET', '/api/officials/kim/transcript', asOfficial('kim'))).status).to.equal(200);
      const other = await api('GET', '/api/officials/lee/transcript', asOfficial('kim'));
      expect([other.status, other.json.error.rule]).to.deep.equal([403, 'training.access.official']);
      expect((await completion('lee', '', asOfficial('kim'))).status).to.equal(403);
      expect((await api('GET', '/api/officials/kim/completion', asPolicyUnit('city'))).status).to.equal(200);
      expect((await api('GET', '/api/officials/kim/completion', asPolicyUnit('province'))).status).to.equal(
        403,
      );
      const report = await api(
        'GET',
        `/api/reports/completion?policy=${CITY_POLICY}&period=2024`,
        asPolicyUnit('province'),
      );
      expect([report.status, report.json.population]).to.deep.equal([200, 0]);
      expect(
        (await api('GET', `/api/reports/completion?policy=${CITY_POLICY}&period=2024`, asOfficial('kim')))
          .status,
      ).to.equal(403);
      const lms = await lrs.issueCredential('lms', ['statements/write']);
      const imported = await api(
        'POST',
        '/api/admin/training/officials',
        basic(lms),
        csv([anOfficial('x')]),
        'text/csv',
      );
      expect(imported.status).to.equal(403);
      expect((await api('GET', '/api/officials/kim/transcript', 'Bearer nonsense')).status).to.equal(401);
    });
  });

  it('a rebuild of the completion read model from the log gives the same fingerprint', async () => {
    await post(
      attended('kim', COURSE.ethics, '2024-03-01T10:00:00+09:00', 'PT3H'),
      attended('lee', COURSE.caseManagement, '2024-04-01T10:00:00+09:00', 'PT5H'),
    );
    await completion('kim', `policy=${CITY_POLICY}&period=2024`); // waits for the projection
    const dir = mkdtempSync(join(tmpdir(), 'completion-replay-'));
    try {
      const head = (await lrs.system.log.headPosition())!;
      const replay = await replayProjection(lrs.system.log, completionProjection, {
        upTo: head,
        file: join(dir, 'replay.sqlite'),
        batchSize: 3,
      });
      const live = lrs.system.completion.running.readDb() as Database.Database;
      expect(replay.fingerprint).to.equal(fingerprint(live, completionProjection));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
