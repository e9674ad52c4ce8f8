import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { CREDENTIAL_KEY_PATTERN } from '@lrs/config';
import {
  type EventLog,
  type LogPosition,
  PositionFollower,
  type RecordedEvent,
  StreamNotFoundError,
  type Subscription,
  WrongExpectedRevisionError,
} from '@lrs/event-log';
import { BadRequest, Conflict, type Logger, NotFound, ServiceUnavailable } from '@lrs/http';
import {
  type AuthorityAgent,
  asCredentialIssued,
  asCredentialRevoked,
  CREDENTIAL_EVENT_PREFIX,
  CREDENTIAL_ISSUED,
  CREDENTIAL_REVOKED,
  type CredentialIssued,
  type CredentialRevoked,
  credentialStream,
  isMachineRole,
  MACHINE_ROLES,
  type MachineRole,
} from './credential-events';
import { FailedAuthThrottle } from './failed-auth-throttle';
import { isScope, type Scope } from './scopes';
import { generateKey, generateSecret, hashSecret, type SecretHash, verifySecret } from './secret-hash';

/** A credential as anyone may see it: never the secret, never its hash. */
export interface CredentialSummary {
  key: string;
  name: string;
  scopes: Scope[];
  authority: AuthorityAgent;
  issuedAt: string;
  issuedBy: string;
  roles?: MachineRole[];
  jurisdiction?: string;
  revoked?: { revokedAt: string; revokedBy: string; reason: string };
}

interface CredentialRecord {
  summary: CredentialSummary;
  secretHash: SecretHash;
  /** Revision of the last event of the credential's stream applied here. */
  revision: number;
}

export interface IssueRequest {
  name: string;
  scopes: readonly string[];
  issuedBy: string;
  /** Chosen key (bootstrap); generated when absent. */
  key?: string;
  /** Chosen secret (bootstrap); generated when absent. */
  secret?: string;
  /** Machine roles (decision 043); policy-unit needs a jurisdiction. */
  roles?: readonly string[];
  jurisdiction?: string;
}

export interface IssuedCredential {
  key: string;
  /** Shown once: only its scrypt hash is stored. */
  secret: string;
  credential: CredentialSummary;
}

export type VerifyResult =
  /** `proof` stands for this successful check until the credential changes (stillVerified). */
  | { ok: true; credential: CredentialSummary; proof: object }
  | { ok: false; reason: 'unknown_key' | 'wrong_secret' | 'revoked' }
  /** Too many failures from this client address or for this key: nothing was hashed. */
  | { ok: false; reason: 'throttled'; retryAfterSeconds: number };

export interface RegistryOptions {
  /** The LRS's public base URL: homePage of every issued credential's authority account. */
  baseUrl: string;
  logger?: Logger;
  /** How long start() waits for the subscription to catch up. Default 30 s. */
  catchUpTimeoutMs?: number;
  /** Failed Basic checks per client address and per key in a minute (LRS_AUTH_FAILURES_PER_MINUTE). Default 10. */
  failuresPerMinute?: number;
}

const MAX_SECRET_LENGTH = 1024;

/**
 * The credentials, as an in-memory view of the `credential.` events in the log. Every
 * process keeps its own view current through a catch-up subscription, so a revocation
 * written by one process (or the CLI) takes effect in all of them.
 */
export class CredentialRegistry {
  private readonly records = new Map<string, CredentialRecord>();
  /** HMAC (process-random key) of the last secret verified per credential key. */
  private readonly verified = new Map<string, Buffer>();
  private readonly inflight = new Map<string, Promise<boolean>>();
  private readonly hmacKey = randomBytes(32);
  private readonly follower = new PositionFollower();
  private subscription: Subscription | null = null;
  private failure: Error | null = null;
  /** Secrets hashed (scrypt) so far: what a flood of wrong secrets costs. */
  hashRuns = 0;
  readonly throttle: FailedAuthThrottle;

  private constructor(
    private readonly log: EventLog,
    private readonly options: RegistryOptions,
  ) {
    this.throttle = new FailedAuthThrottle({ failuresPerMinute: options.failuresPerMinute ?? 10 });
  }

