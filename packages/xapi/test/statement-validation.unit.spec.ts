import { aGroup, anActivity, anAgent, anAttachment, aStatement, verbs } from '@lrs/testkit';
import { expect } from 'chai';
import { validateStatement, validateStatementBatch } from '../src/index';
import { expectRejected, expectValid } from './helpers';

const REGISTRATION = 'ec531277-b57b-4c15-8d91-d292c5b2b8f7';
const STATEMENT_ID = 'fd41c918-b88b-4b20-a0a5-a4c32391aaa0';

describe('xAPI Data 2.2 Formatting Requirements', () => {
  it('accepts the simplest statement: actor, verb, object', () => {
    expectValid(aStatement());
  });

  for (const property of ['actor', 'verb', 'object']) {
    it(`rejects a statement without "${property}"`, () => {
      expectRejected(aStatement().unset(`/${property}`), `/${property}`, 'schema.missing-property');
    });
  }

  it('rejects a value that is not an object', () => {
    for (const value of [null, [], 'statement', 42]) {
      expect(validateStatement(value, '1.0.3')).to.have.length.greaterThan(0);
    }
  });

  it('rejects null values outside extensions', () => {
    expectRejected(aStatement().set('/actor/name', null), '/actor/name', 'schema.null-value');
    expectRejected(aStatement().set('/result', { success: null }), '/result/success', 'schema.null-value');
  });

  it('accepts null values inside extensions (xAPI Data 4.1)', () => {
    expectValid(aStatement().withResult({ extensions: { 'https://example.org/ext/x': null } }));
  });

  it('rejects a string where a number is required, even if it holds a number', () => {
    expectRejected(
      aStatement().scored({ raw: '5' as unknown as number }),
      '/result/score/raw',
      'schema.wrong-type',
    );
  });

  it('rejects a string where a boolean is required, even if it holds a boolean', () => {
    expectRejected(
      aStatement().withResult({ success: 'true' as unknown as boolean }),
      '/result/success',
      'schema.wrong-type',
    );
  });

  it('rejects a key whose case differs from the specification', () => {
    expectRejected(
      aStatement().unset('/verb').set('/Verb', verbs.completed),
      '/Verb',
      'schema.unknown-property',
    );
  });

  it('rejects an enumerated value whose case differs (objectType "agent")', () => {
    expectRejected(
      aStatement().set('/actor/objectType', 'agent'),
      '/actor/objectType',
      'schema.invalid-value',
    );
  });

  it('rejects properties the specification does not define, in both versions', () => {
    expectRejected(aStatement().set('/extra', 1), '/extra', 'schema.unknown-property');
    expectRejected(aStatement().set('/actor/age', 3), '/actor/age', 'schema.unknown-property');
    expectRejected(
      aStatement().set('/object/definition/colour', 'red'),
      '/object/definition/colour',
      'schema.unknown-property',
    );
  });

  it('rejects the empty string where a formatted string is required', () => {
    expectRejected(aStatement().withId(''), '/id', 'format.uuid');
    expectRejected(aStatement().withVerb(''), '/verb/id', 'format.iri');
  });
});

describe('xAPI Data 2.3.2 Voiding', () => {
  it('accepts a voiding statement whose object is a StatementRef', () => {
    expectValid(aStatement().voiding(STATEMENT_ID));
  });

  it('rejects a voiding statement whose object is an Activity', () => {
    expectRejected(aStatement().withVerb(verbs.voided), '/object', 'voiding.object-must-be-statement-ref');
  });

  it('rejects a StatementRef without an id', () => {
    expectRejected(
      aStatement().voiding(STATEMENT_ID).unset('/object/id'),
      '/object/id',
      'schema.missing-property',
    );
  });
});

describe('xAPI Data 2.4.1 ID', () => {
  it('accepts a UUID in standard form, in either case', () => {
    expectValid(aStatement().withId(STATEMENT_ID));
    expectValid(aStatement().withId(STATEMENT_ID.toUpperCase()));
  });

  for (const bad of [
    'fd41c918b88b4b20a0a5a4c32391aaa0',
    '{fd41c918-b88b-4b20-a0a5-a4c32391aaa0}',
    'not-a-uuid',
    'fd41c918-b88b-4b20-a0a5-a4c32391aaaz',
  ]) {
    it(`rejects id "${bad}"`, () => {
      expectRejected(aStatement().withId(bad), '/id', 'format.uuid');
    });
  }

  it('rejects a numeric id', () => {
    expectRejected(aStatement().set('/id', 123), '/id', 'schema.wrong-type');
  });
});

