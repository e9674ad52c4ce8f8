import { randomBytes, timingSafeEqual } from 'node:crypto';
import { JwtVerifier, type Principal, type Role, tokenPrincipal } from '@lrs/auth';
import type { Config } from '@lrs/config';
import type { Request, Response } from 'express';
import jwt from 'jsonwebtoken';
import { SessionStore } from './session-store';

export const SESSION_COOKIE = 'portal_session';
export const CSRF_COOKIE = 'portal_csrf';
/** Dev tokens live 15 minutes: long enough for a demo, short enough not to matter if leaked. */
export const DEV_TOKEN_SECONDS = 15 * 60;

export interface PortalUser {
  principal: Principal;
  name: string;
  roles: readonly Role[];
  officialId?: string;
  jurisdiction?: string;
  /** The profile's time zone (OpenID Connect `zoneinfo` claim), when the IdP sends one. */
  zoneinfo?: string;
  /** The raw token, forwarded as a Bearer token to the JSON APIs (audit); the ID token with OpenID Connect. */
  token: string;
  /** The verified claims the user was made of (kept in the session store, decision 061). */
  claims: Record<string, unknown>;
}

export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i < 1) continue;
    const name = part.slice(0, i).trim();
    try {
      out[name] = decodeURIComponent(part.slice(i + 1).trim());
    } catch {
      // A malformed cookie is ignored, not a 500.
    }
  }
  return out;
}

export function cookie(
  req: Request,
  res: Response,
  name: string,
  value: string,
  maxAgeSeconds: number | null,
  sameSite: 'Strict' | 'Lax' = 'Strict',
): void {
  // Secure only when the request came over https (directly or through a proxy that says so),
  // so the plain-http development server still works.
  const secure = req.secure || req.headers['x-forwarded-proto'] === 'https';
  const parts = [
    `${name}=${encodeURIComponent(value)}`,
    'Path=/',
    'HttpOnly',
    `SameSite=${sameSite}`,
    ...(secure ? ['Secure'] : []),
    ...(maxAgeSeconds !== null ? [`Max-Age=${maxAgeSeconds}`] : []),
  ];
  res.append('Set-Cookie', parts.join('; '));
}

/**
 * Portal sessions, kept on the server in the data directory's session store (session-store.ts,
 * decision 061): the cookie holds only a random id. Signing out deletes the session, so a cookie
 * saved before sign-out no longer works in any process; a session ends after
 * LRS_PORTAL_IDLE_MINUTES without a request, LRS_PORTAL_SESSION_HOURS after sign-in, and when the
 * identity token behind it expires; ended rows are purged. Identities come from the organisation's
 * OpenID provider (oidc.ts), from a pasted IdP token (LRS_JWT_*) or, when LRS_DEV_SIGNIN=true, from
 * the development sign-in, signed with the HS256 secret the LRS verifies (so the JSON APIs accept
 * them too) or else with the portal's own key.
 */
export class Sessions {
  private readonly devVerifier: JwtVerifier | null;
  private readonly devKey: string | null;
  readonly idleMs: number;
  readonly lifetimeMs: number;
  readonly store: SessionStore;
  private lastPurgeMs = 0;
  constructor(
    private readonly config: Config,
    private readonly idp: JwtVerifier | null,
    portalSecret: string,
    private readonly now: () => number = Date.now,
    store?: SessionStore,
  ) {
    const devOn = config.portal?.devSignIn === true;
    this.devKey = devOn ? (config.jwt?.hs256Secret ?? `dev-signin:${portalSecret}`) : null;
    this.devVerifier =
      devOn && !config.jwt?.hs256Secret ? new JwtVerifier({ hs256Secret: this.devKey! }) : null;
    this.idleMs = (config.portal?.idleMinutes ?? 30) * 60_000;
    this.lifetimeMs = (config.portal?.sessionHours ?? 12) * 3_600_000;
    this.store = store ?? SessionStore.open(config.dataDir, portalSecret);
  }

  get devSignIn(): boolean {
    return this.devKey !== null;
  }

  /** A short-lived token for a demo user; only callable when the dev sign-in is enabled. */
  issueDevToken(claims: {
    sub: string;
    name: string;
    role: Role;
    official_id?: string;
    jurisdiction?: string;
  }): string {
    if (!this.devKey) throw new Error('development sign-in is disabled');
    const j = this.config.jwt;
    return jwt.sign({ ...claims, dev: true }, this.devKey, {
      algorithm: 'HS256',
      expiresIn: DEV_TOKEN_SECONDS,
      ...(j?.hs256Secret && j.issuer ? { issuer: j.issuer } : {}),
      ...(j?.hs256Secret && j.audience ? { audience: j.audience } : {}),
    });
  }

  /** The user of a token, or null when no verifier accepts it. */
  async verify(token: string): Promise<PortalUser | null> {
    for (const verifier of [this.idp, this.devVerifier]) {
      if (!verifier) continue;
      try {
        const claims = (await verifier.verify(token)) as Record<string, unknown>;
        return userOfClaims(claims, token, this.config.baseUrl);
      } catch {
        // Try the next verifier; a token no verifier accepts is no session.
      }
    }
    return null;
  }

