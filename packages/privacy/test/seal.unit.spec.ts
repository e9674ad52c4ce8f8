import { randomBytes } from 'node:crypto';
import type { Statement } from '@lrs/xapi';
import { expect } from 'chai';
import type { Subject } from '../src/key-store';
import { ERASED_HOME_PAGE, eraseAgentsIn, identifiersIn, openStatement, sealStatement } from '../src/seal';

const ana = { objectType: 'Agent', name: 'Ana Quillfeather', mbox: 'mailto:ana.q@example.org' };
const ben = { name: 'Ben Instructor', account: { homePage: 'https://lms.example.org', name: 'ben-77' } };
const cy = { mbox: 'mailto:cy@example.org' };
const statement = {
  id: '6f1e3c2a-5d4b-4a3c-9e8f-7a6b5c4d3e2f',
  actor: ana,
  verb: { id: 'http://adlnet.gov/expapi/verbs/answered' },
  object: { id: 'https://example.org/quiz/1' },
  result: {
    success: true,
    response: 'My home address is 12 Elm St',
    extensions: { 'https://x/e': 'free text' },
  },
  context: { instructor: ben, team: { objectType: 'Group', member: [cy] } },
  authority: { objectType: 'Agent', account: { homePage: 'https://lrs.example.org', name: 'lms' } },
} as unknown as Statement;

function subjectsOf(s: Statement): Map<string, Subject> {
  return new Map(identifiersIn(s).map((ifi, i) => [ifi, { pseudonym: `p-${i}`, key: randomBytes(32) }]));
}

describe('sealing a statement’s personal values (decision 065)', () => {
  it('leaves no name, identifier or free text in the sealed statement, only pseudonyms', () => {
    const subjects = subjectsOf(statement);
    const text = JSON.stringify(sealStatement(statement, subjects));
    for (const secret of [
      'Ana Quillfeather',
      'ana.q@example.org',
      'Ben Instructor',
      'ben-77',
      'cy@example.org',
      '12 Elm St',
      'free text',
    ])
      expect(text).to.not.include(secret);
    for (const { pseudonym } of subjects.values()) expect(text).to.include(pseudonym);
    expect(text).to.include('"success":true');
  });

  it('opens to the same statement, and names who is in it', () => {
    const subjects = subjectsOf(statement);
    const keys = new Map([...subjects.values()].map((s) => [s.pseudonym, s.key]));
    const opened = openStatement(sealStatement(statement, subjects), (p) => keys.get(p));
    expect(opened.statement).to.deep.equal(statement);
    expect(opened.subjects.map((s) => s.ifi).sort()).to.deep.equal([...subjects.keys()].sort());
  });

  it('reads a person whose key is destroyed as the erased agent, and drops their free text', () => {
    const subjects = subjectsOf(statement);
    const anaSubject = subjects.get('mbox:mailto:ana.q@example.org')!;
    const keys = new Map([...subjects.values()].map((s) => [s.pseudonym, s.key]));
    keys.delete(anaSubject.pseudonym);
    const { statement: opened } = openStatement(sealStatement(statement, subjects), (p) => keys.get(p));
    expect(opened.actor).to.deep.equal({
      objectType: 'Agent',
      account: { homePage: ERASED_HOME_PAGE, name: anaSubject.pseudonym },
    });
    expect(opened.result).to.deep.equal({ success: true });
    expect(opened.context?.instructor).to.deep.equal(ben);
  });

  it('a tampered sealed value does not open (AES-GCM authentication)', () => {
    const subjects = subjectsOf(statement);
    const keys = new Map([...subjects.values()].map((s) => [s.pseudonym, s.key]));
    const sealed = sealStatement(statement, subjects) as unknown as { actor: { sealed: { v: string } } };
    const v = sealed.actor.sealed.v;
    // The second-to-last character changed for another one, always (a base64url letter of the body).
    const changed = v.at(-2) === 'A' ? 'B' : 'A';
    sealed.actor.sealed.v = `${v.slice(0, -2)}${changed}${v.slice(-1)}`;
    expect(sealed.actor.sealed.v).to.not.equal(v);
    expect(() => openStatement(sealed as unknown as Statement, (p) => keys.get(p))).to.throw();
  });

  it('a read model replaces an erased person in a statement it keeps (eraseAgentsIn)', () => {
    const out = eraseAgentsIn(statement, new Set(['account:https://lms.example.org|ben-77']), 'p-ben');
    expect(out.context?.instructor).to.deep.equal({ account: { homePage: ERASED_HOME_PAGE, name: 'p-ben' } });
    expect(out.actor).to.deep.equal(ana);
  });
});