describe('xAPI Data 2.4.2.1 Agent', () => {
  it('accepts each of the four Inverse Functional Identifiers', () => {
    expectValid(aStatement().withActor(anAgent().withMbox('mailto:kim@example.org')));
    expectValid(
      aStatement().withActor(anAgent().withMboxSha1sum('ebd31e95054c018b10727ccffd2ef2ec3a016ee9')),
    );
    expectValid(aStatement().withActor(anAgent().withOpenid('http://toby.openid.example.org/')));
    expectValid(aStatement().withActor(anAgent().withAccount('https://lms.example.org', '1625378')));
  });

  it('accepts an Agent without objectType', () => {
    expectValid(aStatement().withActor(anAgent().withoutObjectType()));
  });

  it('rejects an Agent without an Inverse Functional Identifier', () => {
    expectRejected(
      aStatement().withActor({ objectType: 'Agent', name: 'Nobody' }),
      '/actor',
      'agent.exactly-one-ifi',
    );
  });

  it('rejects an Agent with two Inverse Functional Identifiers', () => {
    expectRejected(
      aStatement().set('/actor/openid', 'http://openid.example.org/kim'),
      '/actor',
      'agent.exactly-one-ifi',
    );
  });

  it('rejects a name that is not a string', () => {
    expectRejected(aStatement().set('/actor/name', 7), '/actor/name', 'schema.wrong-type');
  });
});

describe('xAPI Data 2.4.2.2 Group', () => {
  const member = anAgent().withMbox('mailto:member@example.org');

  it('accepts an Anonymous Group with members', () => {
    expectValid(aStatement().withActor(aGroup().withMembers(member)));
  });

  it('accepts an Identified Group with or without members', () => {
    expectValid(aStatement().withActor(aGroup().identifiedByMbox('mailto:team@example.org')));
    expectValid(
      aStatement().withActor(
        aGroup().identifiedByAccount('https://lms.example.org', 'team-7').withMembers(member),
      ),
    );
  });

  it('rejects an Anonymous Group without members', () => {
    expectRejected(aStatement().withActor(aGroup()), '/actor/member', 'group.anonymous-requires-member');
  });

  it('rejects an Identified Group with two Inverse Functional Identifiers', () => {
    expectRejected(
      aStatement().withActor(
        aGroup()
          .identifiedByMbox('mailto:team@example.org')
          .identifiedByAccount('https://lms.example.org', 't'),
      ),
      '/actor',
      'group.exactly-one-ifi',
    );
  });

  it('rejects a Group among the members', () => {
    expectRejected(
      aStatement()
        .withActor(aGroup().withMembers(member))
        .set('/actor/member/-', { objectType: 'Group', mbox: 'mailto:g@example.org' }),
      '/actor/member/1',
      'group.member-not-agent',
    );
  });

  it('rejects a member without an Inverse Functional Identifier', () => {
    expectRejected(
      aStatement().withActor(aGroup().withMembers({ name: 'anonymous' })),
      '/actor/member/0',
      'agent.exactly-one-ifi',
    );
  });

  it('rejects members that are not an array', () => {
    expectRejected(
      aStatement().withActor(aGroup()).set('/actor/member', member.build()),
      '/actor/member',
      'schema.wrong-type',
    );
  });

  it('reads an actor with "member" but no objectType as an Agent and rejects "member"', () => {
    expectRejected(
      aStatement().withActor({ mbox: 'mailto:team@example.org', member: [member.build()] } as never),
      '/actor/member',
      'schema.unknown-property',
    );
  });
});

describe('xAPI Data 2.4.2.3 Inverse Functional Identifier', () => {
  for (const bad of [
    'kim@example.org',
    'mailto:kim',
    'mailto:',
    'MAILTO:kim@example.org',
    'mailto:kim @example.org',
    'mailto:kim@example..org',
  ]) {
    it(`rejects mbox "${bad}"`, () => {
      expectRejected(aStatement().withActor(anAgent().withMbox(bad)), '/actor/mbox', 'format.mailto-iri');
    });
  }

  for (const bad of [
    'ebd31e95054c018b10727ccffd2ef2ec3a016ee',
    'zbd31e95054c018b10727ccffd2ef2ec3a016ee9',
    '',
  ]) {
    it(`rejects mbox_sha1sum "${bad}"`, () => {
      expectRejected(
        aStatement().withActor(anAgent().withMboxSha1sum(bad)),
        '/actor/mbox_sha1sum',
        'format.mbox-sha1sum',
      );
    });
  }

  it('rejects an openid without a scheme', () => {
    expectRejected(
      aStatement().withActor(anAgent().withOpenid('toby.openid.example.org')),
      '/actor/openid',
      'format.iri',
    );
  });
});

