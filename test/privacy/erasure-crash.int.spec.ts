import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN, basic, TestLrs } from '@lrs/server/testing';
import { filesContaining } from '@lrs/testkit';
import { expect } from 'chai';
import { killAfterErasureRecorded } from './support/kill-after-erasure';

const NAME = 'Oswin Trelawnyx-Hale';
const ACCOUNT = { homePage: 'https://lms.example.org', name: 'otrelawnyx-5521' };

describe('an erasure killed mid-way (SIGKILL) is finished by the next start (decision 065)', function () {
  this.timeout(120_000);
  const dataDir = mkdtempSync(join(tmpdir(), 'lrs-erasure-crash-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('after the event is recorded and before the key is destroyed: nothing readable is left after a restart', async () => {
    const first = await TestLrs.start({ LRS_DATA_DIR: dataDir });
    const id = randomUUID();
    const write = await first.call('POST', 'statements', {
      json: {
        id,
        actor: { name: NAME, account: ACCOUNT },
        verb: { id: 'http://adlnet.gov/expapi/verbs/completed' },
        object: { id: 'https://example.org/courses/ethics' },
        result: { completion: true, duration: 'PT3H' },
      },
    });
    expect(write.status, write.text).to.equal(200);
    await first.caughtUp();
    await first.stop();

    const pseudonym = await killAfterErasureRecorded(dataDir, { agent: { account: ACCOUNT } });
    // The kill came before the key's destruction: the read models still hold the person.
    expect(filesContaining(dataDir, NAME)).to.not.deep.equal([]);

    const second = await TestLrs.start({ LRS_DATA_DIR: dataDir });
    try {
      await second.caughtUp();
      await second.system.erasuresSettled;
      const byAgent = await second.call(
        'GET',
        `statements?agent=${encodeURIComponent(JSON.stringify({ account: ACCOUNT }))}`,
      );
      expect((byAgent.body as { statements: unknown[] }).statements).to.deep.equal([]);
      expect((await second.call('GET', `statements?statementId=${id}`)).status).to.equal(404);
      const list = (await (
        await fetch(`${second.url}/api/admin/erasures`, {
          headers: { Authorization: `Basic ${Buffer.from('admin:change-me-please-now').toString('base64')}` },
        })
      ).json()) as { erasures: { pseudonyms: string[] }[] };
      expect(list.erasures.map((e) => e.pseudonyms)).to.deep.equal([[pseudonym]]);
      for (const needle of [NAME, ACCOUNT.name])
        expect(filesContaining(dataDir, needle), needle).to.deep.equal([]);
    } finally {
      await second.stop();
    }
  });
});

