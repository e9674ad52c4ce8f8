import { CertificateCodes, CertificateIndex, normalizeShortCode } from '@lrs/service-portal';
import { expect } from 'chai';

describe('certificate short codes', () => {
  const codes = new CertificateCodes('k'.repeat(40));
  const claim = { officialId: 'E00001', policyId: 'city-annual', period: '2026' };

  it('are twelve unambiguous characters in groups of four, the same for the same claim', () => {
    const code = codes.short(claim);
    expect(code).to.match(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
    expect(codes.short({ ...claim })).to.equal(code);
    expect(codes.short({ ...claim, period: '2025' })).to.not.equal(code);
    expect(new CertificateCodes('z'.repeat(40)).short(claim)).to.not.equal(code);
  });

  it('read as typed: case, spaces, hyphens and look-alike letters do not matter', () => {
    expect(normalizeShortCode('7k3m q9px 2hdr')).to.equal('7K3M-Q9PX-2HDR');
    expect(normalizeShortCode('7K3MQ9PX2HDR')).to.equal('7K3M-Q9PX-2HDR');
    expect(normalizeShortCode('OIL0-0000-0000')).to.equal('0110-0000-0000');
    expect(normalizeShortCode('7K3M-Q9PX-2HD')).to.equal(null);
    expect(normalizeShortCode('7K3M-Q9PX-2HDU')).to.equal(null);
    expect(normalizeShortCode('eyJhbGciOi.abc')).to.equal(null);
  });

  it('find their claim among the completion rows, and the index follows the read model', () => {
    let rows = [claim, { ...claim, officialId: 'E00002' }];
    let position = '1';
    const index = new CertificateIndex(
      codes,
      () => rows,
      () => position,
    );
    expect(index.find(codes.short(claim))).to.deep.equal(claim);
    expect(index.find('0000-0000-0000')).to.equal(null);
    const third = { ...claim, officialId: 'E00003' };
    rows = [...rows, third];
    expect(index.find(codes.short(third))).to.equal(null);
    position = '2';
    expect(index.find(codes.short(third))).to.deep.equal(third);
  });
});