describe('xAPI Data 2.4.2.4 Account Object', () => {
  it('rejects an account without homePage or name', () => {
    expectRejected(
      aStatement()
        .withActor(anAgent().withAccount('https://lms.example.org', 'x'))
        .unset('/actor/account/name'),
      '/actor/account/name',
      'schema.missing-property',
    );
    expectRejected(
      aStatement()
        .withActor(anAgent().withAccount('https://lms.example.org', 'x'))
        .unset('/actor/account/homePage'),
      '/actor/account/homePage',
      'schema.missing-property',
    );
  });

  it('rejects a homePage that is not an absolute IRL', () => {
    expectRejected(
      aStatement().withActor(anAgent().withAccount('lms.example.org', 'x')),
      '/actor/account/homePage',
      'format.irl',
    );
  });

  it('rejects a name that is not a string', () => {
    expectRejected(
      aStatement()
        .withActor(anAgent().withAccount('https://lms.example.org', 'x'))
        .set('/actor/account/name', 1625378),
      '/actor/account/name',
      'schema.wrong-type',
    );
  });
});

describe('xAPI Data 2.4.3 Verb', () => {
  it('accepts a verb without display', () => {
    expectValid(aStatement().withVerb('http://adlnet.gov/expapi/verbs/attended'));
  });

  it('rejects a verb without id', () => {
    expectRejected(aStatement().unset('/verb/id'), '/verb/id', 'schema.missing-property');
  });

  it('rejects a verb id without a scheme', () => {
    expectRejected(aStatement().withVerb('adlnet.gov/expapi/verbs/attended'), '/verb/id', 'format.iri');
  });

  it('rejects a display that is not a language map', () => {
    expectRejected(aStatement().set('/verb/display', 'completed'), '/verb/display', 'schema.wrong-type');
    expectRejected(
      aStatement().set('/verb/display', { 'en-US': 5 }),
      '/verb/display/en-US',
      'schema.wrong-type',
    );
  });
});

describe('xAPI Data 2.4.4 Object', () => {
  it('treats an object without objectType as an Activity', () => {
    expectValid(aStatement().withActivity(anActivity().withoutObjectType()));
  });

  it('rejects an unknown objectType', () => {
    expectRejected(
      aStatement().set('/object/objectType', 'Course'),
      '/object/objectType',
      'object.unknown-object-type',
    );
    expectRejected(
      aStatement().set('/object/objectType', 'activity'),
      '/object/objectType',
      'object.unknown-object-type',
    );
  });

  it('accepts an Agent or Group as object when objectType is given', () => {
    expectValid(aStatement().withObject(anAgent().withMbox('mailto:mentee@example.org')));
    expectValid(aStatement().withObject(aGroup().identifiedByMbox('mailto:team@example.org')));
  });

  it('rejects an Agent as object without objectType (xAPI Data 2.4.4.2)', () => {
    const issues = validateStatement(aStatement().withObject(anAgent().withoutObjectType()).build(), '1.0.3');
    expect(issues.map((i) => i.pointer)).to.include.members(['/object/id', '/object/mbox']);
  });

  it('validates an Agent object like an actor', () => {
    expectRejected(
      aStatement().withObject({ objectType: 'Agent', name: 'x' }),
      '/object',
      'agent.exactly-one-ifi',
    );
  });
});

describe('xAPI Data 2.4.4.1 Activity', () => {
  it('accepts a full definition', () => {
    expectValid(
      aStatement().withActivity(
        anActivity('https://example.org/course/ethics')
          .named({ 'ko-KR': '복지 윤리', 'en-US': 'Welfare ethics' })
          .described({ en: 'Basic course' })
          .ofType('http://adlnet.gov/expapi/activities/course')
          .withDefinition({
            moreInfo: 'https://example.org/catalog/ethics',
            extensions: { 'https://example.org/ext/hours': 3 },
          }),
      ),
    );
  });

  it('rejects an Activity without id', () => {
    expectRejected(aStatement().unset('/object/id'), '/object/id', 'schema.missing-property');
  });

  it('rejects an Activity id without a scheme', () => {
    expectRejected(aStatement().withActivity('example.org/course/1'), '/object/id', 'format.iri');
  });

  it('rejects a definition type or moreInfo that is not an IRI', () => {
    expectRejected(
      aStatement().withActivity(anActivity().ofType('course')),
      '/object/definition/type',
      'format.iri',
    );
    expectRejected(
      aStatement().withActivity(anActivity().withDefinition({ moreInfo: '/catalog' })),
      '/object/definition/moreInfo',
      'format.irl',
    );
  });

  it('rejects a name with an invalid language tag', () => {
    expectRejected(
      aStatement().withActivity(anActivity().named({ en_US: 'x' })),
      '/object/definition/name/en_US',
      'format.language-tag',
    );
  });
});

