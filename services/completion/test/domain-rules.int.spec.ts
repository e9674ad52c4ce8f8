// biome-ignore-all lint/suspicious/noExplicitAny: response bodies are read loosely; each assertion names what it expects
// The programmes of TRAINING-DOMAIN.md beyond the city rule: the provincial supervisor cohort and a
// department's fiscal year; cmi5 `satisfied` and `waived`; the org unit at the time. Each scenario
// also checks that the materialised report (running tallies) agrees with the official's own view.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fingerprint, replayProjection } from '@lrs/projections';
import { ADMIN, basic, TestLrs } from '@lrs/server/testing';
import { anActivity, anAgent, aStatement, verbs } from '@lrs/testkit';
import { completionProjection } from '@lrs/training';
import type Database from 'better-sqlite3';
import { expect } from 'chai';

const asAdmin = basic(ADMIN);
const LMS = 'https://lms.example.org';
const policyFile = (name: string) =>
  JSON.parse(
    readFileSync(new URL(`../../../examples/policies/${name}.json`, import.meta.url), 'utf8'),
  ) as Record<string, any>;
const CMI5_REASON = 'https://w3id.org/xapi/cmi5/result/extensions/reason';

interface OfficialInput {
  id: string;
  orgUnit?: string;
  orgUnitFrom?: string;
  staffGroup?: string;
  jurisdiction?: string;
}
const anOfficial = (o: OfficialInput) => ({
  officialId: o.id,
  name: `Official ${o.id}`,
  orgUnit: o.orgUnit ?? 'office-1',
  orgUnitFrom: o.orgUnitFrom ?? '2020-01-01',
  staffGroup: o.staffGroup ?? 'social-welfare',
  jurisdiction: o.jurisdiction ?? 'city',
  employedFrom: '2020-01-01',
  accountHomePage: LMS,
  accountName: o.id,
});
const aCourse = (activityId: string, category: string, nominalHours: number) => ({
  activityId,
  title: { 'en-US': activityId.split('/').pop() },
  category,
  nominalHours,
  modality: 'face-to-face',
  provider: 'Training Centre',
});

/** A statement by an official about an activity, in its own registration unless given one. */
const by = (who: string, verb: (typeof verbs)[keyof typeof verbs], activity: string, at: string) =>
  aStatement()
    .withId(randomUUID())
    .withActor(anAgent().withAccount(LMS, who))
    .withVerb(verb)
    .withActivity(anActivity(activity))
    .inRegistration(randomUUID())
    .at(at);