  /** The signed-in user of this request, or null; a request keeps its session alive. */
  userOf(req: Request): PortalUser | null {
    const id = parseCookies(req.headers.cookie)[SESSION_COOKIE];
    if (!id || id.length > 64) return null;
    const row = this.store.get(id);
    if (!row) return null;
    const now = this.now();
    if (now - row.lastSeenMs > this.idleMs || now >= row.expiresMs) {
      this.store.delete(id);
      return null;
    }
    // Written at most once a minute (or a tenth of the idle time): idle expiry is that precise.
    if (now - row.lastSeenMs >= Math.min(60_000, this.idleMs / 10)) this.store.touch(id, now);
    try {
      return userOfClaims(row.session.claims, row.session.token, this.config.baseUrl);
    } catch {
      return null;
    }
  }

  /** Starts a session for the user; `expiresMs` is when their identity token expires. */
  signIn(req: Request, res: Response, user: PortalUser, expiresMs: number): void {
    // A session id seen before sign-in is never reused after it (session fixation).
    const old = parseCookies(req.headers.cookie)[SESSION_COOKIE];
    if (old && old.length <= 64) this.store.delete(old);
    const now = this.now();
    this.sweep(now);
    const id = randomBytes(32).toString('base64url');
    this.store.put(
      id,
      { claims: user.claims, token: user.token },
      now,
      Math.min(expiresMs, now + this.lifetimeMs),
      user.officialId,
    );
    cookie(req, res, SESSION_COOKIE, id, null);
    // A fresh CSRF token per session: a token seen before sign-in is not reused after.
    cookie(req, res, CSRF_COOKIE, randomBytes(24).toString('base64url'), null);
  }

  /** Ends the session on the server and clears the cookie; returns the user it belonged to. */
  signOut(req: Request, res: Response): PortalUser | null {
    const user = this.userOf(req);
    const id = parseCookies(req.headers.cookie)[SESSION_COOKIE];
    if (id && id.length <= 64) this.store.delete(id);
    cookie(req, res, SESSION_COOKIE, '', 0);
    cookie(req, res, CSRF_COOKIE, randomBytes(24).toString('base64url'), null);
    return user;
  }

  get size(): number {
    return this.store.size;
  }

  /** Purges ended sessions, at most once a minute. */
  private sweep(now: number): void {
    if (now - this.lastPurgeMs < 60_000) return;
    this.lastPurgeMs = now;
    this.store.purge(now, this.idleMs);
  }

  /** The CSRF token of this browser, set when missing; forms carry it back as `csrf`. */
  csrfOf(req: Request, res: Response): string {
    const existing = parseCookies(req.headers.cookie)[CSRF_COOKIE];
    if (existing && /^[A-Za-z0-9_-]{32}$/.test(existing)) return existing;
    const fresh = randomBytes(24).toString('base64url');
    cookie(req, res, CSRF_COOKIE, fresh, null);
    return fresh;
  }

  /** Double-submit check: the form field must equal the HttpOnly cookie (SameSite=Strict too). */
  csrfValid(req: Request, submitted: unknown): boolean {
    const expected = parseCookies(req.headers.cookie)[CSRF_COOKIE];
    if (!expected || typeof submitted !== 'string' || submitted.length !== expected.length) return false;
    return timingSafeEqual(Buffer.from(submitted), Buffer.from(expected));
  }
}

/** The portal user of verified claims (`role`/`roles`, `official_id`, `jurisdiction`, `name`, `zoneinfo`). */
export function userOfClaims(claims: Record<string, unknown>, token: string, baseUrl: string): PortalUser {
  const principal = tokenPrincipal(claims, baseUrl);
  return {
    principal,
    name: typeof claims.name === 'string' ? claims.name : principal.id,
    roles: principal.roles,
    ...(principal.officialId ? { officialId: principal.officialId } : {}),
    ...(principal.jurisdiction ? { jurisdiction: principal.jurisdiction } : {}),
    ...(typeof claims.zoneinfo === 'string' ? { zoneinfo: claims.zoneinfo } : {}),
    token,
    claims,
  };
}

/** When a JWT expires (its exp), in ms; tokens without exp count as lasting a day. */
export function tokenExpiresMs(token: string, now = Date.now()): number {
  const decoded = jwt.decode(token);
  const exp = decoded && typeof decoded === 'object' ? decoded.exp : undefined;
  return typeof exp === 'number' ? exp * 1000 : now + 24 * 3600_000;
}

/** `next` only to a same-origin relative path: "/x" but not "//evil", "/\\evil" or "https://evil". */
export function safeNext(value: unknown): string {
  if (typeof value !== 'string') return '/';
  if (!value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return '/';
  if (/[\r\n\t\\]/.test(value)) return '/';
  return value;
}
