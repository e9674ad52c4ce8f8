// biome-ignore-all lint/suspicious/noExplicitAny: response bodies are read loosely; each assertion names what it expects
// The list of report snapshots (decision 060) and the report a finished replay reproduces.
import { createHmac } from 'node:crypto';
import { DEMO_POLICY, demoPeriod, seedDemoCity } from '@lrs/server/demo';
import { TestLrs } from '@lrs/server/testing';
import { expect } from 'chai';

const JWT_SECRET = 'a-test-secret-of-at-least-32-characters!';
function token(claims: Record<string, unknown>): string {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const body = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub: 'user', exp: Math.floor(Date.now() / 1000) + 600, ...claims })}`;
  return `Bearer ${body}.${createHmac('sha256', JWT_SECRET).update(body).digest('base64url')}`;
}
const auditor = token({ sub: 'auditor-1', name: 'Auditor Park', role: 'auditor' });
const cityUnit = token({
  sub: 'unit-city',
  name: 'City policy unit',
  role: 'policy-unit',
  jurisdiction: 'demo-city',
});
const otherUnit = token({ sub: 'unit-x', role: 'policy-unit', jurisdiction: 'elsewhere' });
const official = token({ sub: 'E00001', role: 'official', official_id: 'E00001' });

describe('audit: the list of report snapshots and the report of a finished replay', function () {
  this.timeout(90_000);
  let lrs: TestLrs;
  let period: string;
  const taken: string[] = [];

  async function api(method: string, path: string, auth: string, body?: unknown) {
    const res = await fetch(`${lrs.url}${path}`, {
      method,
      headers: { Authorization: auth, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    let json: any;
    try {
      json = JSON.parse(text);
    } catch {}
    return { status: res.status, text, json };
  }

  before(async () => {
    lrs = await TestLrs.start({ LRS_JWT_HS256_SECRET: JWT_SECRET });
    await seedDemoCity(lrs.system.log, {
      keys: lrs.system.keys,
      officials: 20,
      districts: 1,
      officesPerDistrict: 2,
      pauseMs: 0,
    });
    await lrs.caughtUp();
    period = demoPeriod();
    // Two by the auditor (the city's whole population, then one office), one by the city's policy unit.
    const asOf = new Date().toISOString();
    for (const [who, extra] of [
      [auditor, {}],
      [auditor, { orgUnit: 'd1-o1' }],
      [cityUnit, {}],
    ] as const) {
      const r = await api('POST', '/api/reports/snapshots', who, {
        policy: DEMO_POLICY,
        period,
        asOf,
        ...extra,
      });
      expect(r.status, r.text).to.equal(201);
      taken.push(r.json.snapshotId);
    }
    const stats = await api('POST', '/api/reports/snapshots', auditor, {
      kind: 'programme-statistics',
      policy: DEMO_POLICY,
      period,
      asOf,
    });
    expect(stats.status, stats.text).to.equal(201);
    taken.push(stats.json.snapshotId);
  });
  after(async () => lrs?.stop());

  it('an auditor sees every snapshot, newest first, with the policy title, cut-off, taker and fingerprint', async () => {
    const r = await api('GET', '/api/reports/snapshots', auditor);
    expect(r.status, r.text).to.equal(200);
    expect(r.json.total).to.equal(4);
    expect(r.json.snapshots.map((s: any) => s.snapshotId)).to.deep.equal([...taken].reverse());
    const [, , office] = r.json.snapshots;
    expect(office.kind).to.equal('completion-status');
    expect(office.policyId).to.equal(DEMO_POLICY);
    expect(Object.values(office.policyTitle)[0]).to.be.a('string').and.not.equal(DEMO_POLICY);
    expect(office.period).to.equal(period);
    expect(office.orgUnit).to.equal('d1-o1');
    // The taker by id (a signed-in person's name is not recorded in the log, decision 077).
    expect(office.takenBy).to.equal('auditor-1');
    expect(office.takenByName).to.equal(null);
    expect(office.fingerprint).to.match(/^[0-9a-f]{64}$/);
    expect(office.cutOff.asOf).to.be.a('string');
    expect(office).to.not.have.property('rows');
  });

  it('filters by kind, policy, period and org unit, and pages with a total', async () => {
    const kind = await api('GET', '/api/reports/snapshots?kind=programme-statistics', auditor);
    expect(kind.json.snapshots.map((s: any) => s.snapshotId)).to.deep.equal([taken[3]]);
    expect(kind.json.snapshots[0].period).to.equal(period);
    const unit = await api('GET', '/api/reports/snapshots?orgUnit=d1-o1', auditor);
    expect(unit.json.snapshots.map((s: any) => s.snapshotId)).to.deep.equal([taken[1]]);
    const other = await api('GET', `/api/reports/snapshots?policy=${DEMO_POLICY}&period=1999`, auditor);
    expect([other.json.total, other.json.snapshots]).to.deep.equal([0, []]);
    const page2 = await api('GET', '/api/reports/snapshots?pageSize=3&page=2', auditor);
    expect([page2.json.total, page2.json.page, page2.json.snapshots.length]).to.deep.equal([4, 2, 1]);
    expect(page2.json.snapshots[0].snapshotId).to.equal(taken[0]);
  });

  it("a policy unit sees only its jurisdiction's snapshots; an official none (403)", async () => {
    const city = await api('GET', '/api/reports/snapshots', cityUnit);
    expect(city.json.snapshots.map((s: any) => s.snapshotId)).to.deep.equal([taken[2]]);
    const elsewhere = await api('GET', '/api/reports/snapshots', otherUnit);
    expect([elsewhere.status, elsewhere.json.total]).to.deep.equal([200, 0]);
    const denied = await api('GET', '/api/reports/snapshots', official);
    expect([denied.status, denied.json.error.rule]).to.deep.equal([403, 'audit.access']);
  });

  it('bad filters are 400 naming the parameter', async () => {
    for (const [query, pointer] of [
      ['kind=everything', '/query/kind'],
      ['policy=no-such-policy', '/query/policy'],
      ['duty=no-such-duty', '/query/duty'],
      ['page=0', '/query/page'],
      ['page=abc', '/query/page'],
      ['pageSize=1000', '/query/pageSize'],
      ['period=2026&period=2027', '/query/period'],
      ['period=', '/query/period'],
      ['sort=name', '/query/sort'],
    ]) {
      const r = await api('GET', `/api/reports/snapshots?${query}`, auditor);
      expect([r.status, r.json?.error?.pointer], query).to.deep.equal([400, pointer]);
    }
  });

  it('a finished replay gives the completion report it reproduces: rows, names, totals as of its cut-off', async () => {
    const started = await api('POST', '/api/audits/replays', auditor, { asOf: new Date().toISOString() });
    expect(started.status, started.text).to.equal(202);
    await lrs.system.audit.jobs.idle();
    const r = await api(
      'GET',
      `/api/audits/replays/${started.json.id}/report?policy=${DEMO_POLICY}&period=${period}`,
      auditor,
    );
    expect(r.status, r.text).to.equal(200);
    expect(r.json.report.asOf).to.equal(started.json.cutOff.asOf);
    expect(r.json.report.population).to.equal(20);
    expect(r.json.report.rows.length).to.equal(20);
    const sum = Object.values(r.json.report.totals as Record<string, number>).reduce((a, b) => a + b, 0);
    expect(sum).to.equal(20);
    const live = lrs.system.completion.reader().officialNames();
    for (const row of r.json.report.rows)
      expect(r.json.names[row.officialId]).to.equal(live.get(row.officialId));
    // The same figures as a snapshot of that cut-off, which is what verification compares.
    const snap = await api('POST', '/api/reports/snapshots', auditor, {
      policy: DEMO_POLICY,
      period,
      asOf: started.json.cutOff.asOf,
    });
    expect(snap.json.totals).to.deep.equal(r.json.report.totals);
    expect(snap.json.rows).to.deep.equal(r.json.report.rows);

    const noPolicy = await api('GET', `/api/audits/replays/${started.json.id}/report`, auditor);
    expect([noPolicy.status, noPolicy.json.error.pointer]).to.deep.equal([400, '/query/policy']);
    const badPeriod = await api(
      'GET',
      `/api/audits/replays/${started.json.id}/report?policy=${DEMO_POLICY}&period=not-a-year`,
      auditor,
    );
    expect([badPeriod.status, badPeriod.json.error.pointer]).to.deep.equal([400, '/query/period']);
    const unknown = await api('GET', `/api/audits/replays/${started.json.id}/report?policy=nope`, auditor);
    expect([unknown.status, unknown.json.error.pointer]).to.deep.equal([400, '/query/policy']);
    const foreign = await api(
      'GET',
      `/api/audits/replays/${started.json.id}/report?policy=${DEMO_POLICY}`,
      cityUnit,
    );
    expect([foreign.status, foreign.json.error.rule]).to.deep.equal([404, 'audit.replay.unknown']);
  });
});
