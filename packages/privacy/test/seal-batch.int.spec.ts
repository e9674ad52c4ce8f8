import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Statement } from '@lrs/xapi';
import { expect } from 'chai';
import { KeyStore } from '../src/key-store';
import { encrypt, openStatement, sealStatements } from '../src/seal';

// Decision 081: what ingest seals, and what it leaves in the clear.
const credentialAuthority = {
  objectType: 'Agent',
  name: 'Seoul eLMS',
  account: { homePage: 'https://lrs.example.org', name: 'seoul-elms' },
};
const personAsAuthority = {
  objectType: 'Agent',
  name: 'Hana Okonkwo-Lindqvist',
  account: { homePage: 'https://lrs.example.org', name: 'hana-ol-2291' },
};
const learner = { objectType: 'Agent', name: 'Minjun Szabo', mbox: 'mailto:minjun.szabo@example.org' };

const statementBy = (authority: object, id: string) =>
  ({
    id,
    actor: learner,
    verb: { id: 'http://adlnet.gov/expapi/verbs/completed' },
    object: { objectType: 'Activity', id: 'https://example.org/courses/ethics-1' },
    result: { completion: true, response: 'I live at 4 Rue Haute' },
    authority,
  }) as unknown as Statement;

describe('sealing what ingest stores (decision 081)', () => {
  let dir: string;
  let keys: KeyStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'seal-batch-'));
    keys = KeyStore.open(join(dir, 'keys.sqlite'));
  });
  afterEach(() => {
    keys.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const open = (s: Statement) => openStatement(s, (p) => keys.key(p));

  it('leaves the writing credential’s own account in the clear as authority, and seals the learner', async () => {
    const [sealed] = await sealStatements([statementBy(credentialAuthority, 'c1')], keys, {
      lrsAuthority: credentialAuthority as never,
    });
    const text = JSON.stringify(sealed);
    expect(sealed!.authority).to.deep.equal(credentialAuthority);
    // Same place in the payload as before sealing: the key order is kept.
    expect(Object.keys(sealed!)).to.deep.equal(Object.keys(statementBy(credentialAuthority, 'c1')));
    for (const secret of ['Minjun Szabo', 'minjun.szabo@example.org', '4 Rue Haute'])
      expect(text).to.not.include(secret);
    expect(keys.find('account:https://lrs.example.org|seoul-elms')).to.equal(undefined);
    const opened = open(sealed!);
    expect(opened.statement).to.deep.equal(statementBy(credentialAuthority, 'c1'));
    expect(opened.subjects.map((s) => s.ifi)).to.deep.equal(['mbox:mailto:minjun.szabo@example.org']);
  });

  it('seals a person who is the authority (a token’s subject, a remote LRS’s authority)', async () => {
    const [bySomeoneElse, asTokenSubject] = await sealStatements(
      [statementBy(personAsAuthority, 'p1')],
      keys,
      { lrsAuthority: credentialAuthority as never },
    ).then(async (a) => [...a, ...(await sealStatements([statementBy(personAsAuthority, 'p2')], keys))]);
    for (const sealed of [bySomeoneElse!, asTokenSubject!]) {
      const text = JSON.stringify(sealed);
      expect(text).to.not.include('Hana Okonkwo-Lindqvist');
      expect(text).to.not.include('hana-ol-2291');
      expect(open(sealed).statement.authority).to.deep.equal(personAsAuthority);
    }
  });

  it('reads statements sealed before this change (authority sealed too) as before', async () => {
    const [old] = await sealStatements([statementBy(credentialAuthority, 'o1')], keys);
    expect(JSON.stringify(old)).to.not.include('seoul-elms');
    expect(open(old!).statement).to.deep.equal(statementBy(credentialAuthority, 'o1'));
  });

  it('never repeats an IV, across refills of the pool', () => {
    const key = Buffer.alloc(32, 7);
    const ivs = new Set<string>();
    for (let i = 0; i < 3000; i++) ivs.add(encrypt(key, 'p-x', { n: 1 }).slice(3, 19));
    expect(ivs.size).to.equal(3000);
  });

  it('seals one person’s same value to the same string, and a changed value anew', async () => {
    const renamed = { ...learner, name: 'Minjun Szabo-Park' };
    const [a, b, c] = await sealStatements(
      [
        statementBy(credentialAuthority, 'r1'),
        statementBy(credentialAuthority, 'r2'),
        { ...statementBy(credentialAuthority, 'r3'), actor: renamed } as unknown as Statement,
      ],
      keys,
    );
    const v = (s: Statement) => (s.actor as unknown as { sealed: { s: string; v: string } }).sealed;
    expect(v(a!)).to.deep.equal(v(b!));
    expect(v(c!).s).to.equal(v(a!).s);
    expect(v(c!).v.slice(3, 19)).to.not.equal(v(a!).v.slice(3, 19)); // another IV
    expect(open(c!).statement.actor).to.deep.equal(renamed);
  });

  it('once a key is destroyed, a value opened before with it no longer opens', async () => {
    const [sealed] = await sealStatements([statementBy(credentialAuthority, 'd1')], keys);
    expect(open(sealed!).statement.actor).to.deep.equal(learner);
    const pseudonym = keys.find('mbox:mailto:minjun.szabo@example.org')!.pseudonym;
    keys.destroy([pseudonym]);
    const after = open(sealed!).statement;
    expect(after.actor).to.deep.equal({
      objectType: 'Agent',
      account: { homePage: 'urn:lrs:erased', name: pseudonym },
    });
    expect(JSON.stringify(after)).to.not.include('4 Rue Haute');
  });
});
