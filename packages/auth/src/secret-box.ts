import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { type Config, dataDirKey } from '@lrs/config';

/** A secret as it is kept in the log: AES-256-GCM, `v1.<base64url of iv ‖ tag ‖ ciphertext>`. */
export interface Sealed {
  sealed: string;
}

export const isSealed = (value: unknown): value is Sealed =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as { sealed?: unknown }).sealed === 'string' &&
  Object.keys(value).length === 1;

export class SecretBoxError extends Error {
  override name = 'SecretBoxError';
}

/**
 * Seals the secrets the LRS must keep in its log to use them later (a remote LRS's password, a
 * webhook's signing secret), so the log, its copies, exports and audit replays never hold them in
 * clear (docs/RELIABILITY.md, security). The key is LRS_SECRETS_KEY, else a random key in LRS_DATA_DIR/secrets.key:
 * outside the log, though on the embedded default it sits in the same data directory.
 */
export class SecretBox {
  private constructor(private readonly key: Buffer) {}

  static fromConfig(config: Pick<Config, 'secretsKey' | 'dataDir'>): SecretBox {
    const text = config.secretsKey ?? dataDirKey(config.dataDir, 'secrets.key');
    return SecretBox.fromKey(text);
  }

  /** A 32-byte key in base64 or base64url. */
  static fromKey(text: string): SecretBox {
    const key = Buffer.from(text, 'base64');
    if (key.length !== 32) throw new SecretBoxError('a secrets key is 32 bytes (base64 or base64url)');
    return new SecretBox(key);
  }

  seal(plain: string): Sealed {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return { sealed: `v1.${Buffer.concat([iv, cipher.getAuthTag(), data]).toString('base64url')}` };
  }

  /** Throws SecretBoxError for another key, a changed ciphertext or an unknown format. */
  open(value: Sealed): string {
    const [version, body] = value.sealed.split('.');
    if (version !== 'v1' || body === undefined) throw new SecretBoxError('unknown sealed-secret format');
    const bytes = Buffer.from(body, 'base64url');
    if (bytes.length < 28) throw new SecretBoxError('sealed secret is truncated');
    const decipher = createDecipheriv('aes-256-gcm', this.key, bytes.subarray(0, 12));
    decipher.setAuthTag(bytes.subarray(12, 28));
    try {
      return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString('utf8');
    } catch {
      // Never echo the key or the ciphertext.
      throw new SecretBoxError('sealed secret does not open with this key (LRS_SECRETS_KEY changed?)');
    }
  }
}
