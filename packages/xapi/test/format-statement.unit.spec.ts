import { aGroup, anActivity, anAgent, aStatement } from '@lrs/testkit';
import { expect } from 'chai';
import { formatStatement, parseAcceptLanguage, pickLanguage, type Statement } from '../src/index';

const statement = (): Statement =>
  aStatement()
    .withActor(anAgent().named('Kim').withAccount('https://lms.example.org', 'u-1'))
    .withVerb({
      id: 'http://adlnet.gov/expapi/verbs/attended',
      display: { 'en-US': 'attended', 'ko-KR': '참석함' },
    })
    .withActivity(
      anActivity('https://example.org/course/ethics')
        .named({ 'ko-KR': '복지 윤리', 'en-US': 'Welfare ethics', en: 'Ethics' })
        .described({ 'en-US': 'Basic course', 'ko-KR': '기초 과정' })
        .withDefinition({
          interactionType: 'choice',
          choices: [{ id: 'a', description: { 'en-US': 'A', 'ko-KR': '가' } }],
        }),
    )
    .withContext({
      instructor: anAgent().named('Lee').withMbox('mailto:lee@example.org').build(),
      team: aGroup().withMembers(anAgent().named('Park').withMbox('mailto:park@example.org')).build(),
      contextActivities: {
        parent: { id: 'https://example.org/programme', definition: { name: { en: 'Programme' } } },
      },
    })
    .build();

describe('xAPI Communication 2.1.3 format parameter (formatStatement)', () => {
  it('exact returns the statement as received, contextActivities as arrays', () => {
    const out = formatStatement(statement(), 'exact');
    expect(out.verb).to.deep.equal(statement().verb);
    expect(out.context?.contextActivities?.parent).to.be.an('array').with.length(1);
  });

  it('ids reduces Agents, Groups, Activities and Verbs to their identifiers', () => {
    const out = formatStatement(statement(), 'ids');
    expect(out.actor).to.deep.equal({
      objectType: 'Agent',
      account: { homePage: 'https://lms.example.org', name: 'u-1' },
    });
    expect(out.verb).to.deep.equal({ id: 'http://adlnet.gov/expapi/verbs/attended' });
    expect(out.object).to.deep.equal({ id: 'https://example.org/course/ethics' });
    expect(out.context?.instructor).to.deep.equal({ objectType: 'Agent', mbox: 'mailto:lee@example.org' });
    // An Anonymous Group keeps what identifies each member.
    expect(out.context?.team).to.deep.equal({
      objectType: 'Group',
      member: [{ objectType: 'Agent', mbox: 'mailto:park@example.org' }],
    });
    expect(out.context?.contextActivities?.parent).to.deep.equal([{ id: 'https://example.org/programme' }]);
  });

  it('canonical keeps one language per map, chosen by Accept-Language', () => {
    const out = formatStatement(statement(), 'canonical', parseAcceptLanguage('ko-KR, en;q=0.5'));
    const activity = out.object as {
      definition: { name: object; description: object; choices: { description: object }[] };
    };
    expect(activity.definition.name).to.deep.equal({ 'ko-KR': '복지 윤리' });
    expect(activity.definition.description).to.deep.equal({ 'ko-KR': '기초 과정' });
    expect(activity.definition.choices[0]!.description).to.deep.equal({ 'ko-KR': '가' });
    expect(out.verb.display).to.deep.equal({ 'ko-KR': '참석함' });
    // Agents are returned as in exact.
    expect(out.actor).to.deep.equal(statement().actor);
  });

  it("canonical uses the LRS's canonical definition when it has one", () => {
    const out = formatStatement(statement(), 'canonical', ['en-US'], {
      activityDefinition: (id) =>
        id === 'https://example.org/course/ethics'
          ? { name: { 'en-US': 'Welfare ethics (2025)', fr: 'Éthique' } }
          : undefined,
    });
    expect((out.object as { definition: object }).definition).to.deep.equal({
      name: { 'en-US': 'Welfare ethics (2025)' },
    });
  });

  it('recurses into a SubStatement', () => {
    const outer = aStatement()
      .withObject(aStatement().withActivity(anActivity().named({ en: 'A', ko: '가' })))
      .build();
    const out = formatStatement(outer, 'ids');
    expect((out.object as { object: unknown }).object).to.deep.equal({ id: 'https://example.org/course/1' });
  });
});

describe('Accept-Language (RFC 2616 §14.4) for canonical language maps', () => {
  it('orders ranges by quality, dropping q=0 and malformed entries', () => {
    expect(parseAcceptLanguage('da, en-gb;q=0.8, en;q=0.7')).to.deep.equal(['da', 'en-gb', 'en']);
    expect(parseAcceptLanguage('en;q=0.1, ko-KR;q=0.9, fr;q=0, !!')).to.deep.equal(['ko-KR', 'en']);
    expect(parseAcceptLanguage(undefined)).to.deep.equal([]);
  });

  it('picks an exact or prefix match, then a shortened range, then the first entry', () => {
    const map = { 'en-US': 'x', 'ko-KR': 'y', fr: 'z' };
    expect(pickLanguage(map, ['KO-kr'])).to.equal('ko-KR');
    expect(pickLanguage(map, ['ko'])).to.equal('ko-KR');
    expect(pickLanguage(map, ['fr-CA'])).to.equal('fr');
    expect(pickLanguage(map, ['de'])).to.equal('en-US');
    expect(pickLanguage(map, ['*'])).to.equal('en-US');
  });
});
