import type { JsonValue, RecordedEvent } from '@lrs/event-log';
import { isScope, type Scope } from './scopes';
import type { SecretHash } from './secret-hash';

/** One stream per credential: `credential-<key>`; its first event is appended with no_stream. */
export const CREDENTIAL_STREAM_PREFIX = 'credential-';
export const CREDENTIAL_EVENT_PREFIX = 'credential.';
export const CREDENTIAL_ISSUED = 'credential.issued';
export const CREDENTIAL_REVOKED = 'credential.revoked';

export function credentialStream(key: string): string {
  return `${CREDENTIAL_STREAM_PREFIX}${key}`;
}

/** xAPI Data 2.4.9: for HTTP Basic the authority is an Agent, here identified by account. */
export type AuthorityAgent = {
  objectType: 'Agent';
  name: string;
  account: { homePage: string; name: string };
};

export type CredentialIssued = {
  key: string;
  name: string;
  scopes: Scope[];
  secretHash: SecretHash;
  authority: AuthorityAgent;
  issuedAt: string;
  issuedBy: string;
  /** Machine credentials of report scripts (decision 043): auditor or policy-unit, never admin. */
  roles?: MachineRole[];
  /** The jurisdiction a machine credential's reads are bound to. */
  jurisdiction?: string;
};

/** Roles a Basic credential may carry (decision 043); `official` needs a person, `admin` is a scope. */
export const MACHINE_ROLES = ['auditor', 'policy-unit'] as const;
export type MachineRole = (typeof MACHINE_ROLES)[number];
export const isMachineRole = (value: unknown): value is MachineRole =>
  (MACHINE_ROLES as readonly unknown[]).includes(value);

export type CredentialRevoked = {
  key: string;
  revokedAt: string;
  revokedBy: string;
  reason: string;
};

type Obj = { [key: string]: JsonValue };

function isObj(value: unknown): value is Obj {
  return (
    value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Uint8Array)
  );
}

const str = (o: Obj, k: string): boolean => typeof o[k] === 'string';

/** Events are read back from a log other processes write too; check their shape before trusting it. */
export function asCredentialIssued(event: RecordedEvent): CredentialIssued | null {
  const d = event.data;
  if (event.type !== CREDENTIAL_ISSUED || !isObj(d)) return null;
  if (!str(d, 'key') || !str(d, 'name') || !str(d, 'issuedAt') || !str(d, 'issuedBy')) return null;
  if (!Array.isArray(d['scopes']) || !d['scopes'].every(isScope)) return null;
  const h = d['secretHash'];
  if (!isObj(h) || h['algorithm'] !== 'scrypt' || !str(h, 'salt') || !str(h, 'hash')) return null;
  if (![h['N'], h['r'], h['p'], h['keyLength']].every((n) => typeof n === 'number')) return null;
  const a = d['authority'];
  if (!isObj(a) || !isObj(a['account'])) return null;
  if (d['roles'] !== undefined && !(Array.isArray(d['roles']) && d['roles'].every(isMachineRole)))
    return null;
  if (d['jurisdiction'] !== undefined && !str(d, 'jurisdiction')) return null;
  return d as unknown as CredentialIssued;
}

export function asCredentialRevoked(event: RecordedEvent): CredentialRevoked | null {
  const d = event.data;
  if (event.type !== CREDENTIAL_REVOKED || !isObj(d)) return null;
  if (!str(d, 'key') || !str(d, 'revokedAt') || !str(d, 'revokedBy') || !str(d, 'reason')) return null;
  return d as unknown as CredentialRevoked;
}
