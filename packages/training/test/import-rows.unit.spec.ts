// Reference-data files as an administrator writes them: a problem is reported at the line a person
// must open to fix it.
import { parseReferenceFile } from '@lrs/training';
import { expect } from 'chai';

describe('Reference-data files: where a problem is reported', () => {
  it('a quote that opens on line 3 and is never closed is reported at line 3, not at the end of the file', () => {
    const csv = [
      'org_unit_id,name,parent',
      'city,City,',
      '"district-a,District A,city',
      'district-b,District B,city',
      'district-c,District C,city',
    ].join('\n');
    expect(parseReferenceFile('org-units', csv, 'csv').problems).to.deep.equal([
      { line: 3, field: '', message: 'not valid CSV: a quote opens on this line and is never closed' },
    ]);
  });

  it('a quoted name over two lines is one record, and a doubled quote is a quote', () => {
    const csv = ['org_unit_id,name,parent', 'city,"The ""Old""', 'City",'].join('\n');
    const parsed = parseReferenceFile('org-units', csv, 'csv');
    expect(parsed.problems).to.deep.equal([]);
    expect(parsed.records).to.deep.equal([{ orgUnitId: 'city', name: 'The "Old"\nCity', parent: null }]);
  });
});

describe('Officials files: a dated staff group (decision 057)', () => {
  const header = 'official_id,name,org_unit,staff_group,staff_group_from,jurisdiction';
  it('a staff_group_from column dates the staff group; a record without one stays as it was', () => {
    const csv = [
      header,
      'chan,Chan Tai-man,ss-north,clerical,2024-10-01,hk',
      'lee,Lee Ka-yan,ss-north,clerical,,hk',
    ].join('\n');
    const parsed = parseReferenceFile('officials', csv, 'csv');
    expect(parsed.problems).to.deep.equal([]);
    expect(parsed.records.map((r) => (r as { staffGroupFrom?: string }).staffGroupFrom)).to.deep.equal([
      '2024-10-01',
      undefined,
    ]);
    expect(parsed.records[1]).to.not.have.property('staffGroupFrom');
  });

  it('a staff_group_from that is not a date is a problem at its line and field', () => {
    const csv = [header, 'chan,Chan Tai-man,ss-north,clerical,1 Oct 2024,hk'].join('\n');
    expect(parseReferenceFile('officials', csv, 'csv').problems).to.deep.equal([
      { line: 2, field: 'staffGroupFrom', message: 'must be a date YYYY-MM-DD' },
    ]);
  });
});
