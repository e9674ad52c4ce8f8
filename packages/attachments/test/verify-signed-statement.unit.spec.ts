import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { expect } from 'chai';
import { verifySignedStatement } from '../src';
import { anAttachment, aStatement } from './support/builders';
import { expectAttachmentError } from './support/expectations';
import { makeCertificateChain, type Signer, signJws, withSignatureAttachment } from './support/signing';

// Stands in for @lrs/xapi's statementsEquivalent: these tests never rely on its leniencies.
const equivalent = (a: unknown, b: unknown) => isDeepStrictEqual(a, b);

describe('verifySignedStatement (xAPI Data 2.6)', () => {
  let key: KeyObject;
  let publicKey: KeyObject;
  let chain: { leaf: Signer; otherCa: string } | null;

  before(function () {
    this.timeout(30_000);
    ({ privateKey: key, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 }));
    chain = makeCertificateChain();
  });

  const verify = (statement: Record<string, unknown>, jws: string) => () =>
    verifySignedStatement(statement, Buffer.from(jws), { equivalent });

  describe('with an x5c certificate chain', () => {
    beforeEach(function () {
      if (chain === null) {
        console.log('      (skipped: openssl is not installed, no test certificate can be made)');
        this.skip();
      }
    });

    it('accepts a statement signed with RS256 by the key of the first x5c certificate', () => {
      const original = aStatement(anAttachment('essay').object);
      const jws = signJws(original, { key: chain!.leaf.key, x5c: chain!.leaf.x5c });

      const result = verifySignedStatement(withSignatureAttachment(original, jws), jws, { equivalent });

      expect(result.algorithm).to.equal('RS256');
      expect(result.verifiedWith).to.equal('x5c');
      expect(result.certificate!.subject).to.contain('Course Platform Signer');
      expect(result.payload).to.deep.equal(original);
    });

    it('rejects a signature made with a key other than the certificate’s', async () => {
      const original = aStatement();
      const jws = signJws(original, { key, x5c: chain!.leaf.x5c });
      const err = await expectAttachmentError(
        verify(withSignatureAttachment(original, jws), jws),
        400,
        'signature.invalid',
      );
      expect(err.message).to.contain('does not verify');
    });

    it('rejects a chain whose first certificate is not issued by the next', async () => {
      const original = aStatement();
      const jws = signJws(original, { key: chain!.leaf.key, x5c: [chain!.leaf.x5c[0]!, chain!.otherCa] });
      await expectAttachmentError(
        verify(withSignatureAttachment(original, jws), jws),
        400,
        'signature.certificate',
      );
    });

    it('rejects an x5c entry that is not a certificate', async () => {
      const original = aStatement();
      const jws = signJws(original, { key: chain!.leaf.key, x5c: ['bm90IGEgY2VydGlmaWNhdGU='] });
      await expectAttachmentError(
        verify(withSignatureAttachment(original, jws), jws),
        400,
        'signature.malformed',
      );
    });
  });

  it('verifies the signed statement of the spec (Data Appendix D, RS256 with x5c)', () => {
    const jws = readFileSync(new URL('./fixtures/xapi-data-appendix-d.jws', import.meta.url), 'utf8').trim();
    const payload = JSON.parse(Buffer.from(jws.split('.')[1]!, 'base64url').toString('utf8')) as Record<
      string,
      unknown
    >;
    const result = verifySignedStatement(withSignatureAttachment(payload, jws), jws, { equivalent });
    expect(result.verifiedWith).to.equal('x5c');
    expect(result.payload['id']).to.equal('33cff416-e331-4c9d-969e-5373a1756120');
  });

  it('verifies RS384 and RS512 against a key the LRS knows when there is no x5c', () => {
    for (const alg of ['RS384', 'RS512'] as const) {
      const original = aStatement();
      const jws = signJws(original, { key, alg });
      const result = verifySignedStatement(withSignatureAttachment(original, jws), jws, {
        equivalent,
        publicKey,
      });
      expect([result.algorithm, result.verifiedWith]).to.deep.equal([alg, 'publicKey']);
    }
  });

  it('accepts a signature without x5c it has no key for: Data 2.6 requires checking only a header certificate', () => {
    const original = aStatement();
    const jws = signJws(original, { key });
    const result = verifySignedStatement(withSignatureAttachment(original, jws), jws, { equivalent });
    expect(result.verifiedWith).to.equal('unverified');
  });

  it('keeps the statement’s other attachments in the comparison', () => {
    const original = aStatement(anAttachment('certificate scan').object);
    const jws = signJws(original, { key });
    expect(() =>
      verifySignedStatement(withSignatureAttachment(original, jws), jws, { equivalent, publicKey }),
    ).to.not.throw();
  });

  it('rejects a statement changed after it was signed', async () => {
    const original = aStatement();
    const jws = signJws(original, { key });
    const received = withSignatureAttachment(
      { ...original, verb: { id: 'http://adlnet.gov/expapi/verbs/passed' } },
      jws,
    );
    const err = await expectAttachmentError(verify(received, jws), 400, 'signature.mismatch');
    expect(err.message).to.equal(
      'the signed statement (JWS payload) is not equivalent to the statement received',
    );
    expect(err.pointer).to.equal('/attachments/0');
  });

  it('rejects a JWS whose payload was altered after signing', async () => {
    const original = aStatement();
    const [h, , s] = signJws(original, { key }).split('.');
    const forged = aStatement(anAttachment('added later').object);
    const jws = `${h}.${Buffer.from(JSON.stringify(forged)).toString('base64url')}.${s}`;
    await expectAttachmentError(
      () => verifySignedStatement(withSignatureAttachment(forged, jws), jws, { equivalent, publicKey }),
      400,
      'signature.invalid',
    );
  });

  it('rejects algorithms other than RS256/384/512, including HS256 and none', async () => {
    for (const alg of ['HS256', 'none'] as const) {
      const original = aStatement();
      const jws = signJws(original, { key, alg });
      const err = await expectAttachmentError(
        verify(withSignatureAttachment(original, jws), jws),
        400,
        'signature.algorithm',
      );
      expect(err.message).to.contain(`not "${alg}"`);
    }
  });

  it('rejects a signature attachment whose contentType is not application/octet-stream', async () => {
    const original = aStatement();
    const jws = signJws(original, { key });
    await expectAttachmentError(
      verify(withSignatureAttachment(original, jws, 'text/plain; charset=ascii'), jws),
      400,
      'signature.content-type',
    );
  });

  describe('rejects a malformed JWS', () => {
    it('whose payload is not valid JSON', async () => {
      const original = aStatement();
      const jws = signJws(original, { key, rawPayload: JSON.stringify(original).replace('"', "'") });
      const err = await expectAttachmentError(
        verify(withSignatureAttachment(original, jws), jws),
        400,
        'signature.malformed',
      );
      expect(err.message).to.equal('the JWS payload is not valid JSON');
    });

    it('in JSON serialisation, or not three base64url segments', async () => {
      const original = aStatement();
      for (const jws of [
        JSON.stringify({ payload: 'e30', signatures: [] }),
        'abc.def',
        'a.b.c.d',
        'a+b.c.d',
      ]) {
        await expectAttachmentError(
          verify(withSignatureAttachment(original, jws), jws),
          400,
          'signature.malformed',
        );
      }
    });

    it('with an empty signature, even when there is no key to check it with', async () => {
      const original = aStatement();
      const [h, p] = signJws(original, { key }).split('.');
      const jws = `${h}.${p}.`;
      const err = await expectAttachmentError(
        verify(withSignatureAttachment(original, jws), jws),
        400,
        'signature.malformed',
      );
      expect(err.message).to.equal('the JWS has an empty signature');
    });

    it('whose bytes are not those of the statement’s signature attachment', async () => {
      const original = aStatement();
      const jws = signJws(original, { key });
      const other = signJws({ ...original, id: '6690e6c9-3ef0-4ed3-8b37-7f3964730bee' }, { key });
      const err = await expectAttachmentError(
        verify(withSignatureAttachment(original, jws), other),
        400,
        'signature.malformed',
      );
      expect(err.message).to.contain('sha2');
    });
  });
});
