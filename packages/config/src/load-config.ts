import { createPublicKey } from 'node:crypto';
import { ConfigError } from './config-error';
import { MiB } from './variables';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export interface JwtConfig {
  /** Exactly one key source is set when `jwt` is present. */
  readonly hs256Secret?: string;
  readonly publicKeyPem?: string;
  readonly jwksUrl?: string;
  readonly issuer?: string;
  readonly audience?: string;
}

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly baseUrl: string;
  readonly dataDir: string;
  readonly esdbUrl?: string;
  readonly bootstrap?: { readonly key: string; readonly secret: string };
  /** Absent when no bearer-token key source is configured: only HTTP Basic is accepted. */
  readonly jwt?: JwtConfig;
  /** LRS_ENV: `production` (default) requires LRS_JWT_ISSUER and LRS_JWT_AUDIENCE with a key source. */
  readonly environment?: 'production' | 'development';
  readonly maxBodyBytes: number;
  readonly maxAttachmentBytes: number;
  readonly maxStatementBytes: number;
  /** Largest State / Agent Profile / Activity Profile document (LRS_MAX_DOCUMENT_BYTES). */
  readonly maxDocumentBytes: number;
  readonly logLevel: LogLevel;
  /** LRS_PROJECTORS: projections applied on a worker thread (default) or on the HTTP thread. */
  readonly projectors: 'thread' | 'inline';
  /** Per-principal token bucket; absent when LRS_RATE_LIMIT_PER_SEC is 0 or unset. */
  readonly rateLimit?: { readonly perSecond: number; readonly burst: number };
  /** LRS_SECRETS_KEY (32 bytes, base64/base64url) sealing secrets kept in the log; absent → a key file in dataDir. */
  readonly secretsKey?: string;
  /** Web portal (services/portal): LRS_DEV_SIGNIN*, LRS_PORTAL_*, LRS_OIDC_*. */
  readonly portal?: {
    readonly devSignIn: boolean;
    readonly secret?: string;
    /** Minutes without a request after which a portal session ends. */
    readonly idleMinutes: number;
    /** Hours after sign-in at which a portal session ends, however active. */
    readonly sessionHours: number;
    readonly oidc?: OidcConfig;
    /** The issuing body printed on certificates (else the official's top org unit). */
    readonly issuer?: string;
  };
  /** LRS_OUTBOUND_ALLOW: internal hosts, addresses and CIDR ranges remote sources and webhooks may reach. */
  readonly outboundAllow?: readonly string[];
  /** Limits on what an unauthenticated client can make the server hold. */
  readonly preAuth?: {
    /** LRS_PREAUTH_BODY_BYTES: body bytes held before the request is authenticated. */
    readonly bodyBytes: number;
    /** LRS_PREAUTH_TOTAL_BYTES: such bytes held by all unauthenticated requests together. */
    readonly totalBytes: number;
    /** LRS_MAX_CONNECTIONS: open connections at once. */
    readonly maxConnections: number;
    /** LRS_PREAUTH_BODY_TIMEOUT_SECONDS: time for an unauthenticated request's body to arrive. */
    readonly bodyTimeoutMs: number;
  };
  /** LRS_AUTH_FAILURES_PER_MINUTE: failed Basic checks per client address and per key before 429. */
  readonly authFailuresPerMinute?: number;
  /** Audit replay limits (LRS_AUDIT_*). */
  readonly audit?: {
    readonly maxRunningPerPrincipal: number;
    readonly maxRunning: number;
    readonly maxStoredPerPrincipal: number;
    readonly maxStored: number;
    readonly ttlMs: number;
    readonly diskBudgetBytes: number;
  };
}

type Env = Readonly<Record<string, string | undefined>>;

