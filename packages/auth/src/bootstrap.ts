import { Conflict } from '@lrs/http';
import type { CredentialRegistry } from './credential-registry';

/**
 * Issues the configured bootstrap credential (scopes all + admin) while the log has no
 * credential at all, so a fresh install can be administered. Once any credential exists
 * (revoked ones included) the bootstrap variables are ignored: they cannot resurrect a
 * revoked admin or add a second one.
 */
export async function ensureBootstrapCredential(
  registry: CredentialRegistry,
  bootstrap: { key: string; secret: string } | undefined,
): Promise<'issued' | 'skipped'> {
  if (!bootstrap || registry.size > 0) return 'skipped';
  try {
    await registry.issue({
      key: bootstrap.key,
      secret: bootstrap.secret,
      name: 'bootstrap',
      scopes: ['all', 'admin'],
      issuedBy: 'bootstrap',
    });
    return 'issued';
  } catch (error) {
    // Another process bootstrapped the same key first.
    if (error instanceof Conflict) return 'skipped';
    throw error;
  }
}
