import { aGroup, anAgent } from '@lrs/testkit';
import { expect } from 'chai';
import {
  agentIfiKeys,
  groupMemberIfiKeys,
  isValidationIssues,
  mboxSha1,
  parseAgentParameter,
} from '../src/index';

describe('Agent parameter (xAPI Data 2.2: parameters validated like Statement values)', () => {
  it('returns the Agent for a valid parameter', () => {
    const agent = parseAgentParameter('{"mbox":"mailto:kim@example.org"}');
    expect(agent).to.deep.equal({ mbox: 'mailto:kim@example.org' });
  });

  it('returns an Identified Group when groups are allowed', () => {
    expect(
      isValidationIssues(
        parseAgentParameter(JSON.stringify(aGroup().identifiedByMbox('mailto:t@example.org').build())),
      ),
    ).to.equal(false);
  });

  for (const [json, pointer, rule] of [
    ['{not json', '', 'agent-parameter.invalid-json'],
    ['"mailto:kim@example.org"', '', 'agent-parameter.not-an-object'],
    ['{"mbox":"kim@example.org"}', '/mbox', 'format.mailto-iri'],
    ['{"name":"Kim"}', '', 'agent.exactly-one-ifi'],
    ['{"mbox":"mailto:k@example.org","openid":"http://o.example.org"}', '', 'agent.exactly-one-ifi'],
    ['{"mbox":"mailto:k@example.org","age":3}', '/age', 'schema.unknown-property'],
    ['{"account":{"homePage":"lms","name":"1"}}', '/account/homePage', 'format.irl'],
    [
      '{"objectType":"Group","member":[{"mbox":"mailto:k@example.org"}]}',
      '',
      'agent-parameter.group-needs-ifi',
    ],
  ] as const) {
    it(`rejects ${json} at "${pointer}" (${rule})`, () => {
      const result = parseAgentParameter(json);
      expect(isValidationIssues(result)).to.equal(true);
      const issue = isValidationIssues(result)
        ? result.find((i) => i.pointer === pointer && i.rule === rule)
        : undefined;
      expect(issue, JSON.stringify(result)).to.not.equal(undefined);
      expect(issue!.message).to.match(/xAPI/);
    });
  }

  it('rejects a Group where only an Agent is allowed', () => {
    const result = parseAgentParameter('{"objectType":"Group","mbox":"mailto:t@example.org"}', {
      allowGroup: false,
    });
    expect(result).to.have.nested.property('[0].rule', 'agent-parameter.group-not-allowed');
  });
});

describe('IFI keys for indexing (xAPI Data 2.4.2.3)', () => {
  it('gives one stable key per identifier kind', () => {
    expect(agentIfiKeys(anAgent().withMbox('mailto:Kim@Example.ORG').build())).to.deep.equal([
      'mbox:mailto:Kim@example.org',
    ]);
    expect(
      agentIfiKeys(anAgent().withMboxSha1sum('EBD31E95054C018B10727CCFFD2EF2EC3A016EE9').build()),
    ).to.deep.equal(['mbox_sha1sum:ebd31e95054c018b10727ccffd2ef2ec3a016ee9']);
    expect(agentIfiKeys(anAgent().withOpenid('http://o.example.org/k').build())).to.deep.equal([
      'openid:http://o.example.org/k',
    ]);
    expect(agentIfiKeys(anAgent().withAccount('https://lms.example.org', 'u-1').build())).to.deep.equal([
      'account:https://lms.example.org|u-1',
    ]);
  });

  it("keeps a Group's own key apart from its members' keys", () => {
    const group = aGroup()
      .identifiedByMbox('mailto:team@example.org')
      .withMembers(anAgent().withMbox('mailto:a@example.org'))
      .build();
    expect(agentIfiKeys(group)).to.deep.equal(['mbox:mailto:team@example.org']);
    expect(groupMemberIfiKeys(group)).to.deep.equal(['mbox:mailto:a@example.org']);
    expect(agentIfiKeys(aGroup().withMembers(anAgent()).build())).to.deep.equal([]);
  });

  it('hashes an mbox to its mbox_sha1sum with the domain lowercased', () => {
    expect(mboxSha1('mailto:test@example.com')).to.equal('53d04bc579b8b4d082ca4a530642845e2c0bfe74');
    expect(mboxSha1('mailto:test@EXAMPLE.com')).to.equal('53d04bc579b8b4d082ca4a530642845e2c0bfe74');
  });
});