/** Reads, validates and freezes the configuration; throws ConfigError naming the first bad variable. */
export function loadConfig(env: Env = process.env): Config {
  const port = readPort(env);
  const bootstrap = readBootstrap(env);
  const environment = optional(env, 'LRS_ENV') ?? 'production';
  if (environment !== 'production' && environment !== 'development')
    throw new ConfigError('LRS_ENV', 'must be production or development');
  const jwt = readJwt(env);
  // Without iss and aud checks any token the key signed is accepted, whoever it was issued for
  // (another application of the same IdP, a token for another audience): only in development.
  const development = environment === 'development' || optional(env, 'LRS_DEV_SIGNIN') === 'true';
  if (jwt && !development) {
    for (const [name, value] of [
      ['LRS_JWT_ISSUER', jwt.issuer],
      ['LRS_JWT_AUDIENCE', jwt.audience],
    ] as const) {
      if (value === undefined)
        throw new ConfigError(
          name,
          'is required with a LRS_JWT_* key source (tokens would be accepted whoever issued them or for whatever audience); LRS_ENV=development runs without it',
        );
    }
  }
  const esdbUrl = optional(env, 'ESDB_URL');
  if (esdbUrl !== undefined && !/^esdb(\+discover)?:\/\/\S+$/.test(esdbUrl)) {
    throw new ConfigError('ESDB_URL', 'must be an esdb:// or esdb+discover:// connection string');
  }
  const logLevel = (optional(env, 'LRS_LOG_LEVEL') ?? 'info').toLowerCase();
  if (!isLogLevel(logLevel)) {
    throw new ConfigError('LRS_LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}`);
  }
  const projectors = optional(env, 'LRS_PROJECTORS') ?? 'thread';
  if (projectors !== 'thread' && projectors !== 'inline') {
    throw new ConfigError('LRS_PROJECTORS', 'must be thread or inline');
  }
  const host = optional(env, 'HOST') ?? '0.0.0.0';
  const baseUrl = readBaseUrl(env, port);
  const config: Config = {
    port,
    host,
    baseUrl,
    dataDir: optional(env, 'LRS_DATA_DIR') ?? './data',
    ...(esdbUrl !== undefined ? { esdbUrl } : {}),
    ...(bootstrap ? { bootstrap } : {}),
    ...(jwt ? { jwt } : {}),
    environment,
    maxBodyBytes: readBytes(env, 'LRS_MAX_BODY_BYTES', 20 * MiB),
    maxAttachmentBytes: readBytes(env, 'LRS_MAX_ATTACHMENT_BYTES', 64 * MiB),
    maxStatementBytes: readBytes(env, 'LRS_MAX_STATEMENT_BYTES', 512 * 1024),
    maxDocumentBytes: readBytes(env, 'LRS_MAX_DOCUMENT_BYTES', 16 * MiB),
    logLevel,
    projectors,
    ...readSecretsKey(env),
    ...readRateLimit(env),
    portal: readPortal(env, host, baseUrl),
    outboundAllow: (optional(env, 'LRS_OUTBOUND_ALLOW') ?? '').split(/[\s,]+/).filter(Boolean),
    preAuth: {
      bodyBytes: readBytes(env, 'LRS_PREAUTH_BODY_BYTES', 64 * 1024),
      totalBytes: readBytes(env, 'LRS_PREAUTH_TOTAL_BYTES', 8 * MiB),
      maxConnections: readCount(env, 'LRS_MAX_CONNECTIONS', 1024),
      bodyTimeoutMs: readCount(env, 'LRS_PREAUTH_BODY_TIMEOUT_SECONDS', 10) * 1000,
    },
    authFailuresPerMinute: readCount(env, 'LRS_AUTH_FAILURES_PER_MINUTE', 10),
    audit: {
      maxRunningPerPrincipal: readCount(env, 'LRS_AUDIT_MAX_RUNNING_PER_PRINCIPAL', 2),
      maxRunning: readCount(env, 'LRS_AUDIT_MAX_RUNNING', 4),
      maxStoredPerPrincipal: readCount(env, 'LRS_AUDIT_MAX_STORED_PER_PRINCIPAL', 10),
      maxStored: readCount(env, 'LRS_AUDIT_MAX_STORED', 40),
      ttlMs: readCount(env, 'LRS_AUDIT_REPLAY_TTL_HOURS', 24) * 3_600_000,
      diskBudgetBytes: readBytes(env, 'LRS_AUDIT_DISK_BUDGET_BYTES', 2048 * MiB),
    },
  };
  // The event log refuses appends over 1 MiB; a statement that fits the HTTP limit but
  // not the log would fail after validation, so refuse the configuration instead.
  if (config.maxStatementBytes > MiB - 64 * 1024) {
    throw new ConfigError(
      'LRS_MAX_STATEMENT_BYTES',
      'must be at most 960 KiB (the log accepts 1 MiB per append)',
    );
  }
  return deepFreeze(config);
}

/**
 * What an operator must hear at start: settings that are allowed but weaken a guarantee. Each is
 * one sentence for a warn-level log line.
 */
export function configWarnings(config: Config): string[] {
  const warnings: string[] = [];
  if (config.jwt && (config.jwt.issuer === undefined || config.jwt.audience === undefined)) {
    const missing = [
      config.jwt.issuer === undefined ? 'LRS_JWT_ISSUER' : null,
      config.jwt.audience === undefined ? 'LRS_JWT_AUDIENCE' : null,
    ].filter(Boolean);
    warnings.push(
      `INSECURE: bearer tokens are verified without ${missing.join(' and ')}: any token signed with the configured key is accepted, whoever it was issued by or for (allowed only with LRS_ENV=development)`,
    );
  }
  return warnings;
}

function readSecretsKey(env: Env): { secretsKey?: string } {
  const text = optional(env, 'LRS_SECRETS_KEY');
  if (text === undefined) return {};
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(text) || Buffer.from(text, 'base64').length !== 32)
    throw new ConfigError(
      'LRS_SECRETS_KEY',
      'must be 32 bytes in base64 or base64url (e.g. openssl rand -base64 32)',
    );
  return { secretsKey: text };
}

