import type { Principal } from '@lrs/auth';
import { Forbidden } from '@lrs/http';
import type { Official } from './reference-data';

/** Admins and auditors read every official; the admin scope of a Basic credential counts as admin. */
export const readsEveryone = (p: Principal): boolean =>
  p.roles.includes('admin') || p.roles.includes('auditor') || p.scopes.has('admin');

/**
 * Checked before the official is looked up: an official token asking for someone else learns
 * nothing, not even whether that official exists.
 */
export function assertMayAsk(principal: Principal, officialId: string): void {
  if (readsEveryone(principal) || principal.roles.includes('policy-unit')) return;
  if (principal.roles.includes('official') && principal.officialId === officialId) return;
  throw new Forbidden({
    rule: 'training.access.official',
    message: principal.roles.includes('official')
      ? 'an official sees only their own records'
      : 'this credential has no role that reads training records',
    pointer: '/path/officialId',
  });
}

/** A policy unit sees the officials of its jurisdiction. */
export function assertMayRead(principal: Principal, official: Official): void {
  if (readsEveryone(principal)) return;
  if (principal.roles.includes('official') && principal.officialId === official.officialId) return;
  if (principal.roles.includes('policy-unit') && principal.jurisdiction === official.jurisdiction) return;
  throw new Forbidden({
    rule: 'training.access.jurisdiction',
    message: 'this official is outside your jurisdiction',
    pointer: '/path/officialId',
  });
}

/** Who may read reports: admins, auditors, and policy units (restricted to their jurisdiction). */
export function reportScope(principal: Principal): { jurisdiction: string | null } {
  if (readsEveryone(principal)) return { jurisdiction: null };
  if (principal.roles.includes('policy-unit') && principal.jurisdiction)
    return { jurisdiction: principal.jurisdiction };
  throw new Forbidden({
    rule: 'training.access.report',
    message: 'reports are for policy units, auditors and admins',
  });
}

export function assertAdmin(
  principal: Principal | undefined,
  what = 'reference data are changed by administrators only',
): void {
  if (principal && (principal.roles.includes('admin') || principal.scopes.has('admin'))) return;
  throw new Forbidden({ rule: 'auth.scope', message: `${what} (this needs the admin role or scope)` });
}
