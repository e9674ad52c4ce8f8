import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { KeyStore } from '../src/key-store';

describe('the key store really deletes (decision 065)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'key-store-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps one subject per identifier, and after destroy no byte of the key is left in any file', () => {
    const file = join(dir, 'keys.sqlite');
    const store = KeyStore.open(file);
    const first = store.subjects(['mbox:mailto:a@example.org', 'mbox:mailto:b@example.org']);
    const again = store.subjects(['mbox:mailto:a@example.org']);
    expect(again.get('mbox:mailto:a@example.org')).to.deep.equal(first.get('mbox:mailto:a@example.org'));
    const a = first.get('mbox:mailto:a@example.org')!;
    const b = first.get('mbox:mailto:b@example.org')!;
    expect(store.destroy([a.pseudonym])).to.equal(1);
    expect(store.destroy([a.pseudonym])).to.equal(0);
    expect(store.key(a.pseudonym)).to.equal(undefined);
    expect(store.find('mbox:mailto:a@example.org')).to.equal(undefined);
    expect(store.key(b.pseudonym)).to.deep.equal(b.key);
    for (const f of [file, `${file}-wal`, `${file}-journal`]) {
      if (!existsSync(f)) continue;
      const bytes = readFileSync(f);
      expect(bytes.includes(a.key), f).to.equal(false);
      expect(bytes.includes(Buffer.from(a.pseudonym)), f).to.equal(false);
    }
    expect(readFileSync(file).includes(b.key)).to.equal(true);
    store.close();
  });

  it('an identifier seen again after its erasure is a new subject', () => {
    const store = KeyStore.open(join(dir, 'keys.sqlite'));
    const before = store.subjects(['mbox:mailto:a@example.org']).get('mbox:mailto:a@example.org')!;
    store.destroy([before.pseudonym]);
    const after = store.subjects(['mbox:mailto:a@example.org']).get('mbox:mailto:a@example.org')!;
    expect(after.pseudonym).to.not.equal(before.pseudonym);
    store.close();
  });

  it('a key destroyed through another connection is never used from this one’s cache (decision 081)', () => {
    const file = join(dir, 'keys.sqlite');
    const writer = KeyStore.open(file); // the HTTP thread
    const reader = KeyStore.open(file); // the projector thread
    const a = writer.subjects(['mbox:mailto:a@example.org']).get('mbox:mailto:a@example.org')!;
    expect(reader.key(a.pseudonym)).to.deep.equal(a.key);
    // A new person elsewhere only adds rows: what the reader holds stays right.
    const b = writer.subjects(['mbox:mailto:b@example.org']).get('mbox:mailto:b@example.org')!;
    expect(reader.key(a.pseudonym)).to.deep.equal(a.key);
    expect(reader.key(b.pseudonym)).to.deep.equal(b.key);
    expect(reader.find('mbox:mailto:a@example.org')?.pseudonym).to.equal(a.pseudonym);
    // An erasure on the writer's connection: the reader, checked once, no longer has the key.
    writer.destroy([a.pseudonym]);
    reader.refresh();
    expect(reader.keyChecked(a.pseudonym)).to.equal(undefined);
    expect(reader.find('mbox:mailto:a@example.org')).to.equal(undefined);
    expect(reader.keyChecked(b.pseudonym)).to.deep.equal(b.key);
    // Several erasures in a row each count.
    writer.destroy([b.pseudonym]);
    expect(reader.key(b.pseudonym)).to.equal(undefined);
    writer.close();
    reader.close();
  });

  it('in the process that erases, a destroyed key is not used by its other connections, even in the same run (decision 083)', async () => {
    const file = join(dir, 'keys.sqlite');
    const writer = KeyStore.open(file); // the HTTP thread, where the CryptoShredder runs
    writer.destroyedOnlyInThisProcess();
    const reader = KeyStore.open(file); // a thread started after: it shares the count
    // Another process on the same file: the count is per process (here: per path as given).
    const other = KeyStore.open(`${dir}//keys.sqlite`);
    const [a, b] = ['mbox:mailto:a@example.org', 'mbox:mailto:b@example.org'].map(
      (ifi) => writer.subjects([ifi]).get(ifi)!,
    );
    expect(reader.key(a!.pseudonym)).to.deep.equal(a!.key);
    expect(reader.key(b!.pseudonym)).to.deep.equal(b!.key);
    // No await in between: one synchronous run, as a projector applies a batch.
    writer.destroy([a!.pseudonym]);
    expect(reader.key(a!.pseudonym)).to.equal(undefined);
    expect(reader.find('mbox:mailto:a@example.org')).to.equal(undefined);
    expect(reader.key(b!.pseudonym)).to.deep.equal(b!.key);
    // A destruction this process did not make (another process on the same file) is seen by
    // SQLite's check, at the reader's next synchronous run.
    other.destroy([b!.pseudonym]);
    await Promise.resolve();
    expect(reader.key(b!.pseudonym)).to.equal(undefined);
    writer.close();
    reader.close();
    other.close();
  });
});
