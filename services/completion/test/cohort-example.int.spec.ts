// The provincial supervisor cohort from examples/cohort, loaded by `pnpm demo-data --programme cohort`
// through the admin and xAPI APIs, long after its window closed (TRAINING-DOMAIN, the cohort).
import { createHmac } from 'node:crypto';
import { runDemoData } from '@lrs/server/demo-data';
import { ADMIN, basic, TestLrs } from '@lrs/server/testing';
import type { CohortView } from '@lrs/training';
import { expect } from 'chai';

const COHORT = 'provincial-supervisor-cohort';
const JWT_SECRET = 'a-test-secret-of-at-least-32-characters!';
function token(claims: Record<string, unknown>): string {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const body = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ exp: Math.floor(Date.now() / 1000) + 600, ...claims })}`;
  return `${body}.${createHmac('sha256', JWT_SECRET).update(body).digest('base64url')}`;
}

describe('the supervisor cohort of examples/cohort, after its window closed', function () {
  this.timeout(30_000);
  let lrs: TestLrs;
  const api = async (method: string, path: string, body?: string, type = 'application/json') => {
    const res = await fetch(`${lrs.url}${path}`, {
      method,
      headers: { Authorization: basic(ADMIN), ...(body === undefined ? {} : { 'Content-Type': type }) },
      ...(body === undefined ? {} : { body }),
    });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : null };
  };

  before(async () => {
    lrs = await TestLrs.start({ LRS_JWT_HS256_SECRET: JWT_SECRET });
    // As the README says: `pnpm demo-data --programme cohort` against the running LRS.
    const io = { out: () => {}, err: () => {}, errIsTTY: false };
    const code = await runDemoData(
      ['--programme', 'cohort', '--url', lrs.url, '--key', ADMIN.key, '--secret', ADMIN.secret],
      {},
      io,
    );
    expect(code).to.equal(0);
    await lrs.caughtUp();
  });
  after(async () => lrs.stop());

  it('lists every trainee with hours toward 220, sessions toward 30 and the defence, and the cohort summary', async () => {
    const r = await api('GET', `/api/reports/cohort?policy=${COHORT}`);
    expect(r.status, JSON.stringify(r.json)).to.equal(200);
    const view = r.json as CohortView;
    expect([view.period, view.lastDay, view.closed]).to.deep.equal(['cohort-2024', '2024-10-31', true]);
    const progress = Object.fromEntries(
      view.trainees.map((t) => [
        t.name,
        [
          t.status,
          ...t.requirements
            .filter((q) => q.kind !== 'all_of')
            .map((q) => `${q.id} ${q.earned}/${q.required}`),
        ],
      ]),
    );
    expect(progress).to.deep.equal({
      张伟: ['completed', 'internship-220h 240/220', 'group-supervision-30 30/30', 'defence 1/1'],
      // One of her four logs is not confirmed yet: it is pending and earns nothing.
      李娜: ['overdue', 'internship-220h 120/220', 'group-supervision-30 18/30', 'defence 0/1'],
      王芳: ['overdue', 'internship-220h 0/220', 'group-supervision-30 0/30', 'defence 0/1'],
    });
    expect(view.trainees.find((t) => t.name === '张伟')!.certificate).to.equal(true);
    // Her unconfirmed 40-hour log is shown pending against the 220 hours, not earned.
    const pending = Object.fromEntries(
      view.trainees.map((t) => [t.name, [t.pending.entries, t.pending.hours]]),
    );
    expect(pending).to.deep.equal({ 张伟: [0, 0], 李娜: [1, 40], 王芳: [0, 0] });
    const liNa = view.trainees.find((t) => t.name === '李娜')!;
    expect(liNa.requirements.find((q) => q.id === 'internship-220h')).to.include({
      earned: 120,
      pending: 40,
    });
    expect(view.summary).to.include({ pendingHours: 40, pendingTrainees: 1 });
    expect(view.summary.byStatus).to.include({ completed: 1, overdue: 2 });
    expect(view.summary.requirements.find((q) => q.id === 'group-supervision-30')).to.include({
      met: 1,
      earnedTotal: 48,
    });
  });

  it("a trainee still sees the cohort's result after the window closed, without naming the period", async () => {
    const r = await api('GET', '/api/officials/zhang-wei/completion');
    expect(r.status).to.equal(200);
    expect(
      r.json.completions.map((c: { period: string; status: string; dueDate: string }) => [
        c.period,
        c.status,
        c.dueDate,
      ]),
    ).to.deep.equal([['cohort-2024', 'completed', '2024-10-31']]);
  });

  it("a policy unit of another jurisdiction gets none of the province's trainees; the province's gets all three", async () => {
    const unit = (jurisdiction: string) =>
      `Bearer ${token({ sub: `unit-${jurisdiction}`, role: 'policy-unit', jurisdiction })}`;
    const ask = async (jurisdiction: string) => {
      const res = await fetch(`${lrs.url}/api/reports/cohort?policy=${COHORT}`, {
        headers: { Authorization: unit(jurisdiction) },
      });
      return { status: res.status, json: (await res.json()) as CohortView };
    };
    const other = await ask('dong-thap');
    expect(other.status).to.equal(200);
    expect([
      other.json.trainees.length,
      other.json.summary.trainees,
      other.json.summary.pendingHours,
    ]).to.deep.equal([0, 0, 0]);
    const own = await ask('province');
    expect(own.json.trainees.map((t) => t.name).sort()).to.deep.equal(['张伟', '李娜', '王芳'].sort());
    const official = await fetch(`${lrs.url}/api/reports/cohort?policy=${COHORT}`, {
      headers: { Authorization: `Bearer ${token({ sub: 'li-na', role: 'official', official_id: 'li-na' })}` },
    });
    expect(official.status).to.equal(403);
  });

  it('a period the cohort policy does not have is a 400 naming the period format', async () => {
    const r = await api('GET', `/api/reports/cohort?policy=${COHORT}&period=2024`);
    expect(r.status).to.equal(400);
    expect(r.json.error).to.include({ rule: 'training.query.period', pointer: '/query/period' });
  });
});
