// biome-ignore-all lint/suspicious/noExplicitAny: response bodies are read loosely; each assertion names what it expects
import { createHmac } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type EventLog, openEventLog, Position } from '@lrs/event-log';
import { ADMIN, basic, TestLrs } from '@lrs/server/testing';
import { expect } from 'chai';
import { resolveCutOff } from '../src/cut-off';
import { ReplayJobs } from '../src/replay-jobs';
import { aLogWith } from './support/a-log-with';

const JWT_SECRET = 'a-test-secret-of-at-least-32-characters!';
function token(claims: Record<string, unknown>): string {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const body = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub: 'user', exp: Math.floor(Date.now() / 1000) + 600, ...claims })}`;
  return `Bearer ${body}.${createHmac('sha256', JWT_SECRET).update(body).digest('base64url')}`;
}
const asPolicyUnit = (j: string) => token({ sub: `unit-${j}`, role: 'policy-unit', jurisdiction: j });
const asAuditor = token({ sub: 'auditor-1', role: 'auditor' });
const asAdmin = basic(ADMIN);

const OFFICIALS = [
  'official_id,name,org_unit,org_unit_from,staff_group,jurisdiction,employed_from,employed_to,account_home_page,account_name,mbox',
  'n1,North One,north-a,2020-01-01,clerks,north,2020-01-01,,https://lms.example,n1,',
  'n2,North Two,north-b,2020-01-01,clerks,north,2020-01-01,,https://lms.example,n2,',
  's1,South One,south-a,2020-01-01,clerks,south,2020-01-01,,https://lms.example,s1,',
].join('\n');

describe('audit replays: jurisdiction and limits', function () {
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
    } catch {}
    return { status: res.status, text, json, headers: res.headers };
  }
  const start = (auth: string) =>
    api('POST', '/api/audits/replays', auth, { asOf: new Date().toISOString() });

  async function given(env: Record<string, string> = {}) {
    lrs = await TestLrs.start({ LRS_JWT_HS256_SECRET: JWT_SECRET, ...env });
    const units =
      'org_unit_id,name,parent\ncity,City,\nnorth-a,North A,city\nnorth-b,North B,city\nsouth-a,South A,city';
    expect((await api('POST', '/api/admin/training/org-units', asAdmin, units, 'text/csv')).status).to.equal(
      200,
    );
    const officials = await api('POST', '/api/admin/training/officials', asAdmin, OFFICIALS, 'text/csv');
    expect(officials.status, officials.text).to.equal(200);
  }
  afterEach(async () => lrs?.stop());

  it("a policy unit sees, reads and deletes only its own jurisdiction's replays, and its manifest counts only its jurisdiction", async () => {
    await given();
    const north = await start(asPolicyUnit('north'));
    expect(north.status, north.text).to.equal(202);
    await lrs.system.audit.jobs.idle();

    const south = asPolicyUnit('south');
    expect((await api('GET', '/api/audits/replays', south)).json.replays).to.deep.equal([]);
    const read = await api('GET', `/api/audits/replays/${north.json.id}`, south);
    expect([read.status, read.json.error.rule, read.json.error.pointer]).to.deep.equal([
      404,
      'audit.replay.unknown',
      '/path/id',
    ]);
    const del = await api('DELETE', `/api/audits/replays/${north.json.id}`, south);
    expect([del.status, del.json.error.rule]).to.deep.equal([404, 'audit.replay.unknown']);
    expect(lrs.system.audit.jobs.get(north.json.id)).to.not.equal(undefined);

    const own = await api('GET', `/api/audits/replays/${north.json.id}`, asPolicyUnit('north'));
    expect(own.status).to.equal(200);
    expect(own.json.state).to.equal('completed');
    expect(own.json.manifest.registry).to.deep.equal({ officials: 2, orgUnits: 2, identifiers: 2 });
    expect(own.json.manifest).to.not.have.property('eventsRead');
    expect(own.json.progress).to.not.have.property('eventsRead');
    for (const p of own.json.manifest.projections) expect(p).to.not.have.property('eventsRead');
    // The auditor sees every replay with the registry's totals.
    const all = await api('GET', `/api/audits/replays/${north.json.id}`, asAuditor);
    expect(all.json.manifest.registry.officials).to.equal(3);
    // An auditor's replay (every jurisdiction) is no policy unit's.
    const cityWide = await start(asAuditor);
    await lrs.system.audit.jobs.idle();
    const seen = await api('GET', `/api/audits/replays/${cityWide.json.id}`, asPolicyUnit('north'));
    expect(seen.status).to.equal(404);
    expect(
      (await api('GET', '/api/audits/replays', asPolicyUnit('north'))).json.replays.map((r: any) => r.id),
    ).to.deep.equal([north.json.id]);
    // Duties: the schedule, never a city-wide snapshot.
    const duties = await api('GET', '/api/reports/duties', south);
    expect(duties.status).to.equal(200);
    for (const d of duties.json.duties) expect(d.snapshotId).to.equal(null);
  });

  it("a policy unit's report snapshot and its verification show no log-wide or registry-wide figures; an auditor's do", async () => {
    await given();
    const policy = JSON.parse(
      readFileSync(
        new URL('../../../examples/policies/city-annual-welfare-education.json', import.meta.url),
        'utf8',
      ),
    );
    const catalog = readFileSync(new URL('../../../examples/city/catalog.csv', import.meta.url), 'utf8');
    expect((await api('POST', '/api/admin/training/catalog', asAdmin, catalog, 'text/csv')).status).to.equal(
      200,
    );
    expect((await api('POST', '/api/admin/training/policies', asAdmin, policy)).status).to.equal(201);
    const body = { policy: policy.policyId, period: '2025', asOf: new Date().toISOString() };
    const taken = await api('POST', '/api/reports/snapshots', asPolicyUnit('north'), body);
    expect(taken.status, taken.text).to.equal(201);
    expect(taken.json.jurisdiction).to.equal('north');
    for (const view of [
      taken.json,
      (await api('GET', `/api/reports/snapshots/${taken.json.snapshotId}`, asPolicyUnit('north'))).json,
    ]) {
      expect(view.manifest).to.not.have.property('registry');
      expect(view.manifest).to.not.have.property('eventsRead');
      for (const p of view.manifest.projections) expect(p).to.not.have.property('eventsRead');
      expect(view.manifest.policies).to.have.length(1);
    }
    const verified = await api(
      'GET',
      `/api/reports/snapshots/${taken.json.snapshotId}/verify`,
      asPolicyUnit('north'),
    );
    expect(verified.status, verified.text).to.equal(200);
    expect(verified.json.matches).to.equal(true);
    expect(verified.json.expected).to.not.have.property('eventsRead');
    expect(verified.json.actual).to.not.have.property('eventsRead');
    const asSeenByAuditor = await api('GET', `/api/reports/snapshots/${taken.json.snapshotId}`, asAuditor);
    expect(asSeenByAuditor.json.manifest.registry.officials).to.equal(3);
    const south = await api('GET', `/api/reports/snapshots/${taken.json.snapshotId}`, asPolicyUnit('south'));
    expect([south.status, south.json.error.rule]).to.deep.equal([403, 'audit.access.jurisdiction']);
  });

  it("30 replay requests at once: at most the requester's quota is accepted, the rest 429 with Retry-After and the rule; deleting one frees the quota", async () => {
    await given({
      LRS_AUDIT_MAX_RUNNING_PER_PRINCIPAL: '1',
      LRS_AUDIT_MAX_STORED_PER_PRINCIPAL: '2',
      LRS_AUDIT_MAX_STORED: '3',
    });
    const answers = await Promise.all(Array.from({ length: 30 }, () => start(asAuditor)));
    await lrs.system.audit.jobs.idle();
    const accepted = answers.filter((a) => a.status === 202);
    const refused = answers.filter((a) => a.status === 429);
    // One runs at a time per requester; a replay this small may finish before the next request
    // arrives, so a second can be accepted, never a third (two kept per requester).
    expect(accepted.length).to.be.within(1, 2);
    expect(refused).to.have.length(30 - accepted.length);
    for (const r of refused) {
      expect(r.json.error.rule).to.be.oneOf(['audit.replay.busy', 'audit.replay.quota']);
      expect(r.json.error.message).to.match(
        /too many replays (queued or running: you have 1 \(limit 1 per requester\)|kept: you have 2 \(limit 2 per requester\))/,
      );
      expect(Number(r.headers.get('retry-after'))).to.be.greaterThan(0);
    }
    expect(refused.some((r) => r.json.error.rule === 'audit.replay.busy')).to.equal(true);
    if (accepted.length === 1) expect((await start(asAuditor)).status).to.equal(202);
    await lrs.system.audit.jobs.idle();
    const kept = await start(asAuditor);
    expect([kept.status, kept.json.error.rule]).to.deep.equal([429, 'audit.replay.quota']);
    expect(kept.json.error.message).to.match(/you have 2 \(limit 2 per requester\); delete one/);
    // Another requester may still keep one, up to the total.
    expect((await start(asPolicyUnit('north'))).status).to.equal(202);
    await lrs.system.audit.jobs.idle();
    const total = await start(asPolicyUnit('south'));
    expect([total.status, total.json.error.rule]).to.deep.equal([429, 'audit.replay.quota']);
    expect(total.json.error.message).to.match(/3 \(limit 3 in total\)/);
    // Deleting one frees the requester's quota.
    const firstId = accepted[0]!.json.id;
    expect((await api('DELETE', `/api/audits/replays/${firstId}`, asAuditor)).status).to.equal(200);
    expect((await start(asAuditor)).status).to.equal(202);
    await lrs.system.audit.jobs.idle();
  });

  it('a spent disk budget is 507 audit.replay.disk, nothing queued', async () => {
    await given({ LRS_AUDIT_DISK_BUDGET_BYTES: '1' });
    expect((await start(asAuditor)).status).to.equal(202);
    await lrs.system.audit.jobs.idle();
    const before = lrs.system.audit.jobs.list().length;
    const full = await start(asAuditor);
    expect([full.status, full.json.error.rule]).to.deep.equal([507, 'audit.replay.disk']);
    expect(full.json.error.message).to.match(/disk budget is spent/);
    expect(lrs.system.audit.jobs.list()).to.have.length(before);
  });
});

describe('audit replays expire', () => {
  let dir: string;
  let log: EventLog;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'audit-expiry-'));
    log = await openEventLog({ dataDir: dir });
  });
  afterEach(async () => {
    await log.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a second replay while the requester has one queued or running is 429 audit.replay.busy', async () => {
    await aLogWith(log, 200);
    const jobs = ReplayJobs.open(log, dir, { limits: { maxRunningPerPrincipal: 1, maxRunning: 2 } });
    const cutOff = await resolveCutOff(log, { position: Position.toString((await log.headPosition())!) });
    jobs.start(cutOff, 'auditor');
    expect(() => jobs.start(cutOff, 'auditor'))
      .to.throw(/too many replays queued or running: you have 1 \(limit 1 per requester\)/)
      .that.includes({ status: 429, rule: 'audit.replay.busy' });
    jobs.start(cutOff, 'another');
    expect(() => jobs.start(cutOff, 'third'))
      .to.throw(/2 are \(limit 2 in total\)/)
      .that.includes({ status: 429, rule: 'audit.replay.busy' });
    await jobs.idle();
    await jobs.stop();
  });

  it('a finished replay and its scratch models are deleted once the time to keep them has passed, also across a restart', async () => {
    await aLogWith(log, 200);
    let clock = Date.parse('2026-01-01T00:00:00Z');
    const jobs = ReplayJobs.open(log, dir, { limits: { ttlMs: 3_600_000 }, now: () => clock });
    const cutOff = await resolveCutOff(log, { position: Position.toString((await log.headPosition())!) });
    const kept = jobs.start(cutOff, 'auditor');
    await jobs.idle();
    const folder = join(dir, 'audit', 'replays', kept.id);
    clock += 3_599_000;
    expect(jobs.list().map((j) => j.id)).to.deep.equal([kept.id]);
    expect(existsSync(folder)).to.equal(true);
    const later = ReplayJobs.open(log, dir, { limits: { ttlMs: 3_600_000 }, now: () => clock + 2000 });
    expect(later.get(kept.id)).to.equal(undefined);
    expect(existsSync(folder)).to.equal(false);
    clock += 2000;
    expect(jobs.list()).to.deep.equal([]);
    await jobs.stop();
    await later.stop();
  });
});