describe('an erasure of an official killed mid-way (SIGKILL) is finished by the next start (decision 077)', function () {
  this.timeout(120_000);
  const dataDir = mkdtempSync(join(tmpdir(), 'lrs-official-erasure-crash-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));
  const OFFICIAL = 'ohale-7702';
  const OFFICIAL_NAME = 'Oriel Hale-Vantongeren';
  const OFFICIAL_ACCOUNT = { homePage: 'https://lms.example.org', name: 'ohale-acct-7702' };
  const admin = `Basic ${Buffer.from('admin:change-me-please-now').toString('base64')}`;

  it('after the event is recorded and before the keys are destroyed: the next start finishes it', async () => {
    const first = await TestLrs.start({ LRS_DATA_DIR: dataDir });
    const imported = await fetch(`${first.url}/api/admin/training/officials`, {
      method: 'POST',
      headers: { Authorization: admin, 'Content-Type': 'application/json' },
      body: JSON.stringify([
        {
          officialId: OFFICIAL,
          name: OFFICIAL_NAME,
          orgUnit: 'office-1',
          staffGroup: 'social-welfare',
          jurisdiction: 'city',
          identifiers: [{ account: OFFICIAL_ACCOUNT }],
        },
      ]),
    });
    expect(imported.status).to.equal(200);
    const write = await first.call('POST', 'statements', {
      json: {
        actor: { name: OFFICIAL_NAME, account: OFFICIAL_ACCOUNT },
        verb: { id: 'http://adlnet.gov/expapi/verbs/completed' },
        object: { id: 'https://example.org/courses/ethics' },
      },
    });
    expect(write.status, write.text).to.equal(200);
    await first.caughtUp();
    await first.stop();

    await killAfterErasureRecorded(dataDir, { officialId: OFFICIAL });
    expect(filesContaining(dataDir, OFFICIAL_NAME)).to.not.deep.equal([]);

    const second = await TestLrs.start({ LRS_DATA_DIR: dataDir });
    try {
      await second.caughtUp();
      await second.system.erasuresSettled;
      const byAgent = await second.call(
        'GET',
        `statements?agent=${encodeURIComponent(JSON.stringify({ account: OFFICIAL_ACCOUNT }))}`,
      );
      expect((byAgent.body as { statements: unknown[] }).statements).to.deep.equal([]);
      const transcript = await fetch(`${second.url}/api/officials/${OFFICIAL}/transcript`, {
        headers: { Authorization: admin },
      });
      expect(transcript.status).to.equal(404);
      for (const needle of [OFFICIAL_NAME, OFFICIAL, OFFICIAL_ACCOUNT.name])
        expect(filesContaining(dataDir, needle), needle).to.deep.equal([]);
    } finally {
      await second.stop();
    }
  });
});

describe('a log with sealed personal data never starts with a new key store (decision 065)', function () {
  this.timeout(60_000);
  const dataDir = mkdtempSync(join(tmpdir(), 'lrs-lost-keys-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('refuses to start, naming the key store, instead of reading everyone as erased', async () => {
    const first = await TestLrs.start({ LRS_DATA_DIR: dataDir });
    const write = await first.call('POST', 'statements', {
      json: {
        actor: { name: NAME, account: ACCOUNT },
        verb: { id: 'http://adlnet.gov/expapi/verbs/completed' },
        object: { id: 'https://example.org/courses/ethics' },
      },
    });
    expect(write.status, write.text).to.equal(200);
    await first.stop();
    rmSync(join(dataDir, 'privacy'), { recursive: true, force: true });
    let refused: unknown;
    try {
      const second = await TestLrs.start({ LRS_DATA_DIR: dataDir });
      await second.stop();
    } catch (error) {
      refused = error;
    }
    expect(String(refused)).to.match(/key store .*privacy\/keys\.sqlite is new/);
  });

  it('refuses too when the only personal data is the registry (a sealed official, no statement yet)', async () => {
    const registryOnly = mkdtempSync(join(tmpdir(), 'lrs-lost-keys-registry-'));
    try {
      const first = await TestLrs.start({ LRS_DATA_DIR: registryOnly });
      const imported = await fetch(`${first.url}/api/admin/training/officials`, {
        method: 'POST',
        headers: { Authorization: basic(ADMIN), 'Content-Type': 'application/json' },
        body: JSON.stringify([
          {
            officialId: 'pham-0311',
            name: 'Phạm Thị Dung',
            orgUnit: 'xa-my-tho',
            staffGroup: 'collaborator',
            jurisdiction: 'dong-thap',
            identifiers: [{ account: { homePage: 'https://elearning.example.vn', name: 'pham-0311' } }],
          },
        ]),
      });
      expect(imported.status, await imported.clone().text()).to.equal(200);
      await first.stop();
      rmSync(join(registryOnly, 'privacy'), { recursive: true, force: true });
      const refused = await TestLrs.start({ LRS_DATA_DIR: registryOnly }).then(
        (second) => second.stop(),
        (error: unknown) => error,
      );
      expect(String(refused)).to.match(/key store .*privacy\/keys\.sqlite is new/);
    } finally {
      rmSync(registryOnly, { recursive: true, force: true });
    }
  });
});
