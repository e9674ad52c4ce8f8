import { expect } from 'chai';
import { newPseudonym } from '../src/key-store';

describe('a new subject’s pseudonym (decision 089)', () => {
  it('is p- and a UUID version 7, the shape every reader of pseudonyms accepts', () => {
    const pseudonym = newPseudonym(Date.UTC(2026, 11, 6, 19, 0, 0));
    expect(pseudonym).to.match(/^p-[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    // The first 48 bits are the time it was made, in milliseconds.
    expect(Number.parseInt(pseudonym.slice(2, 15).replace('-', ''), 16)).to.equal(
      Date.UTC(2026, 11, 6, 19, 0, 0),
    );
  });

  it('a later subject sorts after an earlier one, so the key store appends instead of inserting at random', () => {
    const earlier = newPseudonym(1_796_000_000_000);
    const later = newPseudonym(1_796_000_000_001);
    expect(earlier < later).to.equal(true);
  });

  it('subjects made in the same millisecond still differ (74 random bits)', () => {
    const at = Date.now();
    const made = new Set(Array.from({ length: 10_000 }, () => newPseudonym(at)));
    expect(made.size).to.equal(10_000);
  });
});
