// Machine credentials (decision 043): Basic credentials with the auditor or policy-unit role,
// bound to a jurisdiction, for report scripts that need neither admin nor a person's token.
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { ADMIN, basic, type Credential, expectProblem, TestLrs } from './support/test-lrs';

const EXAMPLES = new URL('../../../examples/city/', import.meta.url);

describe('machine credentials: auditor and policy-unit roles on Basic credentials', function () {
  this.timeout(30_000);
  let lrs: TestLrs;

  const admin = (method: string, path: string, body: string, type = 'application/json') =>
    fetch(`${lrs.url}${path}`, {
      method,
      headers: { Authorization: basic(ADMIN), 'Content-Type': type },
      body,
    });
  const issue = async (body: Record<string, unknown>) => {
    const res = await admin('POST', '/api/admin/credentials', JSON.stringify(body));
    return { status: res.status, body: (await res.json()) as Record<string, unknown> & Credential };
  };
  const get = (path: string, as: Credential) =>
    fetch(`${lrs.url}${path}`, { headers: { Authorization: basic(as) } });

  before(async () => {
    lrs = await TestLrs.start();
    for (const [kind, file] of [
      ['org-units', 'org-units.csv'],
      ['officials', 'officials.csv'],
    ] as const)
      expect(
        (
          await admin(
            'POST',
            `/api/admin/training/${kind}`,
            readFileSync(new URL(file, EXAMPLES), 'utf8'),
            'text/csv',
          )
        ).status,
      ).to.equal(200);
    const elsewhere = [
      {
        officialId: 'nguyen',
        name: 'Nguyen Van A',
        orgUnit: 'city',
        staffGroup: 'social-welfare',
        jurisdiction: 'province',
      },
    ];
    expect((await admin('POST', '/api/admin/training/officials', JSON.stringify(elsewhere))).status).to.equal(
      200,
    );
  });
  after(async () => lrs.stop());

  it("a policy-unit credential reads its jurisdiction's officials, and nothing outside it or beyond reading", async () => {
    const issued = await issue({ name: 'City report script', roles: ['policy-unit'], jurisdiction: 'city' });
    expect(issued.status).to.equal(201);
    expect(issued.body).to.deep.include({ roles: ['policy-unit'], jurisdiction: 'city', scopes: [] });
    const script = { key: issued.body.key, secret: issued.body.secret };
    // Recorded by the admin a moment ago: the transcript read waits for the log head itself.
    expect((await get('/api/officials/kim/transcript', script)).status).to.equal(200);
    expect((await get('/api/officials/kim/completion', script)).status).to.equal(200);
    const outside = await get('/api/officials/nguyen/transcript', script);
    expect(outside.status).to.equal(403);
    expect(((await outside.json()) as { error: { rule: string } }).error.rule).to.equal(
      'training.access.jurisdiction',
    );
    // No admin, no xAPI.
    expect((await get('/api/admin/credentials', script)).status).to.equal(403);
    expect((await lrs.call('GET', 'statements', { as: script })).status).to.equal(403);
    expect((await lrs.call('POST', 'statements', { as: script, json: {} })).status).to.equal(403);
  });

  it('an auditor credential reads every official and the xAPI statements, and writes nothing', async () => {
    const issued = await issue({ name: 'Audit tool', roles: ['auditor'], jurisdiction: 'city' });
    expect(issued.status).to.equal(201);
    const tool = { key: issued.body.key, secret: issued.body.secret };
    expect((await get('/api/officials/nguyen/transcript', tool)).status).to.equal(200);
    expect((await lrs.call('GET', 'statements', { as: tool })).status).to.equal(200);
    expect((await lrs.call('POST', 'statements', { as: tool, json: {} })).status).to.equal(403);
    expect((await get('/api/admin/credentials', tool)).status).to.equal(403);
  });

  it('refuses a role a credential cannot hold and a policy unit without a jurisdiction, naming the field', async () => {
    const call = async (body: Record<string, unknown>) => {
      const res = await admin('POST', '/api/admin/credentials', JSON.stringify(body));
      const text = await res.text();
      return {
        status: res.status,
        text,
        body: JSON.parse(text),
        error: JSON.parse(text).error,
        headers: res.headers,
      };
    };
    expectProblem(await call({ name: 'x', roles: ['admin'] }), 400, 'credential.roles', '/roles');
    expectProblem(await call({ name: 'x', roles: ['official'] }), 400, 'credential.roles', '/roles');
    expectProblem(
      await call({ name: 'x', roles: ['policy-unit'] }),
      400,
      'credential.jurisdiction',
      '/jurisdiction',
    );
    expectProblem(await call({ name: 'x', roles: 'auditor' }), 400, 'credential.roles', '/roles');
    expectProblem(await call({ name: 'x' }), 400, 'credential.scopes', '/scopes');
    expectProblem(
      await call({ name: 'x', roles: ['policy-unit'], jurisdiction: 'a b' }),
      400,
      'credential.jurisdiction',
      '/jurisdiction',
    );
  });
});
