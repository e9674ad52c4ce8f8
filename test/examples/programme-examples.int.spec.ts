// biome-ignore-all lint/suspicious/noExplicitAny: response bodies are read loosely; each assertion names what it expects
// The documented examples (examples/department: a Hong Kong department's staff-development year;
// examples/commune: a Vietnamese province's communes with their reporting duties), loaded through
// the real import paths, then the programme statistics and duties they document (decisions 050, 051).
import { createHmac } from 'node:crypto';
import { ADMIN, basic, TestLrs } from '@lrs/server/testing';
import { expect } from 'chai';
import { loadExample } from './load-example';

const JWT_SECRET = 'a-test-secret-of-at-least-32-characters!';
function token(claims: Record<string, unknown>): string {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const body = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub: 'user', exp: Math.floor(Date.now() / 1000) + 600, ...claims })}`;
  return `${body}.${createHmac('sha256', JWT_SECRET).update(body).digest('base64url')}`;
}
const asPolicyUnit = (j: string) =>
  `Bearer ${token({ sub: `unit-${j}`, role: 'policy-unit', jurisdiction: j })}`;
const asAdmin = basic(ADMIN);

describe('examples: the department year and the commune duties, end to end', function () {
  this.timeout(60_000);
  let lrs: TestLrs;

  async function api(
    method: string,
    path: string,
    options: { auth?: string; body?: unknown; accept?: string } = {},
  ) {
    const res = await fetch(`${lrs.url}${path}`, {
      method,
      headers: {
        Authorization: options.auth ?? asAdmin,
        Accept: options.accept ?? 'application/json',
        ...(options.body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      },
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
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
  const expectProblem = (
    r: Awaited<ReturnType<typeof api>>,
    status: number,
    rule: string,
    pointer: string,
  ) => {
    expect(r.status, r.text).to.equal(status);
    expect(r.json.error).to.include({ rule, pointer });
  };

  beforeEach(async () => {
    lrs = await TestLrs.start({ LRS_JWT_HS256_SECRET: JWT_SECRET });
  });
  afterEach(async () => {
    await lrs.stop();
  });

  describe('examples/department (Hong Kong, fiscal year from 1 April)', () => {
    beforeEach(async () => {
      await loadExample(lrs, 'department');
      await lrs.caughtUp();
    });

    it('counts FY2024 by programme category, staff group and org unit (the re-sent completion, the voided one and 1 April at 00:30 do not count)', async () => {
      const r = await api('GET', '/api/reports/programmes?policy=department-staff-development&period=FY2024');
      expect(r.status, r.text).to.equal(200);
      expect(r.json.window).to.deep.equal({
        from: '2024-04-01',
        to: '2025-03-31',
        timeZone: 'Asia/Hong_Kong',
        policyId: 'department-staff-development',
        period: 'FY2024',
      });
      expect(r.json.hoursRule).to.equal('nominal catalog hours per attendance');
      expect(r.json.byCategory).to.deep.equal({
        management: { programmes: 1, participants: 1, attendances: 3, hours: 63 },
        orientation: { programmes: 1, participants: 2, attendances: 2, hours: 15 },
        'professional-social-work': { programmes: 2, participants: 2, attendances: 3, hours: 24 },
        'social-security': { programmes: 2, participants: 4, attendances: 5, hours: 15 },
      });
      expect(r.json.byStaffGroup['social-security']).to.deep.equal({
        programmes: 3,
        participants: 4,
        attendances: 6,
        hours: 22.5,
      });
      expect(r.json.byCategoryAndStaffGroup.orientation).to.deep.equal({
        clerical: { programmes: 1, participants: 1, attendances: 1, hours: 7.5 },
        'social-security': { programmes: 1, participants: 1, attendances: 1, hours: 7.5 },
      });
      expect(r.json.totals).to.deep.equal({ programmes: 6, participants: 8, attendances: 13, hours: 117 });
      expect(r.json.byOrgUnit).to.deep.equal({
        'family-services': {
          name: 'Family and Child Welfare Branch',
          programmes: 2,
          participants: 2,
          attendances: 3,
          hours: 24,
        },
        headquarters: { name: 'Headquarters', programmes: 2, participants: 2, attendances: 4, hours: 70.5 },
        'security-north': {
          name: 'Social Security Field Unit (North)',
          programmes: 1,
          participants: 2,
          attendances: 2,
          hours: 6,
        },
        'security-south': {
          name: 'Social Security Field Unit (South)',
          programmes: 3,
          participants: 2,
          attendances: 4,
          hours: 16.5,
        },
        swd: {
          name: 'Social Welfare Department',
          programmes: 6,
          participants: 8,
          attendances: 13,
          hours: 117,
        },
      });
      const explicit = await api(
        'GET',
        '/api/reports/programmes?from=2024-04-01&to=2025-03-31&timeZone=Asia/Hong_Kong',
      );
      expect(explicit.json.totals).to.deep.equal(r.json.totals);
    });

    it('streams the same table as CSV when asked for text/csv', async () => {
      const r = await api(
        'GET',
        '/api/reports/programmes?policy=department-staff-development&period=FY2024&category=social-security',
        {
          accept: 'text/csv',
        },
      );
      expect(r.status, r.text).to.equal(200);
      expect(r.headers.get('content-type')).to.match(/^text\/csv/);
      expect(r.headers.get('content-disposition')).to.equal('attachment; filename="programmes-FY2024.csv"');
      const lines = r.text.trimEnd().split('\r\n');
      expect(lines[1]).to.equal(
        'total,,,,,2,4,5,15,2024-04-01,2025-03-31,Asia/Hong_Kong,nominal catalog hours per attendance',
      );
    });

    it('a policy unit counts only its own jurisdiction; another jurisdiction has nothing to report', async () => {
      const own = await api(
        'GET',
        '/api/reports/programmes?policy=department-staff-development&period=FY2024',
        {
          auth: asPolicyUnit('department'),
        },
      );
      expect(own.json.totals.participants).to.equal(8);
      const other = await api(
        'GET',
        '/api/reports/programmes?policy=department-staff-development&period=FY2024',
        {
          auth: asPolicyUnit('elsewhere'),
        },
      );
      expectProblem(other, 400, 'training.report.no-data', '/query/period');
      const outside = await api(
        'GET',
        '/api/reports/programmes?policy=department-staff-development&period=FY2024&orgUnit=swd',
        { auth: asPolicyUnit('elsewhere') },
      );
      expectProblem(outside, 403, 'training.access.jurisdiction', '/query/orgUnit');
    });

    it('bad input is a 400 naming the parameter and the rule, never a 500', async () => {
      const q = '/api/reports/programmes?policy=department-staff-development';
      expectProblem(
        await api('GET', `${q}&period=FY2024&category=astrology`),
        400,
        'training.query.category',
        '/query/category',
      );
      expectProblem(await api('GET', `${q}&period=FY2026`), 400, 'training.report.no-data', '/query/period');
      expectProblem(await api('GET', `${q}&period=2024`), 400, 'training.query.period', '/query/period');
      expectProblem(
        await api('GET', `${q}&period=FY2024&orgUnit=nowhere`),
        400,
        'training.query.org-unit',
        '/query/orgUnit',
      );
      expectProblem(await api('GET', `${q}&from=2024-04-01`), 400, 'training.query.window', '/query/from');
      expectProblem(
        await api('GET', '/api/reports/programmes?from=2025-03-31&to=2024-04-01&timeZone=Asia/Hong_Kong'),
        400,
        'training.query.window',
        '/query/to',
      );
      expectProblem(
        await api('GET', '/api/reports/programmes?from=2024-04-01&to=2025-03-31'),
        400,
        'training.query.window',
        '/query/timeZone',
      );
      expectProblem(
        await api('GET', '/api/reports/programmes?policy=nobody&period=FY2024'),
        400,
        'training.query.policy',
        '/query/policy',
      );
    });

    it('a snapshot of the year’s statistics is recorded and verifies by replaying the log to its cut-off', async () => {
      const taken = await api('POST', '/api/reports/snapshots', {
        body: {
          kind: 'programme-statistics',
          policy: 'department-staff-development',
          period: 'FY2024',
          asOf: new Date().toISOString(),
        },
      });
      expect(taken.status, taken.text).to.equal(201);
      expect(taken.json).to.deep.include({ kind: 'programme-statistics', jurisdiction: null });
      expect(taken.json.totals).to.deep.equal({
        programmes: 6,
        participants: 8,
        attendances: 13,
        hours: 117,
      });
      expect(taken.json.manifest.catalog.entries).to.equal(6);
      const verified = await api('GET', `/api/reports/snapshots/${taken.json.snapshotId}/verify`);
      expect(verified.json.matches, verified.text).to.equal(true);
      const noData = await api('POST', '/api/reports/snapshots', {
        body: {
          kind: 'programme-statistics',
          from: '2019-01-01',
          to: '2019-12-31',
          timeZone: 'Asia/Hong_Kong',
          asOf: new Date().toISOString(),
        },
      });
      expectProblem(noData, 400, 'training.report.no-data', '/body/from');
    });
  });

  describe('examples/commune (Vietnam: communes of a province, half-year and annual reports)', () => {
    beforeEach(async () => {
      const answers = await loadExample(lrs, 'commune');
      expect(
        answers.filter((a) => a.path.startsWith('/api/reports/duties/')).map((a) => a.status),
      ).to.deep.equal([201, 201, 201]);
      await lrs.caughtUp();
    });

    it('the half-year window from 1 December to 31 May counts by commune, as the province’s tree defines them', async () => {
      const r = await api(
        'GET',
        '/api/reports/programmes?from=2024-12-01&to=2025-05-31&timeZone=Asia/Ho_Chi_Minh',
        {
          auth: asPolicyUnit('dong-thap'),
        },
      );
      expect(r.status, r.text).to.equal(200);
      expect(r.json.totals).to.deep.equal({ programmes: 3, participants: 4, attendances: 5, hours: 24 });
      expect(r.json.byOrgUnit['xa-my-tho']).to.deep.equal({
        name: 'Xã Mỹ Thọ',
        programmes: 2,
        participants: 3,
        attendances: 4,
        hours: 20,
      });
      expect(r.json.byOrgUnit['huyen-cao-lanh']).to.deep.include(r.json.totals);
      expect(r.json.byOrgUnit).not.to.have.property('phuong-1');
      expect(r.json.byStaffGroup.collaborator).to.deep.equal({
        programmes: 1,
        participants: 2,
        attendances: 2,
        hours: 8,
      });
      const annual = await api(
        'GET',
        '/api/reports/programmes?from=2024-12-01&to=2025-11-30&timeZone=Asia/Ho_Chi_Minh',
      );
      expect(annual.json.totals).to.deep.equal({ programmes: 3, participants: 6, attendances: 7, hours: 36 });
    });

    it('lists each duty’s occurrences with a state; defining one again changes nothing; a wrong one is a 400 naming the field', async () => {
      const list = await api('GET', '/api/reports/duties', { auth: asPolicyUnit('dong-thap') });
      expect(list.status, list.text).to.equal(200);
      const ids = new Set(list.json.duties.map((d: any) => d.dutyId));
      // A policy unit sees its jurisdiction's duties, and the duty of the policy that is its
      // jurisdiction's (decision 075; until then this test said the policy's duty was no one's).
      expect([...ids].sort()).to.deep.equal([
        'dong-thap-annual',
        'dong-thap-annual-completion',
        'dong-thap-half-year',
      ]);
      for (const d of list.json.duties) expect(d.jurisdiction).to.equal('dong-thap');
      for (const d of list.json.duties)
        expect(['upcoming', 'due', 'fulfilled-on-time', 'late', 'skipped']).to.include(d.state);
      const own = await api('GET', '/api/reports/duties/dong-thap-annual-completion', {
        auth: asPolicyUnit('dong-thap'),
      });
      expect(own.status, own.text).to.equal(200);
      // Another province's policy unit gets nothing: an empty list, and "no such duty" by id.
      const other = await api('GET', '/api/reports/duties', { auth: asPolicyUnit('ben-tre') });
      expect(other.json.duties).to.deep.equal([]);
      const otherOne = await api('GET', '/api/reports/duties/dong-thap-annual-completion', {
        auth: asPolicyUnit('ben-tre'),
      });
      expectProblem(otherOne, 404, 'audit.duty.unknown', '/path/dutyId');
      const one = await api('GET', '/api/reports/duties/dong-thap-annual-completion');
      expect(one.json.duty.reports).to.deep.equal(['completion-status', 'programme-statistics']);
      const again = await api('PUT', '/api/reports/duties/dong-thap-half-year', {
        body: {
          dutyId: 'dong-thap-half-year',
          title: 'Báo cáo 6 tháng (half-year report)',
          jurisdiction: 'dong-thap',
          timeZone: 'Asia/Ho_Chi_Minh',
          reports: ['programme-statistics'],
          window: { from: '12-01', to: '05-31' },
          cutOff: '06-01',
          dueBy: '06-14',
        },
      });
      expect(again.status, again.text).to.equal(200);
      expect(again.json.outcome).to.equal('unchanged');
      const late = await api('PUT', '/api/reports/duties/dong-thap-half-year', {
        body: { ...again.json.duty, cutOff: '06-20' },
      });
      expectProblem(late, 400, 'audit.duty.cut-off-after-due', '/body/cutOff');
      const outside = await api('PUT', '/api/reports/duties/dong-thap-annual-completion', {
        body: { ...one.json.duty, window: { from: '12-01', to: '11-30' } },
      });
      expectProblem(outside, 400, 'audit.duty.window-outside-period', '/body/window');
      const byPolicyUnit = await api('PUT', '/api/reports/duties/dong-thap-half-year', {
        auth: asPolicyUnit('dong-thap'),
        body: again.json.duty,
      });
      expect(byPolicyUnit.status).to.equal(403);
    });

    it('occurrences whose cut-off came before the log began are skipped (nothing to report), before and after the scheduler records them once', async () => {
      const now = Date.now();
      const states = async () =>
        (await api('GET', '/api/reports/duties', { auth: asPolicyUnit('dong-thap') })).json.duties.map(
          (d: any) => [d.occurrenceId, d.state],
        );
      const before = await api('GET', '/api/reports/duties', { auth: asPolicyUnit('dong-thap') });
      // The log began during this test: every cut-off already passed precedes it.
      for (const d of before.json.duties) {
        expect(d.state, d.occurrenceId).to.equal(Date.parse(d.cutOff) <= now ? 'skipped' : 'upcoming');
        if (d.state === 'skipped') {
          expect(d.reason).to.match(/before the first event of the log/);
          expect(d.snapshots).to.deep.equal([]);
        }
      }
      const first = await lrs.runDuties(Date.now());
      expect(first.every((t) => t.state === 'skipped')).to.equal(true);
      // A second run (another replica, a restart) records nothing again: no_stream.
      expect(await lrs.runDuties(Date.now())).to.deep.equal([]);
      expect(await states()).to.deep.equal(before.json.duties.map((d: any) => [d.occurrenceId, d.state]));
    });

    it('the snapshots of the policy’s duty are the policy’s jurisdiction’s: its policy unit downloads them, another’s is refused', async () => {
      // A duty of the commune policy cut at the start of tomorrow (Vietnam), due the day after.
      const day = (ms: number) =>
        new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Ho_Chi_Minh' }).format(ms);
      const tomorrow = day(Date.now() + 86_400_000);
      const defined = await api('PUT', '/api/reports/duties/dong-thap-completion-test', {
        body: {
          dutyId: 'dong-thap-completion-test',
          policyId: 'dong-thap-commune-social-work',
          reports: ['completion-status', 'programme-statistics'],
          window: { from: '01-01', to: tomorrow.slice(5) },
          cutOff: tomorrow.slice(5),
          dueBy: day(Date.now() + 2 * 86_400_000).slice(5),
        },
      });
      expect(defined.status, defined.text).to.equal(201);
      await lrs.caughtUp();
      // Taken the day after tomorrow's cut-off, within its due day.
      const taken = (await lrs.runDuties(Date.now() + 2 * 86_400_000)).find(
        (t) => t.occurrenceId === `dong-thap-completion-test-${tomorrow.slice(0, 4)}`,
      )!;
      expect(taken).to.include({ state: 'fulfilled-on-time', jurisdiction: 'dong-thap' });
      expect(taken.snapshots.map((s) => s.kind)).to.deep.equal(['completion-status', 'programme-statistics']);
      // The example's programmes were held in 2024–2025: this year's window has none to count.
      expect(taken.snapshots[1]!.reason).to.match(/no attendance of a catalog programme/);
      for (const s of taken.snapshots.filter((r) => r.kind === 'completion-status')) {
        expect(s.snapshotId, s.reason ?? '').to.be.a('string');
        const mine = await api('GET', s.download!, { auth: asPolicyUnit('dong-thap') });
        expect(mine.status, mine.text).to.equal(200);
        expect(mine.json).to.include({ kind: s.kind, jurisdiction: 'dong-thap' });
        const theirs = await api('GET', s.download!, { auth: asPolicyUnit('ben-tre') });
        expectProblem(theirs, 403, 'audit.access.jurisdiction', '/path/snapshotId');
      }
      // The list of snapshots asks the same rule: Đồng Tháp's lists the duty's, another's nothing.
      const listed = (auth: string) =>
        api('GET', '/api/reports/snapshots?duty=dong-thap-completion-test', { auth }).then((r) =>
          r.json.snapshots.map((x: any) => x.snapshotId),
        );
      expect(await listed(asPolicyUnit('dong-thap'))).to.include(taken.snapshots[0]!.snapshotId);
      expect(await listed(asPolicyUnit('ben-tre'))).to.deep.equal([]);
    });
  });
});
