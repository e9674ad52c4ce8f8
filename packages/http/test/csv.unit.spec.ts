import { expect } from 'chai';
import { csvCell, csvWriter } from '../src/csv';

describe('csv exports', () => {
  it('neutralises cells a spreadsheet would run as a formula', () => {
    expect(csvCell('=HYPERLINK("http://evil.example","x")')).to.equal(
      '"\'=HYPERLINK(""http://evil.example"",""x"")"',
    );
    for (const start of ['=', '+', '-', '@', '\t', '\r'])
      expect(csvCell(`${start}1`).replace(/^"/, '').startsWith("'"), JSON.stringify(start)).to.equal(true);
    expect(csvCell('District 1')).to.equal('District 1');
    expect(csvCell(-1.5)).to.equal('-1.5');
    expect(csvCell(null)).to.equal('');
  });
  it('quotes commas, quotes and line breaks (RFC 4180)', () => {
    expect(csvCell('a,b')).to.equal('"a,b"');
    expect(csvCell('say "hi"')).to.equal('"say ""hi"""');
    expect(csvCell('two\nlines')).to.equal('"two\nlines"');
  });
  it('writes a BOM, the preamble, the header and the rows with CRLF', () => {
    const text = csvWriter({
      preamble: ['기준 2026-12-15'],
      header: ['성명', '시간'],
      rows: [['이서연', 8]],
    });
    expect(text).to.equal('\uFEFF기준 2026-12-15\r\n성명,시간\r\n이서연,8\r\n');
  });
});
