import { ADMIN, basic, TestLrs } from '@lrs/server/testing';
import { anAgent, aStatement, recordSeoulBasics, verbs } from '@lrs/testkit';
import { ReferenceStore } from '@lrs/training';
import { expect } from 'chai';

const LMS = 'https://lms.example.kr';
const ETHICS = `${LMS}/courses/welfare-ethics`;

describe('a report snapshot taken before an erasure still verifies (decision 065)', function () {
  this.timeout(120_000);
  let lrs: TestLrs;
  before(async () => {
    lrs = await TestLrs.start();
  });
  after(() => lrs.stop());

  const api = (method: string, path: string, body?: unknown) =>
    fetch(`${lrs.url}${path}`, {
      method,
      headers: {
        Authorization: basic(ADMIN),
        ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }));

  it('with the same fingerprint and report, and the official’s hours unchanged', async () => {
    // Sealed as the admin API records it (decision 077).
    const reference = new ReferenceStore(lrs.system.log, lrs.system.keys);
    const policy = await recordSeoulBasics(reference, { officialId: 'kim', lms: LMS, course: ETHICS });
    const byKim = aStatement()
      .withActor(anAgent().withAccount(LMS, 'kim'))
      .withVerb(verbs.completed)
      .withActivity(ETHICS)
      .at('2026-03-02T10:00:00+09:00')
      .build();
    // Someone the registry does not know, in the same course.
    const byVisitor = aStatement()
      .withActor(anAgent().withAccount(LMS, 'visitor-9917'))
      .withVerb(verbs.completed)
      .withActivity(ETHICS)
      .at('2026-03-03T10:00:00+09:00')
      .build();
    expect((await lrs.call('POST', 'statements', { json: [byKim, byVisitor] })).status).to.equal(200);
    await lrs.caughtUp();

    const taken = await api('POST', '/api/reports/snapshots', {
      policy: policy.policyId,
      period: '2026',
      asOf: new Date().toISOString(),
    });
    expect(taken.status, JSON.stringify(taken.body)).to.equal(201);
    const before = await api('GET', `/api/officials/kim/completion`);

    // An official's identifier cannot be erased alone: their hours would leave every rebuilt report.
    const official = await api('POST', '/api/admin/erasures', {
      subject: { agent: { account: { homePage: LMS, name: 'kim' } } },
      reason: 'request',
      legalBasis: 'PIPA art. 36',
    });
    expect(official.status).to.equal(409);
    expect(official.body.error).to.include({
      rule: 'erasure.official-identifier',
      pointer: '/subject/agent',
    });

    const erased = await api('POST', '/api/admin/erasures', {
      subject: { agent: { account: { homePage: LMS, name: 'visitor-9917' } } },
      reason: 'request of the data subject',
      legalBasis: 'PIPA art. 36',
    });
    expect(erased.status, JSON.stringify(erased.body)).to.equal(201);
    await lrs.caughtUp();

    const verified = await api('GET', `/api/reports/snapshots/${taken.body.snapshotId}/verify`);
    expect(verified.status).to.equal(200);
    expect(verified.body, JSON.stringify(verified.body)).to.include({ matches: true, alarm: null });
    const after = await api('GET', `/api/officials/kim/completion`);
    expect(after.body.completions).to.deep.equal(before.body.completions);
  });

  it('erasing an official by officialId keeps every snapshot that named them verifiable, with the same totals (decision 077)', async () => {
    // An official imported through the admin API: their record is sealed.
    const park = {
      officialId: 'park-3318',
      name: 'Park Ji-hoon',
      orgUnit: 'office-1',
      staffGroup: 'social-welfare',
      jurisdiction: 'city',
      identifiers: [{ account: { homePage: LMS, name: 'park-3318' } }],
    };
    expect((await api('POST', '/api/admin/training/officials', [park])).status).to.equal(200);
    const byPark = aStatement()
      .withActor(anAgent().withAccount(LMS, 'park-3318'))
      .withVerb(verbs.completed)
      .withActivity(ETHICS)
      .at('2026-04-02T10:00:00+09:00')
      .build();
    expect((await lrs.call('POST', 'statements', { json: [byPark] })).status).to.equal(200);
    await lrs.caughtUp();
    const policies = (await api('GET', '/api/reports/snapshots')).body as {
      snapshots: { policyId: string }[];
    };
    const policyId = policies.snapshots[0]!.policyId;
    const taken = await api('POST', '/api/reports/snapshots', {
      policy: policyId,
      period: '2026',
      asOf: new Date().toISOString(),
    });
    expect(taken.status, JSON.stringify(taken.body)).to.equal(201);
    // The snapshot in the log names Park by pseudonym only, and not who took it by name; the API
    // shows the row resolved to Park's id.
    const [recorded] = await lrs.system.log.readStream(`audit-snapshot-${taken.body.snapshotId}`);
    expect(JSON.stringify(recorded!.data)).to.not.include('park-3318');
    expect(recorded!.data).to.not.have.property('takenByName');
    expect((taken.body.rows as { officialId: string }[]).map((r) => r.officialId)).to.include('park-3318');

    const erased = await api('POST', '/api/admin/erasures', {
      subject: { officialId: 'park-3318' },
      reason: 'request of the data subject',
      legalBasis: 'PIPA art. 36',
    });
    expect(erased.status, JSON.stringify(erased.body)).to.equal(201);
    await lrs.caughtUp();
    const verified = await api('GET', `/api/reports/snapshots/${taken.body.snapshotId}/verify`);
    expect(verified.status).to.equal(200);
    expect(verified.body, JSON.stringify(verified.body)).to.include({ matches: true, alarm: null });
    // The earlier snapshot (taken before Park was recorded) verifies too.
    const first = policies.snapshots.at(-1) as unknown as { snapshotId: string };
    const again = await api('GET', `/api/reports/snapshots/${first.snapshotId}/verify`);
    expect(again.body, JSON.stringify(again.body)).to.include({ matches: true, alarm: null });
  });
});
