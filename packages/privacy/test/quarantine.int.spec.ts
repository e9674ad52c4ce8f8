import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JsonObject } from '@lrs/event-log';
import { expect } from 'chai';
import { KeyStore } from '../src/key-store';
import {
  openQuarantineText,
  QUARANTINED_STATEMENT,
  type QuarantineText,
  quarantineSealer,
  sealQuarantineText,
} from '../src/quarantine';
import { openBytes, sealBytes } from '../src/sealed-bytes';

// Decision 079: quarantine records of remote LRS pulls, new and older, sealed by one rule.
const LEARNER = 'mailto:ines.vandermolen@example.org';
const record = (statement: unknown): QuarantineText & Record<string, unknown> => ({
  source: 'lms',
  statementId: 'f2b7c1de-0000-4000-8000-000000000001',
  rule: 'xapi.schema',
  reason: 'must be an IRI',
  statement: typeof statement === 'string' ? statement : JSON.stringify(statement),
});

describe('quarantine records sealed under the people they name (decision 079)', () => {
  let dir: string;
  let keys: KeyStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'quarantine-'));
    keys = KeyStore.open(join(dir, 'keys.sqlite'));
  });
  afterEach(() => {
    keys.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('seals each agent of a statement whose agents are all identifiable, keeping the rest readable', async () => {
    const received = record({
      actor: { name: 'Ines van der Molen', mbox: LEARNER },
      verb: { id: 'not an iri' },
      context: { instructor: { mbox: 'mailto:tutor@example.org' } },
      result: { response: 'Ines wrote this' },
    });
    const sealed = await sealQuarantineText(received, keys);
    expect(sealed.sealed).to.equal('agents');
    for (const needle of ['Ines', LEARNER, 'tutor@example.org'])
      expect(sealed.statement).to.not.include(needle);
    expect(JSON.parse(sealed.statement).verb).to.deep.equal({ id: 'not an iri' });
    expect(JSON.parse(openQuarantineText(sealed, keys).statement)).to.deep.equal(
      JSON.parse(received.statement),
    );
    // The learner erased: the tutor stays, the learner reads as erased, her answer is gone.
    const learner = keys.find(`mbox:${LEARNER}`)!;
    keys.destroy([learner.pseudonym]);
    const after = JSON.parse(openQuarantineText(sealed, keys).statement);
    expect(after.actor.account).to.deep.equal({ homePage: 'urn:lrs:erased', name: learner.pseudonym });
    expect(after.context.instructor.mbox).to.equal('mailto:tutor@example.org');
    expect(after.result).to.deep.equal({});
  });

  it('seals the whole text under the actor when someone in it has no identifier, and keeps text with none', async () => {
    const malformed = await sealQuarantineText(
      record({ actor: { mbox: LEARNER }, verb: 3, context: { instructor: { name: 'Only A Name' } } }),
      keys,
    );
    expect(malformed).to.include({ sealed: 'body', statement: '' });
    expect(JSON.stringify(malformed)).to.not.include('Only A Name');
    expect(openQuarantineText(malformed, keys).statement).to.include('Only A Name');
    keys.destroy([keys.find(`mbox:${LEARNER}`)!.pseudonym]);
    expect(openQuarantineText(malformed, keys)).to.include({ erased: true, statement: '' });
    // No identifier anywhere: kept as received (decision 079 says why), cut to the limit.
    const anonymous = await sealQuarantineText(
      record({ actor: { name: 'Nobody Known' }, verb: 3 }),
      keys,
      20,
    );
    expect(anonymous.sealed).to.equal(undefined);
    expect(anonymous.statement).to.have.length(20);
  });

  it("the migration's sealer seals an older record in place and leaves sealed or anonymous ones", () => {
    const older = {
      stream: 'connectors-quarantine-lms',
      type: QUARANTINED_STATEMENT,
      data: record({ actor: { mbox: LEARNER }, verb: 3 }) as unknown as JsonObject,
    };
    const sealed = quarantineSealer(older, keys)!;
    expect(sealed.stream).to.equal(older.stream);
    expect(JSON.stringify(sealed.data)).to.not.include(LEARNER);
    expect(quarantineSealer({ ...older, data: sealed.data }, keys)).to.equal(null);
    expect(quarantineSealer({ ...older, type: 'connectors.source.checkpoint' }, keys)).to.equal(null);
    const cut = {
      ...older,
      data: record('{"actor":{"mbox":"mailto:x@example.org"},"verb":') as unknown as JsonObject,
    };
    expect(quarantineSealer(cut, keys)).to.equal(null);
  });

  it('seals document bytes so that only the key opens them', () => {
    const subject = keys.subjects([`mbox:${LEARNER}`]).get(`mbox:${LEARNER}`)!;
    const content = Buffer.from('bookmark: chapter 3');
    const sealed = sealBytes(subject, content);
    expect(sealed.includes(content)).to.equal(false);
    expect(openBytes(subject.key, subject.pseudonym, sealed).equals(content)).to.equal(true);
    expect(() => openBytes(subject.key, 'p-someone-else', sealed)).to.throw();
    expect(openBytes(subject.key, subject.pseudonym, sealBytes(subject, Buffer.alloc(0))).length).to.equal(0);
  });
});
