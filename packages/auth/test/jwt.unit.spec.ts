import { generateKeyPairSync } from 'node:crypto';
import { expect } from 'chai';
import nock from 'nock';
import { JwtVerifier, type TokenRejected } from '../src/index';
import { aToken, HS_SECRET, RSA_PUBLIC_PEM, rsa } from './support/tokens';

async function rejectionOf(verifier: JwtVerifier, token: string): Promise<TokenRejected> {
  try {
    await verifier.verify(token);
  } catch (error) {
    return error as TokenRejected;
  }
  throw new Error('token was accepted');
}

describe('JwtVerifier', () => {
  before(() => nock.disableNetConnect());
  after(() => {
    nock.cleanAll();
    nock.enableNetConnect();
  });

  it('is absent when no key source is configured', () => {
    expect(JwtVerifier.fromConfig({})).to.equal(null);
  });

  describe('HS256', () => {
    const verifier = new JwtVerifier({ hs256Secret: HS_SECRET, issuer: 'https://idp.gov', audience: 'lrs' });
    const token = () => aToken().with({ iss: 'https://idp.gov', aud: 'lrs' });

    it('accepts a valid token and returns its claims', async () => {
      const claims = await verifier.verify(token().forRole('official', { official_id: 'O-7' }).signedHs256());
      expect(claims).to.include({ sub: 'user-1', role: 'official', official_id: 'O-7' });
    });

    it('rejects a token signed with another secret', async () => {
      const error = await rejectionOf(
        verifier,
        token().signedHs256('another-secret-that-is-32-chars-long!!'),
      );
      expect(error.reason).to.equal('signature');
    });

    it('rejects alg none', async () => {
      expect((await rejectionOf(verifier, token().unsigned())).reason).to.equal('algorithm');
    });

    it('rejects an RS256 token when only HS256 is configured', async () => {
      expect((await rejectionOf(verifier, token().signedRs256())).reason).to.equal('algorithm');
    });

    it('rejects expired and not-yet-valid tokens beyond the clock tolerance', async () => {
      expect((await rejectionOf(verifier, token().expiringIn(-120).signedHs256())).reason).to.equal(
        'expired',
      );
      expect((await rejectionOf(verifier, token().validFromIn(300).signedHs256())).reason).to.equal(
        'not_yet_valid',
      );
      // Within the 30 s tolerance a small skew is accepted.
      await verifier.verify(token().expiringIn(-5).signedHs256());
    });

    it('rejects a wrong audience and a wrong issuer', async () => {
      expect((await rejectionOf(verifier, token().with({ aud: 'other' }).signedHs256())).reason).to.equal(
        'audience',
      );
      expect(
        (await rejectionOf(verifier, token().with({ iss: 'https://evil' }).signedHs256())).reason,
      ).to.equal('issuer');
    });

    it('rejects a token without exp', async () => {
      expect((await rejectionOf(verifier, token().withoutExpiry().signedHs256())).reason).to.equal(
        'no_expiry',
      );
    });

    it('rejects garbage', async () => {
      expect((await rejectionOf(verifier, 'not.a.jwt')).reason).to.equal('malformed');
    });
  });

  describe('RS256 with a PEM public key', () => {
    const verifier = new JwtVerifier({ publicKeyPem: RSA_PUBLIC_PEM });

    it('accepts a token signed with the private key', async () => {
      expect(await verifier.verify(aToken().signedRs256())).to.include({ sub: 'user-1' });
    });

    it('rejects the HS/RS confusion attack (HS256 keyed with the public PEM)', async () => {
      expect((await rejectionOf(verifier, aToken().hs256WithPublicKeyAsSecret())).reason).to.equal(
        'algorithm',
      );
    });

    it('rejects a token signed by another RSA key', async () => {
      const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
      expect((await rejectionOf(verifier, aToken().signedRs256(other.privateKey))).reason).to.equal(
        'signature',
      );
    });

    it('rejects alg none', async () => {
      expect((await rejectionOf(verifier, aToken().unsigned())).reason).to.equal('algorithm');
    });
  });

  describe('JWKS', () => {
    const ISSUER = 'https://idp.example.gov';
    const jwk = (key = rsa.publicKey, kid = 'k1') => ({
      ...key.export({ format: 'jwk' }),
      kid,
      use: 'sig',
      alg: 'RS256',
    });
    let clock = 1_000_000;
    const verifier = () =>
      new JwtVerifier(
        { jwksUrl: `${ISSUER}/.well-known/jwks.json` },
        { jwks: { minRefetchIntervalMs: 30_000, ttlMs: 600_000, now: () => clock } },
      );
    afterEach(() => nock.cleanAll());

    it('fetches the keys once and verifies by kid', async () => {
      const scope = nock(ISSUER)
        .get('/.well-known/jwks.json')
        .once()
        .reply(200, { keys: [jwk()] });
      const v = verifier();
      expect(await v.verify(aToken().signedRs256(rsa.privateKey, 'k1'))).to.include({ sub: 'user-1' });
      expect(await v.verify(aToken().signedRs256(rsa.privateKey, 'k1'))).to.include({ sub: 'user-1' });
      expect(scope.isDone()).to.equal(true);
    });

    it('refetches for an unknown kid at most once per interval (key rotation)', async () => {
      const rotated = generateKeyPairSync('rsa', { modulusLength: 2048 });
      nock(ISSUER)
        .get('/.well-known/jwks.json')
        .once()
        .reply(200, { keys: [jwk()] });
      const v = verifier();
      await v.verify(aToken().signedRs256(rsa.privateKey, 'k1'));

      const refetch = nock(ISSUER)
        .get('/.well-known/jwks.json')
        .once()
        .reply(200, { keys: [jwk(), jwk(rotated.publicKey, 'k2')] });

      // Within the interval an unknown kid does not hit the issuer again.
      clock += 1_000;
      const unknown = await rejectionOf(v, aToken().signedRs256(rotated.privateKey, 'k2'));
      expect(unknown.reason).to.equal('unknown_kid');
      expect(refetch.isDone()).to.equal(false);

      clock += 30_000;
      expect(await v.verify(aToken().signedRs256(rotated.privateKey, 'k2'))).to.include({ sub: 'user-1' });
      expect(refetch.isDone()).to.equal(true);
    });

    it('ignores symmetric keys published in the JWKS (no HS/RS confusion through it)', async () => {
      nock(ISSUER)
        .get('/.well-known/jwks.json')
        .reply(200, { keys: [{ kty: 'oct', kid: 'sym', k: Buffer.from(HS_SECRET).toString('base64url') }] });
      const error = await rejectionOf(verifier(), aToken().with({}).signedHs256());
      expect(error.reason).to.equal('jwks_unavailable');
    });

    it('reports jwks_unavailable when the issuer cannot be reached and no key is cached', async () => {
      nock(ISSUER).get('/.well-known/jwks.json').reply(500);
      expect((await rejectionOf(verifier(), aToken().signedRs256(rsa.privateKey, 'k1'))).reason).to.equal(
        'jwks_unavailable',
      );
    });

    it('keeps serving cached keys when a refetch fails after the TTL', async () => {
      nock(ISSUER)
        .get('/.well-known/jwks.json')
        .once()
        .reply(200, { keys: [jwk()] });
      const v = verifier();
      await v.verify(aToken().signedRs256(rsa.privateKey, 'k1'));
      clock += 700_000;
      const failed = nock(ISSUER).get('/.well-known/jwks.json').once().reply(503);
      expect(await v.verify(aToken().signedRs256(rsa.privateKey, 'k1'))).to.include({ sub: 'user-1' });
      expect(failed.isDone()).to.equal(true);
    });
  });
});