describe('xAPI Data 2.4.4.1 Interaction Activities', () => {
  const interaction = (definition: Record<string, unknown>) =>
    aStatement().withActivity(
      anActivity('https://example.org/q/1').withDefinition({
        type: 'http://adlnet.gov/expapi/activities/cmi.interaction',
        ...definition,
      }),
    );
  const components = [{ id: 'a', description: { 'en-US': 'A' } }, { id: 'b' }];

  it('accepts every interactionType with its own component lists', () => {
    expectValid(interaction({ interactionType: 'true-false', correctResponsesPattern: ['true'] }));
    expectValid(
      interaction({ interactionType: 'choice', choices: components, correctResponsesPattern: ['a[,]b'] }),
    );
    expectValid(interaction({ interactionType: 'sequencing', choices: components }));
    expectValid(interaction({ interactionType: 'likert', scale: components }));
    expectValid(interaction({ interactionType: 'matching', source: components, target: components }));
    expectValid(interaction({ interactionType: 'performance', steps: components }));
    for (const t of ['fill-in', 'long-fill-in', 'numeric', 'other'])
      expectValid(interaction({ interactionType: t }));
  });

  it('rejects an unknown interactionType', () => {
    expectRejected(
      interaction({ interactionType: 'essay' }),
      '/object/definition/interactionType',
      'schema.invalid-value',
    );
    expectRejected(
      interaction({ interactionType: 'True-False' }),
      '/object/definition/interactionType',
      'schema.invalid-value',
    );
  });

  it('rejects a component list the interactionType does not support', () => {
    expectRejected(
      interaction({ interactionType: 'true-false', choices: components }),
      '/object/definition/choices',
      'interaction.component-list-not-allowed',
    );
    expectRejected(
      interaction({ interactionType: 'choice', scale: components }),
      '/object/definition/scale',
      'interaction.component-list-not-allowed',
    );
    expectRejected(
      interaction({ interactionType: 'likert', steps: components }),
      '/object/definition/steps',
      'interaction.component-list-not-allowed',
    );
  });

  it('rejects component lists or correctResponsesPattern without interactionType', () => {
    expectRejected(
      interaction({ choices: components }),
      '/object/definition/choices',
      'interaction.missing-interaction-type',
    );
    expectRejected(
      interaction({ correctResponsesPattern: ['a'] }),
      '/object/definition/correctResponsesPattern',
      'interaction.missing-interaction-type',
    );
  });

  it('rejects duplicate component ids within a list', () => {
    expectRejected(
      interaction({ interactionType: 'choice', choices: [{ id: 'a' }, { id: 'a' }] }),
      '/object/definition/choices/1/id',
      'interaction.duplicate-component-id',
    );
  });

  it('rejects a component without id or with unknown properties', () => {
    expectRejected(
      interaction({ interactionType: 'choice', choices: [{ description: { en: 'x' } }] }),
      '/object/definition/choices/0/id',
      'schema.missing-property',
    );
    expectRejected(
      interaction({ interactionType: 'choice', choices: [{ id: 'a', label: 'x' }] }),
      '/object/definition/choices/0/label',
      'schema.unknown-property',
    );
  });

  it('rejects a correctResponsesPattern that is not an array of strings', () => {
    expectRejected(
      interaction({ interactionType: 'choice', correctResponsesPattern: 'a' }),
      '/object/definition/correctResponsesPattern',
      'schema.wrong-type',
    );
    expectRejected(
      interaction({ interactionType: 'numeric', correctResponsesPattern: [4] }),
      '/object/definition/correctResponsesPattern/0',
      'schema.wrong-type',
    );
  });
});

