import { aGroup, anActivity, anAgent, aStatement, verbs } from '@lrs/testkit';
import { expect } from 'chai';
import {
  prepareStatementForStorage,
  type Statement,
  statementsEquivalent,
  type XapiVersion,
} from '../src/index';

const lrsAuthority = anAgent().withAccount('https://lrs.example.org', 'lms-1').build();
const STORED = new Date('2024-05-01T03:04:05.678Z');
const ID = 'fd41c918-b88b-4b20-a0a5-a4c32391aaa0';

function store(statement: Statement, version: XapiVersion = '1.0.3') {
  return prepareStatementForStorage(statement, {
    version,
    authority: lrsAuthority,
    stored: STORED,
    id: () => ID.toUpperCase(),
  });
}

describe('xAPI Data 2.3.1 properties the LRS sets (prepareStatementForStorage)', () => {
  it('assigns a lowercase id when none is sent (2.4.1)', () => {
    expect(store(aStatement().build()).id).to.equal(ID);
  });

  it('keeps a sent id, lowercased', () => {
    expect(store(aStatement().withId('AAAAAAAA-1111-4222-8333-444444444444').build()).id).to.equal(
      'aaaaaaaa-1111-4222-8333-444444444444',
    );
  });

  it('sets stored in UTC with milliseconds, overwriting a sent value (2.4.8)', () => {
    expect(store(aStatement().set('/stored', '2000-01-01T00:00:00Z').build()).stored).to.equal(
      '2024-05-01T03:04:05.678Z',
    );
  });

  it('sets timestamp to stored when absent (2.4.7)', () => {
    expect(store(aStatement().build()).timestamp).to.equal('2024-05-01T03:04:05.678Z');
  });

  it("overwrites the authority with the credential's, unless trusted (2.4.9)", () => {
    const sent = aStatement().withAuthority(anAgent().withMbox('mailto:claims@example.org')).build();
    expect(store(sent).authority).to.deep.equal(lrsAuthority);
    const trusted = prepareStatementForStorage(sent, {
      version: '1.0.3',
      authority: lrsAuthority,
      stored: STORED,
      trustSubmittedAuthority: true,
    });
    expect(trusted.authority).to.deep.equal(sent.authority);
  });

  it('sets version 1.0.0 under 1.0.3 and 2.0.0 under 2.0, keeping a sent one (2.4.10)', () => {
    expect(store(aStatement().build(), '1.0.3').version).to.equal('1.0.0');
    expect(store(aStatement().build(), '2.0.0').version).to.equal('2.0.0');
    expect(store(aStatement().withVersion('1.0.3').build(), '2.0.0').version).to.equal('1.0.3');
  });

  it('keeps a 1.0.3 timestamp as sent and converts a 2.0 one to UTC', () => {
    const sent = aStatement().at('2024-03-01T09:30:00.1234+09:00').build();
    expect(store(sent, '1.0.3').timestamp).to.equal('2024-03-01T09:30:00.1234+09:00');
    expect(store(sent, '2.0.0').timestamp).to.equal('2024-03-01T00:30:00.1234Z');
  });

  it('stores 2.0 durations at 0.01 s precision, 1.0.3 ones as sent', () => {
    const sent = aStatement().lasting('PT1M2.3456S').build();
    expect(store(sent, '1.0.3').result?.duration).to.equal('PT1M2.3456S');
    expect(store(sent, '2.0.0').result?.duration).to.equal('PT1M2.34S');
  });

  it('stores every contextActivities value as an array (2.4.6.2)', () => {
    const sent = aStatement()
      .withContext({ contextActivities: { parent: { id: 'https://example.org/course/1' } } })
      .build();
    expect(store(sent).context?.contextActivities?.parent).to.deep.equal([
      { id: 'https://example.org/course/1' },
    ]);
  });

  it('does not modify its input', () => {
    const sent = aStatement().build();
    const copy = structuredClone(sent);
    store(sent);
    expect(sent).to.deep.equal(copy);
  });
});

describe('xAPI Data 2.3.1 Statement Comparison Requirements (statementsEquivalent)', () => {
  const original = () =>
    aStatement()
      .withId(ID)
      .withActor(
        aGroup().withMembers(
          anAgent().withMbox('mailto:a@example.org'),
          anAgent().withMbox('mailto:b@example.org'),
        ),
      )
      .withActivity(anActivity().named({ en: 'Ethics' }))
      .at('2024-03-01T09:30:00.000+09:00')
      .lasting('PT1.234S')
      .withContext({
        registration: 'ec531277-b57b-4c15-8d91-d292c5b2b8f7',
        contextActivities: { parent: { id: 'https://example.org/p' } },
      });

  it('a statement is equivalent to its own stored form', () => {
    const sent = original().build();
    expect(statementsEquivalent(sent, store(sent, '2.0.0'))).to.equal(true);
  });

  it('ignores differences the LRS could have caused', () => {
    const a = original().build();
    const b = original()
      .withId(ID.toUpperCase())
      .withActor(
        aGroup().withMembers(
          anAgent().withMbox('mailto:b@EXAMPLE.org'),
          anAgent().withMbox('mailto:a@example.org'),
        ),
      )
      .withActivity(anActivity().named({ en: 'Ethics (revised)' }))
      .withVerb({ id: verbs.completed.id, display: { 'ko-KR': '완료' } })
      .at('2024-03-01T00:30:00Z')
      .lasting('PT1.23S')
      .withContext({
        registration: 'EC531277-B57B-4C15-8D91-D292C5B2B8F7',
        contextActivities: { parent: [{ id: 'https://example.org/p' }] },
      })
      .withVersion('1.0.0')
      .withAuthority(anAgent().withMbox('mailto:lrs@example.org'))
      .set('/stored', '2024-03-02T00:00:00Z')
      .build();
    expect(statementsEquivalent(a, b)).to.equal(true);
  });

  it('ignores a timestamp present on one side only (set by the LRS)', () => {
    expect(statementsEquivalent(original().unset('/timestamp').build(), original().build())).to.equal(true);
  });

  for (const [what, change] of [
    ['verb id', (b: ReturnType<typeof original>) => b.withVerb(verbs.passed)],
    ['activity id', (b: ReturnType<typeof original>) => b.withActivity('https://example.org/course/2')],
    ['timestamp instant', (b: ReturnType<typeof original>) => b.at('2024-03-01T09:30:00.001+09:00')],
    ['duration at 0.01 s', (b: ReturnType<typeof original>) => b.lasting('PT1.24S')],
    ['duration units', (b: ReturnType<typeof original>) => b.lasting('PT0M1.234S')],
    ['result success', (b: ReturnType<typeof original>) => b.succeeded(false)],
    [
      'a group member',
      (b: ReturnType<typeof original>) =>
        b.withActor(aGroup().withMembers(anAgent().withMbox('mailto:a@example.org'))),
    ],
    ['actor name', (b: ReturnType<typeof original>) => b.set('/actor/name', 'Team')],
    [
      'extension value',
      (b: ReturnType<typeof original>) => b.withResult({ extensions: { 'https://example.org/x': 1 } }),
    ],
    [
      'mbox local part case',
      (b: ReturnType<typeof original>) => b.withActor(anAgent().withMbox('mailto:A@example.org')),
    ],
  ] as const) {
    it(`does not ignore a different ${what}`, () => {
      expect(statementsEquivalent(original().build(), change(original()).build())).to.equal(false);
    });
  }
});
