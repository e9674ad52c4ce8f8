import type { AuthorityAgent } from './credential-events';
import type { CredentialSummary } from './credential-registry';
import { ADMIN_SCOPE, expandScopes, isScope, type Scope } from './scopes';

export const ROLES = ['official', 'policy-unit', 'auditor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/**
 * Who a principal is, typed by where it comes from: a credential of this LRS (its key) or a
 * bearer token (its issuer and subject). Two principals are the same only when these are equal;
 * a token whose `sub` happens to equal a credential key is somebody else.
 */
export type PrincipalIdentity =
  | { kind: 'credential'; key: string }
  | { kind: 'token'; issuer: string | null; subject: string };

/** Who is making a request, as every route sees it (req.principal). */
export interface Principal {
  kind: 'credential' | 'token';
  /** Credential key, or the token's `sub`: a display name, not an identity (see `identity`). */
  id: string;
  identity: PrincipalIdentity;
  name: string;
  /** Granted scopes with everything they imply (see scopes.ts): `scopes.has(x)` answers "may I do x". */
  scopes: ReadonlySet<string>;
  roles: readonly Role[];
  /** xAPI Data 2.4.9: the authority the LRS puts on statements this principal stores. */
  authority: AuthorityAgent;
  officialId?: string;
  jurisdiction?: string;
}

export function credentialPrincipal(credential: CredentialSummary): Principal {
  // Machine credentials (decision 043) carry the scopes their roles imply, as tokens do.
  const machineRoles: Role[] = [...(credential.roles ?? [])];
  const scopes = expandScopes([...credential.scopes, ...machineRoles.flatMap((r) => ROLE_SCOPES[r])]);
  return {
    kind: 'credential',
    id: credential.key,
    identity: { kind: 'credential', key: credential.key },
    name: credential.name,
    scopes,
    roles: [...(credential.scopes.includes(ADMIN_SCOPE) ? (['admin'] as const) : []), ...machineRoles],
    authority: credential.authority,
    ...(credential.jurisdiction ? { jurisdiction: credential.jurisdiction } : {}),
  };
}

/**
 * Scopes a token role carries when its `scope` claim does not say more. Officials and
 * policy units read through the portal's own APIs (filtered by official id or
 * jurisdiction), not through xAPI scopes.
 */
const ROLE_SCOPES: Record<Role, readonly Scope[]> = {
  official: [],
  'policy-unit': [],
  auditor: ['all/read'],
  admin: ['admin'],
};

export class TokenClaimsError extends Error {
  override name = 'TokenClaimsError';
}

/** Builds a principal from verified JWT claims; throws TokenClaimsError when they do not describe one. */
export function tokenPrincipal(claims: Record<string, unknown>, authorityHomePage: string): Principal {
  const sub = claims['sub'];
  if (typeof sub !== 'string' || sub.length === 0 || sub.length > 256) {
    throw new TokenClaimsError('token has no usable sub claim');
  }
  const roleClaim = claims['role'];
  const roleValues = Array.isArray(roleClaim) ? roleClaim : roleClaim === undefined ? [] : [roleClaim];
  const roles = roleValues.filter((r): r is Role => (ROLES as readonly unknown[]).includes(r));
  if (roles.length !== roleValues.length) throw new TokenClaimsError('token has an unknown role');

  const officialId = optionalString(claims, 'official_id');
  const jurisdiction = optionalString(claims, 'jurisdiction');
  if (roles.includes('official') && officialId === undefined) {
    throw new TokenClaimsError('an official token needs an official_id claim');
  }
  if (roles.includes('policy-unit') && jurisdiction === undefined) {
    throw new TokenClaimsError('a policy-unit token needs a jurisdiction claim');
  }

  const scopeClaim = claims['scope'];
  const scopeValues =
    typeof scopeClaim === 'string' ? scopeClaim.split(' ') : Array.isArray(scopeClaim) ? scopeClaim : [];
  // OAuth scope lists may carry scopes meant for other resource servers; keep ours only.
  const granted = [...scopeValues.filter(isScope), ...roles.flatMap((r) => ROLE_SCOPES[r])];

  const name = optionalString(claims, 'name') ?? sub;
  const iss = optionalString(claims, 'iss');
  const homePage = iss !== undefined && /^https?:\/\//.test(iss) ? iss : authorityHomePage;
  return {
    kind: 'token',
    id: sub,
    identity: { kind: 'token', issuer: iss ?? null, subject: sub },
    name,
    scopes: expandScopes(granted),
    roles,
    authority: { objectType: 'Agent', name, account: { homePage, name: sub } },
    ...(officialId === undefined ? {} : { officialId }),
    ...(jurisdiction === undefined ? {} : { jurisdiction }),
  };
}

/**
 * One string per identity, for keys and comparisons (statements/read/mine, read-your-writes,
 * rate buckets, audit ownership). A credential is its key (credential keys are
 * [A-Za-z0-9._~-], the form statements already carry); a token is `token:<iss>:<sub>`, each part
 * percent-encoded, so it can never equal a credential key or another issuer's subject.
 */
export function identityKey(identity: PrincipalIdentity): string {
  if (identity.kind === 'credential') return identity.key;
  return `token:${encodeURIComponent(identity.issuer ?? '')}:${encodeURIComponent(identity.subject)}`;
}

export const principalKey = (principal: Principal): string => identityKey(principal.identity);

/**
 * The writer a statement event records (decision 086): a credential's key (an account of this
 * LRS, not a person), or for a token `token:<issuer>` without its subject, because the subject
 * identifies a person and the log keeps it for ever. Who the token was is the statement's
 * authority, the token's own agent, sealed under that person's key (decision 081), which reads as
 * the erased agent after their erasure; statements/read/mine matches on it (@lrs/service-lrs
 * `writerKey`).
 */
export const storedWriterOf = (principal: Principal): string =>
  principal.identity.kind === 'token'
    ? `token:${encodeURIComponent(principal.identity.issuer ?? '')}`
    : principalKey(principal);

function optionalString(claims: Record<string, unknown>, name: string): string | undefined {
  const value = claims[name];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

export function hasScope(principal: Principal, scope: Scope): boolean {
  return principal.scopes.has(scope);
}
export const canWriteStatements = (p: Principal): boolean => p.scopes.has('statements/write');
export const canReadAllStatements = (p: Principal): boolean => p.scopes.has('statements/read');
/** xAPI Communication 4.2: "mine" = statements whose authority matches this principal's authority. */
export const canReadMine = (p: Principal): boolean => p.scopes.has('statements/read/mine');
export const canReadState = (p: Principal): boolean => p.scopes.has('state') || p.scopes.has('all/read');
export const canWriteState = (p: Principal): boolean => p.scopes.has('state');
export const canReadProfiles = (p: Principal): boolean => p.scopes.has('profile') || p.scopes.has('all/read');
export const canWriteProfiles = (p: Principal): boolean => p.scopes.has('profile');
export const canDefine = (p: Principal): boolean => p.scopes.has('define');
export const isAdmin = (p: Principal): boolean => p.scopes.has(ADMIN_SCOPE);