describe('xAPI Data 2.4.4.3 Statement References and SubStatements', () => {
  const sub = () =>
    aStatement()
      .withVerb('http://example.org/verbs/planned')
      .withObject(aStatement().withActivity('https://example.org/website'));

  it('accepts a StatementRef and a SubStatement', () => {
    expectValid(aStatement().referencing(STATEMENT_ID));
    expectValid(sub());
  });

  it('rejects a StatementRef with a non-UUID id', () => {
    expectRejected(aStatement().referencing('statement-1'), '/object/id', 'format.uuid');
  });

  for (const property of ['id', 'stored', 'version', 'authority']) {
    it(`rejects a SubStatement with "${property}"`, () => {
      const value =
        property === 'authority'
          ? anAgent().build()
          : property === 'id'
            ? STATEMENT_ID
            : property === 'stored'
              ? '2024-01-01T00:00:00Z'
              : '1.0.0';
      expectRejected(
        sub().set(`/object/${property}`, value),
        `/object/${property}`,
        'substatement.forbidden-property',
      );
    });
  }

  it('rejects a nested SubStatement', () => {
    expectRejected(
      sub().set('/object/object', {
        objectType: 'SubStatement',
        actor: anAgent().build(),
        verb: verbs.completed,
        object: anActivity().build(),
      }),
      '/object/object',
      'substatement.nested',
    );
  });

  it('validates the SubStatement as a Statement', () => {
    expectRejected(sub().set('/object/actor', { name: 'x' }), '/object/actor', 'agent.exactly-one-ifi');
    expectRejected(sub().unset('/object/verb'), '/object/verb', 'schema.missing-property');
    expectRejected(
      sub().set('/object/timestamp', '2024-13-01T00:00:00Z'),
      '/object/timestamp',
      'format.timestamp',
    );
  });

  it("applies the revision/platform rule to the SubStatement's own object", () => {
    expectValid(sub().set('/object/context', { platform: 'LMS' }));
    expectRejected(
      sub().set('/object/object', anAgent().build()).set('/object/context', { revision: '2' }),
      '/object/context/revision',
      'context.revision-requires-activity',
    );
  });
});

describe('xAPI Data 2.4.5 Result', () => {
  it('accepts a full result', () => {
    expectValid(
      aStatement().withResult({
        score: { scaled: 0.95, raw: 95, min: 0, max: 100 },
        success: true,
        completion: true,
        response: 'ok',
        duration: 'PT3H',
        extensions: { 'https://example.org/ext/a': { b: [1] } },
      }),
    );
  });

  it('rejects a result duration that is not ISO 8601', () => {
    expectRejected(aStatement().lasting('3 hours'), '/result/duration', 'format.duration');
  });

  it('rejects an extensions key that is not an IRI (xAPI Data 4.1)', () => {
    expectRejected(
      aStatement().withResult({ extensions: { minutes: 3 } }),
      '/result/extensions/minutes',
      'format.iri',
    );
  });
});

describe('xAPI Data 2.4.5.1 Score', () => {
  it('accepts scaled at -1 and 1 and raw equal to min or max', () => {
    expectValid(aStatement().scored({ scaled: -1 }));
    expectValid(aStatement().scored({ scaled: 1, raw: 0, min: 0, max: 10 }));
    expectValid(aStatement().scored({ raw: 10, min: 0, max: 10 }));
  });

  it('rejects scaled outside [-1, 1]', () => {
    expectRejected(aStatement().scored({ scaled: 1.01 }), '/result/score/scaled', 'schema.out-of-range');
    expectRejected(aStatement().scored({ scaled: -1.5 }), '/result/score/scaled', 'schema.out-of-range');
  });

  it('rejects raw below min or above max', () => {
    expectRejected(aStatement().scored({ raw: -1, min: 0 }), '/result/score/raw', 'score.raw-below-min');
    expectRejected(aStatement().scored({ raw: 101, max: 100 }), '/result/score/raw', 'score.raw-above-max');
  });

  it('rejects min not less than max', () => {
    expectRejected(aStatement().scored({ min: 10, max: 10 }), '/result/score/min', 'score.min-not-below-max');
    expectRejected(aStatement().scored({ min: 11, max: 10 }), '/result/score/min', 'score.min-not-below-max');
  });
});