function optional(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function readPort(env: Env): number {
  const raw = optional(env, 'PORT');
  if (raw === undefined) return 8080;
  if (!/^\d{1,5}$/.test(raw) || Number(raw) > 65535) {
    throw new ConfigError('PORT', 'must be an integer from 0 to 65535');
  }
  return Number(raw);
}

function readBaseUrl(env: Env, port: number): string {
  const raw = optional(env, 'LRS_BASE_URL');
  if (raw === undefined) return `http://localhost:${port}`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('LRS_BASE_URL', 'must be an absolute http(s) URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError('LRS_BASE_URL', 'must be an absolute http(s) URL');
  }
  return raw.replace(/\/+$/, '');
}

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, kib: 1024, mib: MiB, gib: 1024 * MiB };

function readBytes(env: Env, name: string, fallback: number): number {
  const raw = optional(env, name);
  if (raw === undefined) return fallback;
  const m = /^(\d+)\s*([a-z]*)$/i.exec(raw);
  const unit = m ? SIZE_UNITS[m[2]!.toLowerCase()] : undefined;
  const bytes = m && unit !== undefined ? Number(m[1]) * unit : Number.NaN;
  if (!Number.isSafeInteger(bytes) || bytes <= 0) {
    throw new ConfigError(name, 'must be a positive whole number of bytes (optionally with KiB, MiB or GiB)');
  }
  return bytes;
}

/** Basic user-ids cannot contain ':' (RFC 7617) and keys name streams, so keep them to URL-safe tokens. */
export const CREDENTIAL_KEY_PATTERN = /^[A-Za-z0-9._~-]{3,128}$/;

function readBootstrap(env: Env): Config['bootstrap'] {
  const key = optional(env, 'LRS_BOOTSTRAP_KEY');
  const secret = optional(env, 'LRS_BOOTSTRAP_SECRET');
  if (key === undefined && secret === undefined) return undefined;
  if (key === undefined) throw new ConfigError('LRS_BOOTSTRAP_KEY', 'must be set with LRS_BOOTSTRAP_SECRET');
  if (secret === undefined)
    throw new ConfigError('LRS_BOOTSTRAP_SECRET', 'must be set with LRS_BOOTSTRAP_KEY');
  if (!CREDENTIAL_KEY_PATTERN.test(key)) {
    throw new ConfigError('LRS_BOOTSTRAP_KEY', 'must be 3-128 characters of A-Z a-z 0-9 . _ ~ -');
  }
  if (secret.length < 16) throw new ConfigError('LRS_BOOTSTRAP_SECRET', 'must be at least 16 characters');
  return { key, secret };
}

