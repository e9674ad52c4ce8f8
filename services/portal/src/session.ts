import { randomBytes, timingSafeEqual } from 'node:crypto';
import { JwtVerifier, type Principal, type Role, tokenPrincipal } from '@lrs/auth';
import type { Config } from '@lrs/config';
import type { Request, Response } from 'express';
import jwt from 'jsonwebtoken';

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
  /** The raw token, forwarded as a Bearer token to the JSON APIs (audit). */
  token: string;
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

function cookie(
  req: Request,
  res: Response,
  name: string,
  value: string,
  maxAgeSeconds: number | null,
): void {
  // Secure only when the request came over https (directly or through a proxy that says so),
  // so the plain-http development server still works.
  const secure = req.secure || req.headers['x-forwarded-proto'] === 'https';
  const parts = [
    `${name}=${encodeURIComponent(value)}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Strict',
    ...(secure ? ['Secure'] : []),
    ...(maxAgeSeconds !== null ? [`Max-Age=${maxAgeSeconds}`] : []),
  ];
  res.append('Set-Cookie', parts.join('; '));
}

/**
 * Verifies portal sessions. Tokens come from the organisation's IdP (LRS_JWT_*) or, when
 * LRS_DEV_SIGNIN=true, from the development sign-in, signed with the HS256 secret the LRS
 * verifies (so the JSON APIs accept them too) or else with the portal's own key.
 */
export class Sessions {
  private readonly devVerifier: JwtVerifier | null;
  private readonly devKey: string | null;
  constructor(
    private readonly config: Config,
    private readonly idp: JwtVerifier | null,
    portalSecret: string,
  ) {
    const devOn = config.portal?.devSignIn === true;
    this.devKey = devOn ? (config.jwt?.hs256Secret ?? `dev-signin:${portalSecret}`) : null;
    this.devVerifier =
      devOn && !config.jwt?.hs256Secret ? new JwtVerifier({ hs256Secret: this.devKey! }) : null;
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
        const principal = tokenPrincipal(claims, this.config.baseUrl);
        return {
          principal,
          name: typeof claims.name === 'string' ? claims.name : principal.id,
          roles: principal.roles,
          ...(principal.officialId ? { officialId: principal.officialId } : {}),
          ...(principal.jurisdiction ? { jurisdiction: principal.jurisdiction } : {}),
          ...(typeof claims.zoneinfo === 'string' ? { zoneinfo: claims.zoneinfo } : {}),
          token,
        };
      } catch {
        // Try the next verifier; a token no verifier accepts is no session.
      }
    }
    return null;
  }

  async userOf(req: Request): Promise<PortalUser | null> {
    const token = parseCookies(req.headers.cookie)[SESSION_COOKIE];
    return token ? this.verify(token) : null;
  }

  signIn(req: Request, res: Response, token: string): void {
    cookie(req, res, SESSION_COOKIE, token, null);
    // A fresh CSRF token per session: a token seen before sign-in is not reused after.
    cookie(req, res, CSRF_COOKIE, randomBytes(24).toString('base64url'), null);
  }

  signOut(req: Request, res: Response): void {
    cookie(req, res, SESSION_COOKIE, '', 0);
    cookie(req, res, CSRF_COOKIE, randomBytes(24).toString('base64url'), null);
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

/** `next` only to a same-origin relative path: "/x" but not "//evil", "/\\evil" or "https://evil". */
export function safeNext(value: unknown): string {
  if (typeof value !== 'string') return '/';
  if (!value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return '/';
  if (/[\r\n\t\\]/.test(value)) return '/';
  return value;
}