describe('xAPI Data 2.4.6 Context', () => {
  it('accepts a full context', () => {
    expectValid(
      aStatement().withContext({
        registration: REGISTRATION,
        instructor: anAgent().withMbox('mailto:teacher@example.org').build(),
        team: aGroup().identifiedByMbox('mailto:team@example.org').build(),
        contextActivities: {
          parent: [{ id: 'https://example.org/course/1' }],
          grouping: { id: 'https://example.org/programme' },
          category: [],
          other: [],
        },
        revision: '3',
        platform: 'LMS',
        language: 'ko-KR',
        statement: { objectType: 'StatementRef', id: STATEMENT_ID },
        extensions: { 'https://example.org/ext/session': 4 },
      }),
    );
  });

  it('rejects a registration that is not a UUID', () => {
    expectRejected(aStatement().inRegistration('reg-1'), '/context/registration', 'format.uuid');
  });

  it('accepts an instructor that is a Group', () => {
    expectValid(
      aStatement().withContext({
        instructor: aGroup().identifiedByMbox('mailto:instructors@example.org').build(),
      }),
    );
  });

  it('rejects a team that is not a Group', () => {
    expectRejected(
      aStatement().withContext({ team: anAgent().build() as never }),
      '/context/team/objectType',
      'schema.invalid-value',
    );
  });

  it('rejects revision or platform when the object is not an Activity', () => {
    const aboutAgent = aStatement().withObject(anAgent().withMbox('mailto:mentee@example.org'));
    expectRejected(
      aboutAgent.withContext({ revision: '2' }),
      '/context/revision',
      'context.revision-requires-activity',
    );
    expectRejected(
      aStatement().referencing(STATEMENT_ID).withContext({ platform: 'LMS' }),
      '/context/platform',
      'context.platform-requires-activity',
    );
  });

  it('rejects an invalid language tag', () => {
    expectRejected(
      aStatement().withContext({ language: 'english!' }),
      '/context/language',
      'format.language-tag',
    );
  });

  it('rejects a context statement that is not a StatementRef', () => {
    expectRejected(
      aStatement().withContext({ statement: { objectType: 'SubStatement', id: STATEMENT_ID } as never }),
      '/context/statement/objectType',
      'schema.invalid-value',
    );
  });
});

describe('xAPI Data 2.4.6.2 ContextActivities', () => {
  it('rejects keys other than parent, grouping, category and other', () => {
    expectRejected(
      aStatement().withContext({ contextActivities: { parents: [] } as never }),
      '/context/contextActivities/parents',
      'schema.unknown-property',
    );
  });

  it('rejects values that are neither an Activity nor an array of Activities', () => {
    expectRejected(
      aStatement().withContext({ contextActivities: { parent: 'https://example.org/c' } as never }),
      '/context/contextActivities/parent',
      'schema.wrong-type',
    );
    expectRejected(
      aStatement().withContext({ contextActivities: { parent: [{ id: 'c' }] } }),
      '/context/contextActivities/parent/0/id',
      'format.iri',
    );
  });

  it('validates interaction rules inside context activities too', () => {
    expectRejected(
      aStatement().withContext({
        contextActivities: {
          other: [{ id: 'https://example.org/q', definition: { choices: [{ id: 'a' }] } }],
        },
      }),
      '/context/contextActivities/other/0/definition/choices',
      'interaction.missing-interaction-type',
    );
  });
});

describe('xAPI 2.0 Context: contextAgents and contextGroups', () => {
  const withContextAgents = (entries: unknown) => aStatement().set('/context', { contextAgents: entries });
  const withContextGroups = (entries: unknown) => aStatement().set('/context', { contextGroups: entries });
  const relevantType = 'https://example.org/types/assessor';

  it('accepts them under 2.0', () => {
    expectValid(
      withContextAgents([
        { objectType: 'contextAgent', agent: anAgent().build(), relevantTypes: [relevantType] },
      ]),
      ['2.0.0'],
    );
    expectValid(
      withContextGroups([
        { objectType: 'contextGroup', group: aGroup().identifiedByMbox('mailto:t@example.org').build() },
      ]),
      ['2.0.0'],
    );
  });

  it('rejects them under 1.0.3 as unknown properties', () => {
    expectRejected(withContextAgents([]), '/context/contextAgents', 'schema.unknown-property', ['1.0.3']);
    expectRejected(withContextGroups([]), '/context/contextGroups', 'schema.unknown-property', ['1.0.3']);
  });

  it('rejects an empty relevantTypes or one holding a non-IRI', () => {
    expectRejected(
      withContextAgents([{ objectType: 'contextAgent', agent: anAgent().build(), relevantTypes: [] }]),
      '/context/contextAgents/0/relevantTypes',
      'schema.empty-array',
      ['2.0.0'],
    );
    expectRejected(
      withContextAgents([
        { objectType: 'contextAgent', agent: anAgent().build(), relevantTypes: ['assessor'] },
      ]),
      '/context/contextAgents/0/relevantTypes/0',
      'format.iri',
      ['2.0.0'],
    );
  });

  it('rejects a wrong or missing objectType', () => {
    expectRejected(
      withContextAgents([{ objectType: 'Agent', agent: anAgent().build() }]),
      '/context/contextAgents/0/objectType',
      'schema.invalid-value',
      ['2.0.0'],
    );
    expectRejected(
      withContextGroups([{ group: aGroup().identifiedByMbox('mailto:t@example.org').build() }]),
      '/context/contextGroups/0/objectType',
      'schema.missing-property',
      ['2.0.0'],
    );
  });

  it('validates the agent and the group', () => {
    expectRejected(
      withContextAgents([{ objectType: 'contextAgent', agent: { name: 'x' } }]),
      '/context/contextAgents/0/agent',
      'agent.exactly-one-ifi',
      ['2.0.0'],
    );
    expectRejected(
      withContextGroups([{ objectType: 'contextGroup', group: { objectType: 'Group' } }]),
      '/context/contextGroups/0/group/member',
      'group.anonymous-requires-member',
      ['2.0.0'],
    );
    expectRejected(
      withContextGroups([{ objectType: 'contextGroup', group: anAgent().build() }]),
      '/context/contextGroups/0/group/objectType',
      'schema.invalid-value',
      ['2.0.0'],
    );
  });
});

