import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { isSealed, SecretBox, SecretBoxError } from '../src/index';

const aKey = () => randomBytes(32).toString('base64');

describe('SecretBox (secrets the LRS keeps in its log)', () => {
  it('seals to text that does not contain the secret and opens it again', () => {
    const box = SecretBox.fromKey(aKey());
    const sealed = box.seal('remote-password-1234');
    expect(isSealed(sealed)).to.equal(true);
    expect(sealed.sealed).to.match(/^v1\.[A-Za-z0-9_-]+$/);
    expect(sealed.sealed).to.not.include('remote-password');
    expect(box.open(sealed)).to.equal('remote-password-1234');
    // A fresh IV each time: equal secrets do not give equal ciphertexts.
    expect(box.seal('remote-password-1234').sealed).to.not.equal(sealed.sealed);
  });

  it('refuses another key, a changed ciphertext and an unknown format, without echoing them', () => {
    const sealed = SecretBox.fromKey(aKey()).seal('s3cret');
    expect(() => SecretBox.fromKey(aKey()).open(sealed)).to.throw(SecretBoxError, /does not open/);
    const body = Buffer.from(sealed.sealed.slice(3), 'base64url');
    body[body.length - 1]! ^= 1;
    const box = SecretBox.fromKey(aKey());
    expect(() => box.open({ sealed: `v1.${body.toString('base64url')}` })).to.throw(SecretBoxError);
    expect(() => box.open({ sealed: 'v9.abc' })).to.throw(SecretBoxError, /format/);
    expect(() => SecretBox.fromKey('c2hvcnQ=')).to.throw(SecretBoxError, /32 bytes/);
  });

  it('without LRS_SECRETS_KEY keeps one random key (0600) in the data dir, the same across restarts', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'secret-box-'));
    try {
      const sealed = SecretBox.fromConfig({ dataDir }).seal('kept');
      expect(SecretBox.fromConfig({ dataDir }).open(sealed)).to.equal('kept');
      expect(statSync(join(dataDir, 'secrets.key')).mode & 0o777).to.equal(0o600);
      const configured = aKey();
      expect(() => SecretBox.fromConfig({ dataDir, secretsKey: configured }).open(sealed)).to.throw(
        SecretBoxError,
      );
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
