import { createPublicKey, createSecretKey } from 'node:crypto';
import type { Config, JwtConfig } from '@lrs/config';
import jwt, { type Algorithm, type JwtPayload } from 'jsonwebtoken';
import { JwksKeySource, type JwksOptions, type VerificationKey } from './jwks';
import { TokenRejected } from './token-rejected';

export interface JwtVerifierOptions {
  /** Allowed clock skew for exp/nbf. Default 30 s. */
  clockToleranceSec?: number;
  jwks?: JwksOptions;
}

/**
 * Verifies bearer tokens against exactly one configured key source. Each source has its
 * own explicit algorithm allow-list, so `alg: none` and HS/RS confusion (an HS256 token
 * "signed" with the RSA public key) are refused by construction.
 */
export class JwtVerifier {
  /** The WWW-Authenticate challenge for bearer tokens. */
  readonly challenge = 'Bearer realm="LRS"';
  private readonly keyFor: (kid: string | undefined) => Promise<VerificationKey>;
  private readonly clockTolerance: number;

  /** A verifier for the configured key source, or null when bearer tokens are not configured. */
  static fromConfig(config: Pick<Config, 'jwt'>, options: JwtVerifierOptions = {}): JwtVerifier | null {
    return config.jwt ? new JwtVerifier(config.jwt, options) : null;
  }

  constructor(
    private readonly config: JwtConfig,
    options: JwtVerifierOptions = {},
  ) {
    if (config.hs256Secret !== undefined) {
      const fixed: VerificationKey = {
        key: createSecretKey(Buffer.from(config.hs256Secret)),
        algorithms: ['HS256'],
      };
      this.keyFor = async () => fixed;
    } else if (config.publicKeyPem !== undefined) {
      const fixed: VerificationKey = { key: createPublicKey(config.publicKeyPem), algorithms: ['RS256'] };
      this.keyFor = async () => fixed;
    } else if (config.jwksUrl !== undefined) {
      const source = new JwksKeySource(config.jwksUrl, options.jwks);
      this.keyFor = (kid) => source.keyFor(kid);
    } else {
      throw new Error('JwtVerifier needs a key source');
    }
    this.clockTolerance = options.clockToleranceSec ?? 30;
  }

  /** Verified claims, or TokenRejected. */
  async verify(token: string): Promise<JwtPayload> {
    const decoded = jwt.decode(token, { complete: true });
    if (!decoded || typeof decoded.payload === 'string')
      throw new TokenRejected('malformed', 'token is malformed');
    const kid = typeof decoded.header.kid === 'string' ? decoded.header.kid : undefined;
    const { key, algorithms } = await this.keyFor(kid);
    let payload: JwtPayload | string;
    try {
      payload = jwt.verify(token, key, {
        algorithms,
        clockTolerance: this.clockTolerance,
        ...(this.config.issuer === undefined ? {} : { issuer: this.config.issuer }),
        ...(this.config.audience === undefined ? {} : { audience: this.config.audience }),
      });
    } catch (error) {
      throw rejection(error, algorithms);
    }
    if (typeof payload === 'string')
      throw new TokenRejected('malformed', 'token payload is not a JSON object');
    // A token that never expires cannot be withdrawn short of rotating the key.
    if (typeof payload.exp !== 'number') throw new TokenRejected('no_expiry', 'token has no exp claim');
    return payload;
  }
}

function rejection(error: unknown, algorithms: Algorithm[]): TokenRejected {
  if (error instanceof jwt.TokenExpiredError) return new TokenRejected('expired', 'token has expired');
  if (error instanceof jwt.NotBeforeError)
    return new TokenRejected('not_yet_valid', 'token is not valid yet');
  const message = error instanceof Error ? error.message : '';
  if (message.startsWith('jwt audience invalid'))
    return new TokenRejected('audience', 'token audience is not this LRS');
  if (message.startsWith('jwt issuer invalid'))
    return new TokenRejected('issuer', 'token issuer is not trusted');
  if (message === 'invalid algorithm' || message === 'jwt signature is required') {
    return new TokenRejected(
      'algorithm',
      `token algorithm is not accepted (expected ${algorithms.join(', ')})`,
    );
  }
  if (message === 'invalid signature') return new TokenRejected('signature', 'token signature is invalid');
  return new TokenRejected('malformed', 'token is malformed');
}
