import { createHash, randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { chainOn } from '../src/migration-events';

describe('the fingerprint chains of a migration (decision 080, point 5)', () => {
  it('link as SHA-256 of the chain so far (hex) then the event digest, as anyone recomputes them from a backup', () => {
    let chain = '0'.repeat(64);
    let expected = chain;
    for (let i = 0; i < 50; i++) {
      const digest = randomBytes(32);
      chain = chainOn(chain, digest);
      expected = createHash('sha256').update(expected).update(digest).digest('hex');
      expect(chain).to.equal(expected);
    }
  });

  it('links a digest given as a view into a larger buffer by its own 32 bytes', () => {
    const digests = randomBytes(96);
    const view = digests.subarray(32, 64);
    expect(chainOn('a'.repeat(64), view)).to.equal(
      createHash('sha256').update('a'.repeat(64)).update(view).digest('hex'),
    );
  });
});
