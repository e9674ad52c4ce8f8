import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN, basic, type Credential, TestLrs } from '@lrs/server/testing';
import { expect } from 'chai';
import { runCli } from '../src/cli';

const SECRET = 'a-shared-secret-of-32-characters';

async function api(lrs: TestLrs, method: string, path: string, json?: unknown, as: Credential = ADMIN) {
  const res = await fetch(`${lrs.url}/api/connectors/webhooks${path}`, {
    method,
    headers: {
      Authorization: basic(as),
      ...(json === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    ...(json === undefined ? {} : { body: JSON.stringify(json) }),
  });
  const text = await res.text();
  return { status: res.status, text, body: text ? (JSON.parse(text) as Record<string, unknown>) : null };
}

describe('completion webhooks admin API (running LRS)', () => {
  let lrs: TestLrs;
  beforeEach(async () => {
    lrs = await TestLrs.start();
  });
  afterEach(async () => lrs.stop());

  it('creates, shows and deletes a subscription without ever returning its secret', async () => {
    const created = await api(lrs, 'POST', '', {
      id: 'hr',
      url: 'https://hr.example/hook',
      secret: SECRET,
      filter: { orgUnits: ['seoul'], statuses: ['completed'] },
    });
    expect(created.status, created.text).to.equal(201);
    const shown = await api(lrs, 'GET', '/hr');
    expect(shown.body).to.deep.include({ id: 'hr', url: 'https://hr.example/hook', secretSet: true });
    const listed = await api(lrs, 'GET', '');
    for (const reply of [created, shown, listed]) expect(reply.text).not.to.contain(SECRET);

    // An update may leave the secret out: the old one is kept.
    const updated = await api(lrs, 'PUT', '/hr', { url: 'https://hr.example/v2' });
    expect(updated.status, updated.text).to.equal(200);
    expect(lrs.system.connectors.webhooks!.get('hr')!.secret).to.equal(SECRET);

    expect((await api(lrs, 'DELETE', '/hr')).status).to.equal(204);
    const gone = await api(lrs, 'GET', '/hr');
    expect(gone.status).to.equal(404);
    expect(gone.body).to.deep.include({
      error: { ...(gone.body!.error as object), rule: 'webhook.unknown' },
    });
  });

  it('rejects a plain-http URL naming the field, and writes nothing', async () => {
    const before = (await lrs.system.log.readAll()).length;
    const reply = await api(lrs, 'POST', '', { url: 'http://hr.example/hook', secret: SECRET });
    expect(reply.status).to.equal(400);
    expect(reply.body!.error).to.include({ rule: 'webhook.url.scheme', pointer: '/body/url' });
    expect((await lrs.system.log.readAll()).length).to.equal(before);
  });

  it('refuses a credential without the admin scope', async () => {
    const lms = await lrs.issueCredential('lms', ['statements/write']);
    const reply = await api(lrs, 'POST', '', { url: 'https://hr.example/hook', secret: SECRET }, lms);
    expect(reply.status).to.equal(403);
    expect(reply.body!.error).to.include({ rule: 'auth.scope' });
  });

  it('reads the real completion read model (no rows yet: no changes) and reports its queue', async () => {
    const webhooks = lrs.system.connectors.webhooks!;
    expect(webhooks.scanOnce()).to.equal(0);
    const reply = await api(lrs, 'GET', '');
    expect((reply.body!.status as { deliveries: unknown }).deliveries).to.deep.equal({
      pending: 0,
      delivered: 0,
      dead: 0,
    });
  });

  it('CLI: webhooks add FILE then remove ID (exit 0), an unknown id exits 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'webhooks-cli-'));
    try {
      const file = join(dir, 'hr.json');
      writeFileSync(file, JSON.stringify({ id: 'hr', url: 'https://hr.example/hook', secret: SECRET }));
      const cli = (...args: string[]) =>
        runCli([...args, '--url', lrs.url, '--key', ADMIN.key, '--secret', ADMIN.secret]);
      expect(await cli('webhooks', 'add', file)).to.equal(0);
      expect(lrs.system.connectors.webhooks!.get('hr')?.url).to.equal('https://hr.example/hook');
      expect(await cli('webhooks', 'remove', 'hr')).to.equal(0);
      expect(await cli('webhooks', 'remove', 'hr')).to.equal(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