describe('xAPI Data 2.4.7 Timestamp and 2.4.8 Stored', () => {
  it('accepts a timestamp and a stored value', () => {
    expectValid(aStatement().at('2024-03-01T09:30:00.123+09:00').set('/stored', '2024-03-01T00:30:00.123Z'));
  });

  it('accepts a future timestamp (xAPI Data 2.4.7: SHOULD* NOT reject)', () => {
    expectValid(aStatement().at('2999-01-01T00:00:00Z'));
  });

  it('rejects an invalid timestamp or stored', () => {
    expectRejected(aStatement().at('2024-02-30T09:30:00Z'), '/timestamp', 'format.timestamp');
    expectRejected(aStatement().set('/stored', 'yesterday'), '/stored', 'format.timestamp');
  });

  it('accepts the RFC 3339 form with a space separator under 2.0 only, and only with seconds and a zone', () => {
    expectValid(aStatement().at('2008-09-15 15:53:00.601+00:00'), ['2.0.0']);
    expectRejected(aStatement().at('2008-09-15 15:53:00.601+00:00'), '/timestamp', 'format.timestamp', [
      '1.0.3',
    ]);
    expectRejected(aStatement().at('2008-09-15 15:53'), '/timestamp', 'format.timestamp', ['2.0.0']);
  });

  for (const negativeZero of ['-00', '-0000', '-00:00']) {
    it(`rejects the negative zero offset ${negativeZero} in both versions`, () => {
      expectRejected(
        aStatement().at(`2008-09-15T15:53:00.601${negativeZero}`),
        '/timestamp',
        'format.timestamp',
      );
    });
  }
});

describe('xAPI Data 2.4.9 Authority', () => {
  it('accepts an Agent, or a Group of two Agents (3-legged OAuth)', () => {
    expectValid(aStatement().withAuthority(anAgent().withAccount('https://lrs.example.org', 'lms-1')));
    expectValid(
      aStatement().withAuthority(
        aGroup().withMembers(
          anAgent().withAccount('https://lrs.example.org/OAuth/token', 'app'),
          anAgent().withMbox('mailto:bob@example.org'),
        ),
      ),
    );
  });

  it('rejects an identified Group as authority, even with two members (ADL XAPI-00098)', () => {
    expectRejected(
      aStatement().withAuthority(
        aGroup()
          .identifiedByMbox('mailto:xapigroup@example.org')
          .withMembers(
            anAgent().withMbox('mailto:a@example.org'),
            anAgent().withMbox('mailto:b@example.org'),
          ),
      ),
      '/authority/mbox',
      'authority.group-anonymous',
    );
  });

  it('rejects a Group authority without exactly two members', () => {
    expectRejected(
      aStatement().withAuthority(aGroup().withMembers(anAgent())),
      '/authority/member',
      'authority.group-of-two',
    );
  });

  it('rejects an invalid Agent authority', () => {
    expectRejected(aStatement().withAuthority({ name: 'LMS' }), '/authority', 'agent.exactly-one-ifi');
  });
});

