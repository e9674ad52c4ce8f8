import { randomBytes } from 'node:crypto';
import type { OidcConfig } from '@lrs/config';
import type { Request, Response } from 'express';
import * as client from 'openid-client';
import { cookie, parseCookies } from './session';

export const OIDC_STATE_COOKIE = 'portal_oidc';
/** How long a browser may take at the identity provider before the sign-in must start again. */
const PENDING_MS = 10 * 60_000;
const MAX_PENDING = 20_000;

interface Pending {
  verifier: string;
  state: string;
  nonce: string;
  next: string;
  startedMs: number;
}

/** Why a callback did not sign anyone in: shown to the user in their language. */
export type OidcFailure = 'denied' | 'stale' | 'failed';

export type OidcOutcome =
  | { ok: true; claims: Record<string, unknown>; idToken: string; next: string }
  | { ok: false; reason: OidcFailure; detail: string };

/**
 * The portal side of OpenID Connect: authorization-code flow with PKCE (S256), state and nonce,
 * the client authenticated with its secret. The provider is discovered on first use (and again
 * after a failure), so the portal starts while the identity provider is down.
 */
export class OidcSignIn {
  private discovered: Promise<client.Configuration> | null = null;
  private readonly pending = new Map<string, Pending>();
  constructor(private readonly config: OidcConfig) {}

  private configuration(): Promise<client.Configuration> {
    if (!this.discovered) {
      const issuer = new URL(this.config.issuer);
      const loopbackHttp = issuer.protocol === 'http:';
      this.discovered = client
        .discovery(
          issuer,
          this.config.clientId,
          { redirect_uris: [this.config.redirectUri], response_types: ['code'] },
          client.ClientSecretBasic(this.config.clientSecret),
          // Configuration allows http only for a loopback issuer (development, tests).
          loopbackHttp ? { execute: [client.allowInsecureRequests] } : {},
        )
        .catch((error: unknown) => {
          this.discovered = null;
          throw error;
        });
    }
    return this.discovered;
  }

  /** Sends the browser to the identity provider; `next` is where it comes back to afterwards. */
  async start(req: Request, res: Response, next: string): Promise<void> {
    const config = await this.configuration();
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const key = randomBytes(24).toString('base64url');
    this.sweep();
    this.pending.set(key, { verifier, state, nonce, next, startedMs: Date.now() });
    // Lax: the provider sends the browser back with a cross-site top-level GET.
    cookie(req, res, OIDC_STATE_COOKIE, key, PENDING_MS / 1000, 'Lax');
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: this.config.redirectUri,
      scope: this.config.scopes,
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    res.redirect(303, url.href);
  }

  /** The provider's answer at the redirect URI: the user's claims (ID token + userinfo), or why not. */
  async callback(req: Request, res: Response): Promise<OidcOutcome> {
    const key = parseCookies(req.headers.cookie)[OIDC_STATE_COOKIE];
    const pending = key ? this.pending.get(key) : undefined;
    if (key) this.pending.delete(key);
    cookie(req, res, OIDC_STATE_COOKIE, '', 0, 'Lax');
    const error = typeof req.query.error === 'string' ? req.query.error : null;
    if (error) {
      const description = typeof req.query.error_description === 'string' ? req.query.error_description : '';
      return {
        ok: false,
        reason: error === 'access_denied' || error === 'consent_required' ? 'denied' : 'failed',
        detail: `${error}${description ? `: ${description}` : ''}`,
      };
    }
    if (!pending || Date.now() - pending.startedMs > PENDING_MS)
      return {
        ok: false,
        reason: 'stale',
        detail: 'no sign-in was started in this browser, or it took too long',
      };
    try {
      const config = await this.configuration();
      const current = new URL(this.config.redirectUri);
      current.search = new URL(req.originalUrl, 'http://x').search;
      const tokens = await client.authorizationCodeGrant(config, current, {
        pkceCodeVerifier: pending.verifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
      const idClaims = tokens.claims() as Record<string, unknown> | undefined;
      if (!idClaims || !tokens.id_token) return { ok: false, reason: 'failed', detail: 'no ID token' };
      const info = tokens.access_token
        ? await client
            .fetchUserInfo(config, tokens.access_token, String(idClaims.sub))
            .catch(() => ({}) as Record<string, unknown>)
        : {};
      return { ok: true, claims: { ...info, ...idClaims }, idToken: tokens.id_token, next: pending.next };
    } catch (e) {
      return { ok: false, reason: 'failed', detail: e instanceof Error ? e.message : String(e) };
    }
  }

  /**
   * Where to send the browser so the identity provider ends its own session too: OpenID Connect
   * RP-Initiated Logout 1.0 §2 (the provider's `end_session_endpoint` from discovery, with
   * `id_token_hint` and `post_logout_redirect_uri`, §3 registered at the provider). Null when the
   * provider offers no end-session endpoint or cannot be reached: the portal session ends anyway.
   */
  async endSessionUrl(idToken: string): Promise<string | null> {
    try {
      const config = await this.configuration();
      if (!config.serverMetadata().end_session_endpoint) return null;
      return client.buildEndSessionUrl(config, {
        id_token_hint: idToken,
        post_logout_redirect_uri: this.config.postLogoutRedirectUri,
      }).href;
    } catch {
      return null;
    }
  }

  /** Whether these claims came from this provider (a pasted or development token did not). */
  issued(claims: Record<string, unknown>): boolean {
    return (
      typeof claims.iss === 'string' &&
      claims.iss.replace(/\/$/, '') === this.config.issuer.replace(/\/$/, '')
    );
  }

  /**
   * The claims the LRS reads (sub, name, role, official_id, jurisdiction, iss, zoneinfo) from the
   * provider's claims, through the configured claim names and role map.
   */
  mapClaims(claims: Record<string, unknown>): Record<string, unknown> {
    const c = this.config.claims;
    const raw = claims[c.roles];
    const values = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(/[\s,]+/) : [];
    const map = this.config.roleMap;
    const mapped = Object.keys(map).length > 0 ? values.map((v) => map[String(v)]).filter(Boolean) : values;
    return {
      sub: claims.sub,
      iss: claims.iss,
      name: claims[c.name] ?? claims.name,
      role: [...new Set(mapped)],
      ...(claims[c.officialId] !== undefined ? { official_id: claims[c.officialId] } : {}),
      ...(claims[c.jurisdiction] !== undefined ? { jurisdiction: claims[c.jurisdiction] } : {}),
      ...(typeof claims.zoneinfo === 'string' ? { zoneinfo: claims.zoneinfo } : {}),
    };
  }

  private sweep(): void {
    const now = Date.now();
    for (const [key, p] of this.pending) if (now - p.startedMs > PENDING_MS) this.pending.delete(key);
    for (const key of this.pending.keys()) {
      if (this.pending.size < MAX_PENDING) break;
      this.pending.delete(key);
    }
  }
}
