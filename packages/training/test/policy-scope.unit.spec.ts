// Decision 059: a policy unit is offered, and opens on, its own jurisdiction's policies only.
import { anOfficial, aPolicy } from '@lrs/testkit';
import { OrgTree, type Policy, policiesInScope } from '@lrs/training';
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