  /** Starts the registry's subscription and resolves once it has caught up with the log. */
  static async start(log: EventLog, options: RegistryOptions): Promise<CredentialRegistry> {
    const registry = new CredentialRegistry(log, options);
    await registry.subscribe();
    return registry;
  }

  private subscribe(): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error('credential registry did not catch up with the log in time')),
        this.options.catchUpTimeoutMs ?? 30_000,
      );
      this.subscription = this.log.subscribe({
        name: 'credential-registry',
        filter: { typePrefixes: [CREDENTIAL_EVENT_PREFIX] },
        handle: (events) => {
          for (const event of events) {
            this.apply(event);
            this.advance(event.position);
          }
        },
        onCheckpoint: (position) => this.advance(position),
        onCaughtUp: () => {
          clearTimeout(timer);
          resolve();
        },
        onError: (error) => {
          clearTimeout(timer);
          this.failure = error;
          this.options.logger?.error({ err: error }, 'credential registry subscription failed');
          reject(error);
        },
      });
    });
  }

  private advance(position: LogPosition): void {
    this.follower.advance(position);
  }

  /** Applies one event; idempotent by stream revision, so local and subscribed applies can overlap. */
  private apply(event: RecordedEvent): void {
    const issued = asCredentialIssued(event);
    if (issued) {
      if (this.records.has(issued.key)) return;
      this.records.set(issued.key, {
        summary: {
          key: issued.key,
          name: issued.name,
          scopes: [...issued.scopes],
          authority: issued.authority,
          issuedAt: issued.issuedAt,
          issuedBy: issued.issuedBy,
          ...(issued.roles ? { roles: [...issued.roles] } : {}),
          ...(issued.jurisdiction ? { jurisdiction: issued.jurisdiction } : {}),
        },
        secretHash: issued.secretHash,
        revision: event.revision,
      });
      return;
    }
    const revoked = asCredentialRevoked(event);
    if (revoked) {
      const record = this.records.get(revoked.key);
      if (!record || event.revision <= record.revision) return;
      record.revision = event.revision;
      record.summary = {
        ...record.summary,
        revoked: { revokedAt: revoked.revokedAt, revokedBy: revoked.revokedBy, reason: revoked.reason },
      };
      this.verified.delete(revoked.key);
      return;
    }
    if (event.type.startsWith(CREDENTIAL_EVENT_PREFIX)) {
      this.options.logger?.warn(
        { type: event.type, stream: event.stream },
        'ignored malformed credential event',
      );
    }
  }

  /** Reads one credential's stream directly: sees another process's write before the subscription does. */
  private async refresh(key: string): Promise<void> {
    try {
      for (const event of await this.log.readStream(credentialStream(key))) this.apply(event);
    } catch (error) {
      if (!(error instanceof StreamNotFoundError)) throw error;
    }
  }

  /** Resolves when this registry has applied the log up to `position`. */
  async waitFor(position: LogPosition, timeoutMs = 5_000): Promise<void> {
    if (!(await this.follower.waitFor(position, timeoutMs)))
      throw new ServiceUnavailable('auth.registry_lagging', 'the credential registry is behind the log');
  }

  /** Number of credentials ever issued, revoked ones included. */
  get size(): number {
    return this.records.size;
  }

  list(): CredentialSummary[] {
    return [...this.records.values()]
      .map((r) => r.summary)
      .sort((a, b) => a.issuedAt.localeCompare(b.issuedAt));
  }

  get(key: string): CredentialSummary | undefined {
    return this.records.get(key)?.summary;
  }

  async issue(request: IssueRequest): Promise<IssuedCredential> {
    this.assertHealthy();
    const name = request.name.trim();
    if (name.length === 0 || name.length > 200) {
      throw new BadRequest('credential.name', 'name must be 1 to 200 characters', { pointer: '/name' });
    }
    const roles = [...new Set(request.roles ?? [])];
    const badRoles = roles.filter((r) => !isMachineRole(r));
    if (badRoles.length > 0) {
      throw new BadRequest(
        'credential.roles',
        `unknown role(s) for a credential: ${badRoles.join(', ')} (allowed: ${MACHINE_ROLES.join(', ')})`,
        { pointer: '/roles', details: { unknown: badRoles } },
      );
    }
    const jurisdiction = request.jurisdiction?.trim();
    if (jurisdiction !== undefined && !/^[A-Za-z0-9._-]{1,128}$/.test(jurisdiction)) {
      throw new BadRequest(
        'credential.jurisdiction',
        'jurisdiction must be 1-128 letters, digits, ".", "_" or "-"',
        {
          pointer: '/jurisdiction',
        },
      );
    }
    if (roles.includes('policy-unit') && !jurisdiction) {
      throw new BadRequest('credential.jurisdiction', 'a policy-unit credential needs a jurisdiction', {
        pointer: '/jurisdiction',
      });
    }
    if (request.scopes.length === 0 && roles.length === 0) {
      throw new BadRequest('credential.scopes', 'at least one scope or role is needed', {
        pointer: '/scopes',
      });
    }
    const unknown = request.scopes.filter((s) => !isScope(s));
    if (unknown.length > 0) {
      throw new BadRequest('credential.scopes', `unknown scope(s): ${unknown.join(', ')}`, {
        pointer: '/scopes',
        details: { unknown },
      });
    }
    const key = request.key ?? generateKey();
    if (!CREDENTIAL_KEY_PATTERN.test(key)) {
      throw new BadRequest('credential.key', 'key must be 3-128 characters of A-Z a-z 0-9 . _ ~ -');
    }
    const secret = request.secret ?? generateSecret();
    if (secret.length < 16 || secret.length > MAX_SECRET_LENGTH) {
      throw new BadRequest('credential.secret', `secret must be 16 to ${MAX_SECRET_LENGTH} characters`);
    }
    const data: CredentialIssued = {
      key,
      name,
      scopes: [...new Set(request.scopes as Scope[])],
      secretHash: await hashSecret(secret),
      authority: {
        objectType: 'Agent',
        name,
        account: { homePage: this.options.baseUrl, name: key },
      },
      issuedAt: new Date().toISOString(),
      issuedBy: request.issuedBy,
      ...(roles.length > 0 ? { roles: roles as MachineRole[] } : {}),
      ...(jurisdiction ? { jurisdiction } : {}),
    };
    let result: Awaited<ReturnType<EventLog['append']>>;
    try {
      result = await this.log.append(credentialStream(key), [{ type: CREDENTIAL_ISSUED, data }], {
        expectedRevision: 'no_stream',
      });
    } catch (error) {
      if (error instanceof WrongExpectedRevisionError) {
        throw new Conflict('credential.key_taken', `a credential with key '${key}' already exists`);
      }
      throw error;
    }
    this.applyOwn(CREDENTIAL_ISSUED, key, data, result);
    return { key, secret, credential: this.records.get(key)!.summary };
  }

  /** Revokes a credential; revoking a revoked credential returns it unchanged. */
  async revoke(key: string, by: { revokedBy: string; reason?: string }): Promise<CredentialSummary> {
    this.assertHealthy();
    for (let attempt = 0; ; attempt++) {
      let record = this.records.get(key);
      if (!record) {
        await this.refresh(key);
        record = this.records.get(key);
      }
      if (!record) throw new NotFound('credential.unknown', `no credential with key '${key}'`);
      if (record.summary.revoked) return record.summary;
      const data: CredentialRevoked = {
        key,
        revokedAt: new Date().toISOString(),
        revokedBy: by.revokedBy,
        reason: by.reason ?? 'revoked',
      };
      try {
        const result = await this.log.append(credentialStream(key), [{ type: CREDENTIAL_REVOKED, data }], {
          expectedRevision: record.revision,
        });
        this.applyOwn(CREDENTIAL_REVOKED, key, data, result);
        return this.records.get(key)!.summary;
      } catch (error) {
        // Another process wrote to this credential meanwhile: read it and decide again.
        if (!(error instanceof WrongExpectedRevisionError) || attempt >= 2) throw error;
        await this.refresh(key);
      }
    }
  }

  private applyOwn(
    type: string,
    key: string,
    data: CredentialIssued | CredentialRevoked,
    result: { nextExpectedRevision: number; position: LogPosition },
  ): void {
    this.apply({
      id: '',
      type,
      data,
      metadata: {},
      stream: credentialStream(key),
      revision: result.nextExpectedRevision,
      position: result.position,
      recorded: new Date(),
    });
  }

  /**
   * HTTP Basic verification. scrypt costs milliseconds, so a success is remembered as an
   * HMAC of the presented secret under a process-random key (the cache never holds the
   * secret), dropped when the credential is revoked; concurrent first requests share one
   * scrypt run. The secret is checked before "revoked" is revealed.
   */
  async verifyBasic(key: string, secret: string, client?: string): Promise<VerifyResult> {
    this.assertHealthy();
    const failed = (reason: 'unknown_key' | 'wrong_secret'): VerifyResult => {
      if (client !== undefined) this.throttle.recordFailure(client, key.slice(0, 128));
      return { ok: false, reason };
    };
    if (!CREDENTIAL_KEY_PATTERN.test(key)) return failed('unknown_key');
    if (client !== undefined) {
      // Unknown keys are throttled too (no key enumeration); the log is not read for them.
      const wait = this.throttle.retryAfter(client, key);
      if (wait > 0 && !this.records.has(key))
        return { ok: false, reason: 'throttled', retryAfterSeconds: wait };
    }
    if (!this.records.has(key)) await this.refresh(key);
    const record = this.records.get(key);
    if (!record) return failed('unknown_key');
    if (secret.length > MAX_SECRET_LENGTH) return failed('wrong_secret');

    const digest = createHmac('sha256', this.hmacKey).update(key).update('\0').update(secret).digest();
    const cached = this.verified.get(key);
    let ok = cached !== undefined && timingSafeEqual(cached, digest);
    if (!ok) {
      const flightKey = digest.toString('base64');
      let flight = this.inflight.get(flightKey);
      if (!flight) {
        // A proven secret (above) is never throttled; an unproven one is hashed only within budget.
        const wait = client === undefined ? 0 : this.throttle.retryAfter(client, key);
        if (wait > 0) return { ok: false, reason: 'throttled', retryAfterSeconds: wait };
        this.hashRuns++;
        if (client !== undefined) this.throttle.recordFailure(client, key); // refunded when right
        flight = verifySecret(secret, record.secretHash).finally(() => this.inflight.delete(flightKey));
        this.inflight.set(flightKey, flight);
        if (client !== undefined)
          flight.then(
            (right) => right && this.throttle.refund(client, key),
            () => {},
          );
      }
      ok = await flight;
      if (!ok) return { ok: false, reason: 'wrong_secret' };
      // A revocation may have been applied while scrypt ran: read the record again.
      if (!this.records.get(key)?.summary.revoked) this.verified.set(key, digest);
    }
    const current = this.records.get(key)!.summary;
    if (current.revoked) return { ok: false, reason: 'revoked' };
    return { ok: true, credential: current, proof: this.verified.get(key) ?? digest };
  }

  /**
   * The credential again, without hashing the secret, when `proof` (from verifyBasic) still
   * stands: the registry has not dropped or replaced its check of that secret since (a
   * revocation drops it) and the credential is not revoked. Null otherwise: verify again.
   */
  stillVerified(key: string, proof: object): CredentialSummary | null {
    this.assertHealthy();
    const record = this.records.get(key);
    if (!record || record.summary.revoked || this.verified.get(key) !== proof) return null;
    return record.summary;
  }

  private assertHealthy(): void {
    if (this.failure) {
      throw new ServiceUnavailable(
        'auth.registry_failed',
        'the credential registry lost its subscription to the log',
      );
    }
  }

  get baseUrl(): string {
    return this.options.baseUrl;
  }

  /** Stops following the log; the log itself stays open (its owner closes it). */
  async stop(): Promise<void> {
    await this.subscription?.stop();
    this.subscription = null;
  }
}
