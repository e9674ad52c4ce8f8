// Decision 059: a policy unit is offered, and opens on, its own jurisdiction's policies only.
import { anOfficial, aPolicy } from '@lrs/testkit';
import { jurisdictionOfPolicy, OrgTree, type Policy, policiesInScope, termTitles } from '@lrs/training';
import { expect } from 'chai';

const tree = new OrgTree([
  { org_unit_id: 'city', name: 'City', parent: null },
  { org_unit_id: 'district-1', name: 'District 1', parent: 'city' },
  { org_unit_id: 'supervision-centre', name: 'Provincial Supervision Centre', parent: null },
  { org_unit_id: 'xa-my-tho', name: 'Xã Mỹ Thọ', parent: null },
]);
const officials = [
  anOfficial('kim').inOrgUnit('district-1').inJurisdiction('city').build(),
  anOfficial('li-na').inOrgUnit('supervision-centre').inJurisdiction('province').build(),
  anOfficial('ub-nguyen').inOrgUnit('xa-my-tho').inJurisdiction('dong-thap').build(),
];
const policies: Policy[] = [
  aPolicy('a-city-annual').calendarYear('Asia/Seoul').forOrgUnits('city').build(),
  aPolicy('b-dong-thap-commune').calendarYear('Asia/Ho_Chi_Minh').forJurisdictions('dong-thap').build(),
  aPolicy('c-provincial-cohort').calendarYear('Asia/Shanghai').forJurisdictions('province').build(),
];
const reader = {
  policies: () => policies,
  officialSummaries: () => officials,
  orgTree: () => tree,
};
const scoped = (jurisdiction: string | null) => [...policiesInScope(reader, jurisdiction).keys()];

describe('the policies of a jurisdiction (policiesInScope)', () => {
  it('auditors and admins (no jurisdiction) have every policy', () => {
    expect(scoped(null)).to.deep.equal(['a-city-annual', 'b-dong-thap-commune', 'c-provincial-cohort']);
  });

  it('a policy unit has the policies naming its jurisdiction, never another jurisdiction’s', () => {
    expect(scoped('province')).to.deep.equal(['c-provincial-cohort']);
    expect(scoped('dong-thap')).to.deep.equal(['b-dong-thap-commune']);
  });

  it('a policy naming no jurisdiction belongs to the jurisdictions whose officials it holds, after their own', () => {
    expect(scoped('city')).to.deep.equal(['a-city-annual']);
    const everyone = aPolicy('z-everyone').calendarYear('UTC').build();
    const more = { ...reader, policies: () => [everyone, ...policies] };
    expect([...policiesInScope(more, 'province').keys()]).to.deep.equal([
      'c-provincial-cohort',
      'z-everyone',
    ]);
    expect([...policiesInScope(more, 'nowhere').keys()]).to.deep.equal([]);
  });
});

describe('the jurisdiction a policy and its reporting duties belong to (jurisdictionOfPolicy, decision 075)', () => {
  it('is the one jurisdiction whose policy unit has the policy in scope', () => {
    expect(jurisdictionOfPolicy(reader, 'b-dong-thap-commune')).to.equal('dong-thap');
    expect(jurisdictionOfPolicy(reader, 'c-provincial-cohort')).to.equal('province');
    expect(jurisdictionOfPolicy(reader, 'a-city-annual')).to.equal('city');
  });

  it('is no one’s (auditors’ only) when officials of several jurisdictions are under it, or none', () => {
    const everyone = aPolicy('z-everyone').calendarYear('UTC').build();
    const more = { ...reader, policies: () => [everyone, ...policies] };
    expect(jurisdictionOfPolicy(more, 'z-everyone')).to.equal(null);
    expect(jurisdictionOfPolicy(reader, 'no-such-policy')).to.equal(null);
  });
});

describe('category and staff-group titles the policies carry (termTitles, decision 076)', () => {
  const commune: Policy = {
    ...policies[1]!,
    categoryTitles: { 'child-protection': { 'vi-VN': 'Bảo vệ trẻ em', 'en-US': 'Child protection' } },
    staffGroupTitles: { collaborator: { 'vi-VN': 'Cộng tác viên công tác xã hội' } },
  };
  const other: Policy = {
    ...policies[2]!,
    categoryTitles: { 'child-protection': { 'zh-CN': '儿童保护' }, defence: { 'zh-CN': '结业答辩' } },
  };

  it('gives each term its language map; the first policy naming a term wins (the reader’s own first)', () => {
    const titles = termTitles([commune, other]);
    expect(titles('category', 'child-protection')).to.deep.equal({
      'vi-VN': 'Bảo vệ trẻ em',
      'en-US': 'Child protection',
    });
    expect(titles('category', 'defence')).to.deep.equal({ 'zh-CN': '结业答辩' });
    expect(titles('staffGroup', 'collaborator')).to.deep.equal({ 'vi-VN': 'Cộng tác viên công tác xã hội' });
    expect(titles('staffGroup', 'child-protection'), 'kinds are apart').to.equal(undefined);
    expect(termTitles([other, commune])('category', 'child-protection')).to.deep.equal({
      'zh-CN': '儿童保护',
    });
  });
});
