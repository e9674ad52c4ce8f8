import type { Principal } from '@lrs/auth';
import { Forbidden } from '@lrs/http';

/**
 * Audits are for auditors, admins (a token role or a credential's admin scope) and policy units,
 * the latter restricted to their jurisdiction: `null` means every jurisdiction.
 */
export function auditScope(principal: Principal | undefined): { jurisdiction: string | null } {
  if (
    principal &&
    (principal.roles.includes('admin') ||
      principal.roles.includes('auditor') ||
      principal.scopes.has('admin'))
  )
    return { jurisdiction: null };
  if (principal?.roles.includes('policy-unit') && principal.jurisdiction)
    return { jurisdiction: principal.jurisdiction };
  throw new Forbidden({
    rule: 'audit.access',
    message: 'audits are for auditors, policy units and admins',
  });
}

/**
 * Whether a reader of `scope` may see a snapshot (or duty) of `jurisdiction`: auditors and admins
 * every one, a policy unit its own jurisdiction's only. A policy's duty and its snapshots carry
 * the policy's jurisdiction (`jurisdictionOfPolicy`, decision 075). The snapshot list, a snapshot
 * by id and the duties ask this one rule.
 */
export function maySee(scope: { jurisdiction: string | null }, jurisdiction: string | null): boolean {
  return scope.jurisdiction === null || scope.jurisdiction === jurisdiction;
}

/** A policy unit may see a snapshot of its own jurisdiction only. */
export function assertMaySee(
  scope: { jurisdiction: string | null },
  snapshotJurisdiction: string | null,
): void {
  if (maySee(scope, snapshotJurisdiction)) return;
  throw new Forbidden({
    rule: 'audit.access.jurisdiction',
    message: 'this snapshot is outside your jurisdiction',
    pointer: '/path/snapshotId',
  });
}