describe('xAPI Data 2.4.10 Version', () => {
  it('accepts 1.0 and 1.0.x in both versions (the version header format, Communication 3.3)', () => {
    expectValid(aStatement().withVersion('1.0'));
    expectValid(aStatement().withVersion('1.0.0'));
    expectValid(aStatement().withVersion('1.0.3'));
  });

  it('accepts 2.0 and 2.0.x only under 2.0', () => {
    expectValid(aStatement().withVersion('2.0.0'), ['2.0.0']);
    expectValid(aStatement().withVersion('2.0'), ['2.0.0']);
    expectRejected(aStatement().withVersion('2.0.0'), '/version', 'statement.version', ['1.0.3']);
  });

  for (const bad of ['1.1.0', '0.95', '1.0.x', '1.0.', '1', '']) {
    it(`rejects version "${bad}"`, () => {
      expectRejected(aStatement().withVersion(bad), '/version', 'statement.version');
    });
  }
});

describe('xAPI Data 2.4.11 Attachments', () => {
  it('accepts attachment metadata', () => {
    expectValid(
      aStatement().withAttachment(
        anAttachment({ description: { en: 'PDF' }, fileUrl: 'https://example.org/cert.pdf' }),
      ),
    );
  });

  for (const property of ['usageType', 'display', 'contentType', 'length', 'sha2']) {
    it(`rejects an attachment without ${property}`, () => {
      expectRejected(
        aStatement().withAttachment(anAttachment()).unset(`/attachments/0/${property}`),
        `/attachments/0/${property}`,
        'schema.missing-property',
      );
    });
  }

  it('rejects a non-integer length, a bad sha2, a bad contentType and a non-IRI usageType', () => {
    expectRejected(
      aStatement().withAttachment(anAttachment({ length: 1.5 })),
      '/attachments/0/length',
      'schema.wrong-type',
    );
    expectRejected(
      aStatement().withAttachment(anAttachment({ sha2: 'xyz' })),
      '/attachments/0/sha2',
      'format.sha2',
    );
    expectRejected(
      aStatement().withAttachment(anAttachment({ contentType: 'pdf' })),
      '/attachments/0/contentType',
      'format.content-type',
    );
    expectRejected(
      aStatement().withAttachment(anAttachment({ usageType: 'certificate' })),
      '/attachments/0/usageType',
      'format.iri',
    );
  });
});

describe('xAPI Data 4.2 Language Maps', () => {
  for (const tag of [
    'en',
    'en-US',
    'ko-KR',
    'zh-Hant-TW',
    'sr-Latn-RS',
    'es-419',
    'de-CH-1901',
    'x-private',
    'i-klingon',
    'en-a-bbb-x-ccc',
  ]) {
    it(`accepts key "${tag}"`, () => {
      expectValid(
        aStatement().withVerb({
          id: 'http://adlnet.gov/expapi/verbs/attended',
          display: { [tag]: 'attended' },
        }),
      );
    });
  }
  for (const tag of ['', 'en_US', 'englishlanguage', 'e', 'en-US-', '12-34', 'en--US']) {
    it(`rejects key "${tag}"`, () => {
      expectRejected(
        aStatement().withVerb({
          id: 'http://adlnet.gov/expapi/verbs/attended',
          display: { [tag]: 'attended' },
        }),
        `/verb/display/${tag}`,
        'format.language-tag',
      );
    });
  }
});

describe('xAPI Communication 2.1.2 batches', () => {
  it('prefixes pointers with the statement index', () => {
    const issues = validateStatementBatch(
      [aStatement().build(), aStatement().withId('nope').build()],
      '1.0.3',
    );
    expect(issues).to.have.length(1);
    expect(issues[0]).to.include({ pointer: '/1/id', rule: 'format.uuid' });
  });

  it('reports a repeated id, ignoring case', () => {
    const issues = validateStatementBatch(
      [
        aStatement().withId(STATEMENT_ID).build(),
        aStatement().build(),
        aStatement().withId(STATEMENT_ID.toUpperCase()).build(),
      ],
      '2.0.0',
    );
    expect(issues).to.have.length(1);
    expect(issues[0]).to.include({ pointer: '/2/id', rule: 'batch.duplicate-id' });
    expect(issues[0]!.message).to.contain('index 0');
  });

  it('accepts a batch of distinct valid statements', () => {
    expect(
      validateStatementBatch([aStatement().withId(STATEMENT_ID).build(), aStatement().build()], '1.0.3'),
    ).to.deep.equal([]);
  });
});
