import { Forbidden, ServiceUnavailable, TooManyRequests, Unauthorized } from '@lrs/http';
import type { RequestHandler } from 'express';
import type { CredentialRegistry, CredentialSummary } from './credential-registry';
import type { JwtVerifier } from './jwt-verifier';
import { credentialPrincipal, type Principal, TokenClaimsError, tokenPrincipal } from './principal';
import { isScope } from './scopes';
import { TokenRejected } from './token-rejected';

export const BASIC_CHALLENGE = 'Basic realm="LRS"';

export interface AuthenticateOptions {
  /** homePage of token principals' authority when the token has no http(s) `iss`. Default: the registry's baseUrl. */
  authorityHomePage?: string;
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

const AUTHORIZATION_POINTER = '/headers/Authorization';

/** How long a throttled authentication waits before its 429 (see below). */
const THROTTLED_ANSWER_DELAY_MS = 500;

/**
 * The Basic credentials a keep-alive connection last authenticated with. A client sends the same
 * Authorization header on every request of a connection; while the registry's check of it still
 * stands (CredentialRegistry.stillVerified: not revoked), the next request with the identical
 * header skips decoding and the keyed hash of the secret. The header lives as long as the
 * connection, as each request's own copy does meanwhile.
 */
const basicBySocket = new WeakMap<object, { header: string; key: string; proof: object }>();

/** One principal per credential version (summaries are replaced, never changed, on an update). */
const principals = new WeakMap<CredentialSummary, Principal>();
const principalOf = (credential: CredentialSummary): Principal => {
  let principal = principals.get(credential);
  if (!principal) {
    principal = credentialPrincipal(credential);
    principals.set(credential, principal);
  }
  return principal;
};

/**
 * xAPI Communication 4.0: every request is authenticated. HTTP Basic (RFC 7617) against
 * the credential registry, or a bearer JWT when a key source is configured. Anything
 * missing, malformed, wrong or revoked is a 401 with a challenge per accepted scheme.
 */
export function authenticate(
  registry: CredentialRegistry,
  jwtVerifier?: JwtVerifier | null,
  options: AuthenticateOptions = {},
): RequestHandler {
  const challenges = jwtVerifier ? [BASIC_CHALLENGE, jwtVerifier.challenge] : [BASIC_CHALLENGE];
  const homePage = options.authorityHomePage ?? registry.baseUrl;
  // The field at fault in every 401 is the Authorization header (missing, malformed or refused).
  const unauthorized = (rule: string, message: string, bearerError = false) =>
    new Unauthorized(
      rule,
      message,
      bearerError && jwtVerifier
        ? [BASIC_CHALLENGE, `${jwtVerifier.challenge}, error="invalid_token"`]
        : challenges,
      { pointer: AUTHORIZATION_POINTER },
    );

  return async (req, _res, next) => {
    const header = req.get('authorization');
    if (header === undefined || header.trim() === '') {
      throw unauthorized('auth.missing', 'this resource needs credentials (HTTP Basic or a bearer token)');
    }
    const m = /^(\S+)\s+(\S+)\s*$/.exec(header);
    if (!m) throw unauthorized('auth.malformed', 'the Authorization header is malformed');
    const scheme = m[1]!.toLowerCase();
    const value = m[2]!;

    if (scheme === 'basic') {
      const known = basicBySocket.get(req.socket);
      if (known !== undefined && known.header === header) {
        const credential = registry.stillVerified(known.key, known.proof);
        if (credential) {
          req.principal = principalOf(credential);
          req.credentialName = `${credential.name} (${credential.key})`;
          next();
          return;
        }
      }
      if (!BASE64.test(value)) throw unauthorized('auth.malformed', 'the Basic credentials are not base64');
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0)
        throw unauthorized('auth.malformed', 'the Basic credentials have no key:secret separator');
      const key = decoded.slice(0, colon);
      const result = await registry.verifyBasic(
        key,
        decoded.slice(colon + 1),
        req.socket.remoteAddress ?? '',
      );
      if (!result.ok) {
        basicBySocket.delete(req.socket);
        if (result.reason === 'throttled') {
          // Answered after a pause: a client that ignores Retry-After and asks again at once
          // (a flood) is slowed to a few requests a second, instead of costing the server a
          // request-parse-answer cycle as fast as it can send.
          await new Promise((r) => setTimeout(r, THROTTLED_ANSWER_DELAY_MS));
          throw new TooManyRequests(
            'auth.throttled',
            'too many failed authentications from this address or for this key; retry later',
            result.retryAfterSeconds,
            { pointer: AUTHORIZATION_POINTER },
          );
        }
        if (result.reason === 'revoked')
          throw unauthorized('auth.revoked', 'this credential has been revoked');
        throw unauthorized('auth.invalid_credentials', 'the key or secret is wrong');
      }
      basicBySocket.set(req.socket, { header, key, proof: result.proof });
      req.principal = principalOf(result.credential);
      req.credentialName = `${result.credential.name} (${result.credential.key})`;
      next();
      return;
    }

    if (scheme === 'bearer') {
      if (!jwtVerifier) throw unauthorized('auth.unsupported_scheme', 'bearer tokens are not accepted here');
      try {
        req.principal = tokenPrincipal(await jwtVerifier.verify(value), homePage);
      } catch (error) {
        if (error instanceof TokenRejected) {
          if (error.reason === 'jwks_unavailable') {
            throw new ServiceUnavailable(
              'auth.jwks_unavailable',
              'the token issuer keys cannot be fetched',
              30,
            );
          }
          throw unauthorized(`auth.token.${error.reason}`, error.message, true);
        }
        if (error instanceof TokenClaimsError) throw unauthorized('auth.token.claims', error.message, true);
        throw error;
      }
      req.credentialName = `token ${req.principal.id}`;
      next();
      return;
    }

    throw unauthorized('auth.unsupported_scheme', `the '${m[1]}' scheme is not accepted`);
  };
}

/** 403 unless the principal holds one of the scopes (implied scopes count, see scopes.ts). */
export function requireScope(...acceptable: readonly string[]): RequestHandler {
  // A misspelt scope would silently lock a route; fail when the route is built instead.
  const unknown = acceptable.filter((s) => !isScope(s));
  if (acceptable.length === 0 || unknown.length > 0) {
    throw new Error(`requireScope needs known scopes; got ${unknown.join(', ') || 'none'}`);
  }
  return (req, _res, next) => {
    const principal = req.principal;
    if (!principal)
      throw new Unauthorized('auth.missing', 'this resource needs credentials', undefined, {
        pointer: AUTHORIZATION_POINTER,
      });
    if (!acceptable.some((scope) => principal.scopes.has(scope))) {
      throw new Forbidden('auth.scope', `this request needs the scope ${acceptable.join(' or ')}`, {
        pointer: AUTHORIZATION_POINTER,
        details: { needed: acceptable },
      });
    }
    next();
  };
}