function readJwt(env: Env): JwtConfig | undefined {
  const hs256Secret = optional(env, 'LRS_JWT_HS256_SECRET');
  const pem = optional(env, 'LRS_JWT_PUBLIC_KEY');
  const jwksUrl = optional(env, 'LRS_JWT_JWKS_URL');
  const issuer = optional(env, 'LRS_JWT_ISSUER');
  const audience = optional(env, 'LRS_JWT_AUDIENCE');
  const sources = [hs256Secret, pem, jwksUrl].filter((v) => v !== undefined).length;
  if (sources === 0) {
    if (issuer !== undefined) throw new ConfigError('LRS_JWT_ISSUER', 'needs a LRS_JWT_* key source');
    if (audience !== undefined) throw new ConfigError('LRS_JWT_AUDIENCE', 'needs a LRS_JWT_* key source');
    return undefined;
  }
  if (sources > 1) {
    // One key source keeps the algorithm allow-list unambiguous (no HS/RS confusion).
    throw new ConfigError(
      'LRS_JWT_HS256_SECRET',
      'set only one of LRS_JWT_HS256_SECRET, LRS_JWT_PUBLIC_KEY, LRS_JWT_JWKS_URL',
    );
  }
  const common = { ...(issuer ? { issuer } : {}), ...(audience ? { audience } : {}) };
  if (hs256Secret !== undefined) {
    if (hs256Secret.length < 32)
      throw new ConfigError('LRS_JWT_HS256_SECRET', 'must be at least 32 characters');
    return { hs256Secret, ...common };
  }
  if (pem !== undefined) {
    const publicKeyPem = pem.replace(/\\n/g, '\n');
    try {
      const key = createPublicKey(publicKeyPem);
      if (key.asymmetricKeyType !== 'rsa') throw new Error('not RSA');
    } catch {
      throw new ConfigError('LRS_JWT_PUBLIC_KEY', 'must be a PEM-encoded RSA public key');
    }
    return { publicKeyPem, ...common };
  }
  let url: URL;
  try {
    url = new URL(jwksUrl!);
  } catch {
    throw new ConfigError('LRS_JWT_JWKS_URL', 'must be an absolute https URL');
  }
  const local = url.hostname === 'localhost' || url.hostname === '127.0.0.1' || url.hostname === '[::1]';
  // Keys fetched over plain http could be swapped in transit, and they decide who is admin.
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && local)) {
    throw new ConfigError('LRS_JWT_JWKS_URL', 'must be an absolute https URL (http only for localhost)');
  }
  return { jwksUrl: url.toString(), ...common };
}

function readRateLimit(env: Env): Pick<Config, 'rateLimit'> {
  const rate = optional(env, 'LRS_RATE_LIMIT_PER_SEC');
  const burst = optional(env, 'LRS_RATE_LIMIT_BURST');
  const perSecond = rate === undefined ? 0 : Number(rate);
  if (!Number.isFinite(perSecond) || perSecond < 0 || !/^\d+(\.\d+)?$/.test(rate ?? '0')) {
    throw new ConfigError('LRS_RATE_LIMIT_PER_SEC', 'must be a non-negative number (0 = no limit)');
  }
  if (burst !== undefined && (!/^\d{1,9}$/.test(burst) || Number(burst) < 1)) {
    throw new ConfigError('LRS_RATE_LIMIT_BURST', 'must be a whole number of at least 1');
  }
  if (perSecond === 0) return {};
  const size = burst === undefined ? Math.max(1, Math.ceil(perSecond)) : Number(burst);
  return { rateLimit: { perSecond, burst: size } };
}

function readCount(env: Env, name: string, fallback: number): number {
  const raw = optional(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d{1,9}$/.test(raw) || Number(raw) < 1)
    throw new ConfigError(name, 'must be a whole number of at least 1');
  return Number(raw);
}

function isLogLevel(value: string): value is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(value);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/** The portal's OpenID Connect sign-in (authorization-code flow with PKCE). */
export interface OidcConfig {
  /** Issuer URL; its /.well-known/openid-configuration is discovered at start. */
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly redirectUri: string;
  /** Where the identity provider sends the browser after RP-initiated logout (registered there). */
  readonly postLogoutRedirectUri: string;
  readonly scopes: string;
  /** Which ID-token/userinfo claims carry the official id, the roles, the jurisdiction, the name. */
  readonly claims: {
    readonly officialId: string;
    readonly roles: string;
    readonly jurisdiction: string;
    readonly name: string;
  };
  /** IdP role values → portal roles (official, policy-unit, auditor, admin); empty = taken as they are. */
  readonly roleMap: Readonly<Record<string, string>>;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

function flag(env: Env, name: string): boolean {
  const value = optional(env, name);
  if (value !== undefined && value !== 'true' && value !== 'false')
    throw new ConfigError(name, 'must be true or false');
  return value === 'true';
}

function pairs(env: Env, name: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (optional(env, name) ?? '').split(',')) {
    if (part.trim() === '') continue;
    const [key, value] = part.split('=').map((x) => x.trim());
    if (!key || !value) throw new ConfigError(name, 'must be a comma-separated list of name=value');
    out[key] = value;
  }
  return out;
}