describe('training: cohort, fiscal year, satisfied, waived, org unit at the time (scenarios)', function () {
  this.timeout(60_000);
  let lrs: TestLrs;

  async function api(method: string, path: string, body?: unknown) {
    const res = await fetch(`${lrs.url}${path}`, {
      method,
      headers: {
        Authorization: asAdmin,
        Accept: 'application/json',
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, text, json: text ? (JSON.parse(text) as any) : undefined };
  }
  const given = async (kind: string, records: unknown[]) => {
    const r = await api('POST', `/api/admin/training/${kind}`, records);
    expect(r.status, r.text).to.equal(200);
  };
  const publish = async (policy: unknown, query = '') => {
    const r = await api('POST', `/api/admin/training/policies${query}`, policy);
    expect(r.status, r.text).to.equal(201);
    return r;
  };
  const post = async (...statements: { build(): unknown }[]) => {
    const r = await lrs.call('POST', 'statements', { json: statements.map((s) => s.build()) });
    expect(r.status, r.text).to.equal(200);
  };
  const completionOf = async (official: string, policy: string, period: string) => {
    const r = await api('GET', `/api/officials/${official}/completion?policy=${policy}&period=${period}`);
    expect(r.status, r.text).to.equal(200);
    return r.json.completions[0];
  };
  const reportOf = async (policy: string, period: string) => {
    const r = await api('GET', `/api/reports/completion?policy=${policy}&period=${period}`);
    expect(r.status, r.text).to.equal(200);
    return r.json;
  };
  /** The report's materialised row (its CSV line) agrees with the official's own evaluation. */
  const expectReportAgrees = async (official: string, policy: string, period: string) => {
    const own = await completionOf(official, policy, period);
    const res = await fetch(`${lrs.url}/api/reports/completion?policy=${policy}&period=${period}`, {
      headers: { Authorization: asAdmin, Accept: 'text/csv' },
    });
    const [header, ...lines] = (await res.text())
      .trim()
      .split('\r\n')
      .map((l) => l.split(','));
    const line = lines.find((l) => l[0] === official);
    expect(line, `report row of ${official}`).to.not.equal(undefined);
    const row = Object.fromEntries(header!.map((h, i) => [h, line![i]]));
    const hours = Object.fromEntries(
      header!.filter((h) => h.startsWith('hours_')).map((h) => [h.slice(6), Number(row[h])]),
    );
    expect({ status: row.status, earned: Number(row.earned_hours), hours }).to.deep.equal({
      status: own.status,
      earned: own.earnedHours,
      hours: Object.fromEntries(Object.keys(hours).map((c) => [c, own.hoursByCategory[c] ?? 0])),
    });
  };
  const expectRebuildMatches = async () => {
    const dir = mkdtempSync(join(tmpdir(), 'completion-replay-'));
    try {
      const replay = await replayProjection(lrs.system.log, completionProjection, {
        upTo: (await lrs.system.log.headPosition())!,
        file: join(dir, 'replay.sqlite'),
        batchSize: 2,
      });
      const live = lrs.system.completion.running.readDb() as Database.Database;
      expect(replay.fingerprint).to.equal(fingerprint(live, completionProjection));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  beforeEach(async () => {
    lrs = await TestLrs.start({});
    await given('org-units', [
      { orgUnitId: 'root', name: 'Root', parent: null },
      { orgUnitId: 'office-1', name: 'Office 1', parent: 'root' },
      { orgUnitId: 'office-2', name: 'Office 2', parent: 'root' },
    ]);
  });
  afterEach(async () => lrs.stop());

  describe('the provincial supervisor cohort (fixed window, Asia/Shanghai)', () => {
    const COHORT = 'provincial-supervisor-cohort';
    const SUPERVISION = 'https://province.example.cn/cohort/group-supervision';
    const INTERNSHIP = 'https://province.example.cn/cohort/internship';
    const DEFENCE = 'https://province.example.cn/cohort/defence';
    const session = (who: string, day: number) =>
      by(who, verbs.attended, SUPERVISION, `2024-05-${String(day).padStart(2, '0')}T14:00:00+08:00`).lasting(
        'PT5H',
      );
    const episode = (who: string, month: number, confirmed = true) =>
      by(who, verbs.performedOffline, INTERNSHIP, `2024-0${month}-15T09:00:00+08:00`)
        .lasting('PT55H')
        .withResult({ duration: 'PT55H', ...(confirmed ? { completion: true } : {}) });

    beforeEach(async () => {
      await given('officials', [
        anOfficial({ id: 'wang', staffGroup: 'supervisor-trainee', jurisdiction: 'province' }),
      ]);
      await given('catalog', [
        aCourse(SUPERVISION, 'group-supervision', 5),
        aCourse(INTERNSHIP, 'supervised-internship', 0),
        aCourse(DEFENCE, 'defence', 0),
      ]);
      await publish(policyFile(COHORT));
    });

    it('30 sessions, 220 h of confirmed internship and a passed defence complete the certificate; a failed defence does not', async () => {
      const sessions = Array.from({ length: 30 }, (_, i) => session('wang', i + 1));
      await post(...sessions, episode('wang', 4), episode('wang', 5), episode('wang', 6), episode('wang', 7));
      await post(episode('wang', 8, false)); // not confirmed: recorded, earns nothing
      await post(by('wang', verbs.failed, DEFENCE, '2024-10-20T10:00:00+08:00'));

      // The window closed in 2024: not complete and past due is overdue.
      const before = await completionOf('wang', COHORT, 'cohort-2024');
      expect(before.status).to.equal('overdue');
      expect(before.requirement.children.map((r: any) => [r.id, r.required, r.earned, r.met])).to.deep.equal([
        ['internship-220h', 220, 220, true],
        ['group-supervision-30', 30, 30, true],
        ['defence', 1, 0, false],
      ]);
      await expectReportAgrees('wang', COHORT, 'cohort-2024');

      // 23:30 on 31 October in Shanghai is still inside the window (15:30 UTC).
      await post(by('wang', verbs.passed, DEFENCE, '2024-10-31T23:30:00+08:00').succeeded());
      const after = await completionOf('wang', COHORT, 'cohort-2024');
      expect(after.status).to.equal('completed');
      await expectReportAgrees('wang', COHORT, 'cohort-2024');
      await expectRebuildMatches();
    });

    it('29 sessions are not 30, and a session after the window closes (00:10 on 1 November, Shanghai) does not count', async () => {
      const sessions = Array.from({ length: 29 }, (_, i) => session('wang', i + 1));
      await post(
        ...sessions,
        by('wang', verbs.attended, SUPERVISION, '2024-11-01T00:10:00+08:00').lasting('PT5H'),
      );
      const c = await completionOf('wang', COHORT, 'cohort-2024');
      const supervision = c.requirement.children.find((r: any) => r.id === 'group-supervision-30');
      expect([supervision.earned, supervision.met]).to.deep.equal([29, false]);
      expect(c.status).to.equal('overdue');
      await expectReportAgrees('wang', COHORT, 'cohort-2024');
    });
  });

  describe("a department's staff-development year (from 1 April, Asia/Hong_Kong)", () => {
    const FY = 'department-staff-development';
    const ORIENTATION = 'https://department.example.hk/programmes/orientation';
    const MANAGEMENT = 'https://department.example.hk/programmes/management';

    beforeEach(async () => {
      await given('officials', [
        anOfficial({ id: 'chan', staffGroup: 'social-security', jurisdiction: 'department' }),
        anOfficial({ id: 'wong', staffGroup: 'social-security', jurisdiction: 'department' }),
      ]);
      await given('catalog', [
        aCourse(ORIENTATION, 'orientation', 6),
        aCourse(MANAGEMENT, 'staff-development', 12),
      ]);
      await publish(policyFile('department-fiscal-year-programmes'));
    });

    it('23:30 on 31 March belongs to the fiscal year that began the April before; 00:15 on 1 April to the next', async () => {
      await post(
        by('chan', verbs.attended, ORIENTATION, '2025-03-31T23:30:00+08:00'),
        by('chan', verbs.completed, MANAGEMENT, '2025-04-01T00:15:00+08:00'),
      );
      const fy2024 = await completionOf('chan', FY, 'FY2024');
      expect([fy2024.status, fy2024.periodStart, fy2024.hoursByCategory]).to.deep.equal([
        'completed',
        '2024-04-01T00:00:00.000+08:00',
        { orientation: 6 },
      ]);
      const fy2025 = await completionOf('chan', FY, 'FY2025');
      expect([fy2025.status, fy2025.hoursByCategory]).to.deep.equal([
        'completed',
        { 'staff-development': 12 },
      ]);

      const report = await reportOf(FY, 'FY2024');
      expect(report.population).to.equal(2);
      expect(report.byStaffGroup['social-security'].counts.completed).to.equal(1);
      await expectReportAgrees('chan', FY, 'FY2024');
    });

    it('a calendar year is not a period of a fiscal-year policy: 400 naming the period', async () => {
      const r = await api('GET', `/api/officials/chan/completion?policy=${FY}&period=2024`);
      expect(r.status).to.equal(400);
      expect(r.json.error).to.include({ rule: 'training.query.period', pointer: '/query/period' });
      expect(r.json.error.message).to.contain('FY');
    });
  });

  describe('cmi5 satisfied and waived', () => {
    const POLICY = 'cmi5-programme';
    const COURSE = 'https://lms.example.org/cmi5/course-ethics';
    const AU1 = 'https://lms.example.org/cmi5/course-ethics/au-1';
    const AU2 = 'https://lms.example.org/cmi5/course-ethics/au-2';
    const ELSEWHERE = 'https://lms.example.org/courses/human-rights';
    const cmi5Policy = (verbsList: string[]) => ({
      ...policyFile('city-annual-welfare-education'),
      policyId: POLICY,
      population: { orgUnits: ['root'] },
      credit: { basis: 'nominal', verbs: verbsList },
    });

    beforeEach(async () => {
      await given('officials', [anOfficial({ id: 'kim' }), anOfficial({ id: 'lee' })]);
      await given('catalog', [
        aCourse(COURSE, 'basic', 3),
        aCourse(AU1, 'basic', 1),
        aCourse(AU2, 'basic', 1),
        aCourse(ELSEWHERE, 'basic', 3),
      ]);
      // The city's requirements name `job`, which this catalog has no course for: published on purpose.
      await publish(
        cmi5Policy([
          'http://adlnet.gov/expapi/verbs/completed',
          'https://w3id.org/xapi/adl/verbs/satisfied',
          'https://w3id.org/xapi/adl/verbs/waived',
        ]),
        '?allowUnknownCategories=true',
      );
    });

    it('satisfied counts once, never on top of its parts; alone it earns the course', async () => {
      const registration = randomUUID();
      await post(
        by('kim', verbs.completed, AU1, '2024-03-01T10:00:00+09:00').inRegistration(registration),
        by('kim', verbs.completed, AU2, '2024-03-02T10:00:00+09:00').inRegistration(registration),
        by('kim', verbs.satisfied, COURSE, '2024-03-02T10:05:00+09:00').inRegistration(registration),
        by('lee', verbs.satisfied, COURSE, '2024-03-02T10:05:00+09:00'),
      );
      const kim = await completionOf('kim', POLICY, '2024');
      expect(kim.hoursByCategory).to.deep.equal({ basic: 2 }); // the two AUs, not 2 + 3
      const transcript = await api('GET', '/api/officials/kim/transcript');
      const course = transcript.json.entries.find((e: any) => e.activity.id === COURSE);
      expect(course.status).to.equal('completed');
      expect(course.credit).to.deep.include({ hours: 0, flags: ['satisfied-by-parts'] });
      const lee = await completionOf('lee', POLICY, '2024');
      expect(lee.hoursByCategory).to.deep.equal({ basic: 3 });
      await expectReportAgrees('kim', POLICY, '2024');
      await expectReportAgrees('lee', POLICY, '2024');

      // A part's credit withdrawn: still the parts that remain, never the course on top of them.
      const au1 = transcript.json.entries.find((e: any) => e.activity.id === AU1).evidence[0];
      await post(aStatement().withId(randomUUID()).withActor(anAgent().withAccount(LMS, 'kim')).voiding(au1));
      expect((await completionOf('kim', POLICY, '2024')).hoursByCategory).to.deep.equal({ basic: 1 });
      await expectReportAgrees('kim', POLICY, '2024');
      await expectRebuildMatches();
    });

    it('a waiver with its cmi5 reason earns the nominal hours under a policy that lists waived; without a reason it is flagged and earns nothing', async () => {
      await post(
        by('kim', verbs.waived, ELSEWHERE, '2024-05-01T10:00:00+09:00').withResult({
          extensions: { [CMI5_REASON]: 'Equivalent course at the provincial academy' },
        }),
        by('lee', verbs.waived, ELSEWHERE, '2024-05-01T10:00:00+09:00'),
      );
      const kim = await completionOf('kim', POLICY, '2024');
      expect(kim.hoursByCategory).to.deep.equal({ basic: 3 });
      const contribution = kim.requirement.children[0].contributing[0];
      expect(contribution.rule).to.equal(
        'waived (reason: Equivalent course at the provincial academy): nominal 3 h from the catalog',
      );
      const lee = await completionOf('lee', POLICY, '2024');
      expect([lee.status, lee.hoursByCategory]).to.deep.equal(['overdue', {}]);
      const leeEntry = (await api('GET', '/api/officials/lee/transcript')).json.entries[0];
      expect(leeEntry.status).to.equal('waived');
      expect(leeEntry.credit).to.deep.include({ hours: 0, flags: ['waiver-without-reason'] });
      await expectReportAgrees('kim', POLICY, '2024');
      await expectReportAgrees('lee', POLICY, '2024');
      await expectRebuildMatches();
    });

    it('under a policy that does not list waived, a waiver earns nothing', async () => {
      await publish(
        { ...cmi5Policy(['http://adlnet.gov/expapi/verbs/completed']), policyId: 'no-waivers' },
        '?allowUnknownCategories=true',
      );
      await post(
        by('kim', verbs.waived, ELSEWHERE, '2024-05-01T10:00:00+09:00').withResult({
          extensions: { [CMI5_REASON]: 'Equivalent course' },
        }),
      );
      const c = await completionOf('kim', 'no-waivers', '2024');
      expect([c.status, c.earnedHours]).to.deep.equal(['overdue', 0]);
      await expectReportAgrees('kim', 'no-waivers', '2024');
    });
  });

  it('a transcript entry shows the org unit in effect at its learning time, from the dated history', async () => {
    const COURSE = 'https://lms.example.org/courses/case-management';
    await given('officials', [anOfficial({ id: 'kim', orgUnit: 'office-1', orgUnitFrom: '2020-01-01' })]);
    await given('catalog', [aCourse(COURSE, 'job', 2)]);
    await post(by('kim', verbs.attended, COURSE, '2024-03-01T10:00:00+09:00'));
    // Moved on 1 July 2024.
    await given('officials', [anOfficial({ id: 'kim', orgUnit: 'office-2', orgUnitFrom: '2024-07-01' })]);
    await post(
      by('kim', verbs.attended, COURSE, '2024-06-30T23:30:00+09:00'),
      by('kim', verbs.attended, COURSE, '2024-07-01T08:00:00+09:00'),
    );
    const t = (await api('GET', '/api/officials/kim/transcript')).json;
    expect(t.official.orgUnit).to.equal('office-2');
    expect(t.entries.map((e: any) => [e.start.slice(0, 10), e.orgUnit])).to.deep.equal([
      ['2024-03-01', 'office-1'],
      ['2024-06-30', 'office-1'],
      ['2024-07-01', 'office-2'],
    ]);
  });
});
