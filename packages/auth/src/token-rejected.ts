export type TokenRejection =
  | 'malformed'
  | 'signature'
  | 'algorithm'
  | 'expired'
  | 'not_yet_valid'
  | 'no_expiry'
  | 'audience'
  | 'issuer'
  | 'claims'
  | 'unknown_kid'
  | 'jwks_unavailable';

/** A bearer token was not accepted; `reason` becomes the problem's rule ('auth.token.<reason>'). */
export class TokenRejected extends Error {
  override name = 'TokenRejected';
  constructor(
    readonly reason: TokenRejection,
    message: string,
    cause?: unknown,
  ) {
    super(message, cause === undefined ? undefined : { cause });
  }
}