function readPortal(env: Env, host: string, baseUrl: string): NonNullable<Config['portal']> {
  const devSignIn = flag(env, 'LRS_DEV_SIGNIN');
  // The development sign-in hands out any identity: only on a loopback address unless overridden.
  if (devSignIn && !LOOPBACK.test(host) && !flag(env, 'LRS_DEV_SIGNIN_ANY_HOST'))
    throw new ConfigError(
      'LRS_DEV_SIGNIN',
      `is for development only and refuses HOST=${host}; listen on 127.0.0.1, or set LRS_DEV_SIGNIN_ANY_HOST=true on a closed development network`,
    );
  const secret = optional(env, 'LRS_PORTAL_SECRET');
  if (secret !== undefined && secret.length < 32)
    throw new ConfigError('LRS_PORTAL_SECRET', 'must be at least 32 characters');
  const idleText = optional(env, 'LRS_PORTAL_IDLE_MINUTES') ?? '30';
  const idleMinutes = Number(idleText);
  if (!Number.isFinite(idleMinutes) || idleMinutes <= 0 || idleMinutes > 24 * 60)
    throw new ConfigError('LRS_PORTAL_IDLE_MINUTES', 'must be a number of minutes between 0 and 1440');
  const hoursText = optional(env, 'LRS_PORTAL_SESSION_HOURS') ?? '12';
  const sessionHours = Number(hoursText);
  if (!Number.isFinite(sessionHours) || sessionHours <= 0 || sessionHours > 24 * 30)
    throw new ConfigError('LRS_PORTAL_SESSION_HOURS', 'must be a number of hours between 0 and 720');
  const issuer = optional(env, 'LRS_OIDC_ISSUER');
  let oidc: OidcConfig | undefined;
  if (issuer !== undefined) {
    let url: URL;
    try {
      url = new URL(issuer);
    } catch {
      throw new ConfigError('LRS_OIDC_ISSUER', 'must be an absolute URL');
    }
    if (url.protocol !== 'https:' && !LOOPBACK.test(url.hostname.replace(/^\[|\]$/g, '')))
      throw new ConfigError('LRS_OIDC_ISSUER', 'must be https (http only for a loopback address)');
    const clientId = optional(env, 'LRS_OIDC_CLIENT_ID');
    const clientSecret = optional(env, 'LRS_OIDC_CLIENT_SECRET');
    if (!clientId) throw new ConfigError('LRS_OIDC_CLIENT_ID', 'is required with LRS_OIDC_ISSUER');
    if (!clientSecret) throw new ConfigError('LRS_OIDC_CLIENT_SECRET', 'is required with LRS_OIDC_ISSUER');
    const claims = pairs(env, 'LRS_OIDC_CLAIMS');
    for (const key of Object.keys(claims))
      if (!['officialId', 'roles', 'jurisdiction', 'name'].includes(key))
        throw new ConfigError('LRS_OIDC_CLAIMS', `names officialId, roles, jurisdiction or name, not ${key}`);
    oidc = {
      issuer,
      clientId,
      clientSecret,
      redirectUri: optional(env, 'LRS_OIDC_REDIRECT_URI') ?? `${baseUrl}/signin/callback`,
      postLogoutRedirectUri: optional(env, 'LRS_OIDC_POST_LOGOUT_REDIRECT_URI') ?? `${baseUrl}/signin?out=1`,
      scopes: optional(env, 'LRS_OIDC_SCOPES') ?? 'openid profile',
      claims: {
        officialId: claims.officialId ?? 'official_id',
        roles: claims.roles ?? 'roles',
        jurisdiction: claims.jurisdiction ?? 'jurisdiction',
        name: claims.name ?? 'name',
      },
      roleMap: pairs(env, 'LRS_OIDC_ROLE_MAP'),
    };
  }
  const issuerName = optional(env, 'LRS_PORTAL_ISSUER');
  return {
    devSignIn,
    idleMinutes,
    sessionHours,
    ...(secret !== undefined ? { secret } : {}),
    ...(oidc ? { oidc } : {}),
    ...(issuerName ? { issuer: issuerName } : {}),
  };
}
