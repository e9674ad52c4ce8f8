/**
 * Every environment variable the LRS reads, with its default and rule. README and
 * `docs/` list these from here, so this table is the one place to change them.
 */
export interface ConfigVariable {
  name: string;
  default: string | null;
  description: string;
}

export const MiB = 1024 * 1024;

export const CONFIG_VARIABLES: readonly ConfigVariable[] = Object.freeze([
  {
    name: 'PORT',
    default: '8080',
    description: 'TCP port the HTTP server listens on (0-65535; 0 = ephemeral).',
  },
  {
    name: 'HOST',
    default: '0.0.0.0',
    description: 'Interface to listen on. `start` listens on every interface; tests pass 127.0.0.1.',
  },
  {
    name: 'LRS_BASE_URL',
    default: 'http://localhost:<PORT>',
    description:
      'Public http(s) URL of this LRS; the homePage of the xAPI authority Agent of every credential issued.',
  },
  {
    name: 'LRS_DATA_DIR',
    default: './data',
    description: 'Directory of the embedded SQLite event log and of the projections read models.',
  },
  {
    name: 'ESDB_URL',
    default: null,
    description:
      'EventStoreDB connection string (esdb:// or esdb+discover://). When set, the event log lives there instead of SQLite.',
  },
  {
    name: 'LRS_BOOTSTRAP_KEY',
    default: null,
    description:
      'Key of the first credential (scopes all + admin), issued only while no credential exists. Set with LRS_BOOTSTRAP_SECRET.',
  },
  {
    name: 'LRS_BOOTSTRAP_SECRET',
    default: null,
    description: 'Secret of the bootstrap credential; at least 16 characters. Set with LRS_BOOTSTRAP_KEY.',
  },
  {
    name: 'LRS_JWT_HS256_SECRET',
    default: null,
    description:
      'Shared secret for HS256 bearer tokens (at least 32 characters). At most one LRS_JWT_* key source.',
  },
  {
    name: 'LRS_JWT_PUBLIC_KEY',
    default: null,
    description:
      'PEM public key for RS256 bearer tokens ("\\n" escapes are accepted for one-line env files).',
  },
  {
    name: 'LRS_JWT_JWKS_URL',
    default: null,
    description: 'JWKS URL of the token issuer (https; http only for localhost). Keys are cached by kid.',
  },
  {
    name: 'LRS_JWT_ISSUER',
    default: null,
    description:
      'Required `iss` of bearer tokens. Must be set with a LRS_JWT_* key source unless LRS_ENV=development (then a missing one is logged as a warning at start).',
  },
  {
    name: 'LRS_JWT_AUDIENCE',
    default: null,
    description:
      'Required `aud` of bearer tokens. Must be set with a LRS_JWT_* key source unless LRS_ENV=development (then a missing one is logged as a warning at start).',
  },
  {
    name: 'LRS_ENV',
    default: 'production',
    description:
      '`production` or `development`. Development (also implied by LRS_DEV_SIGNIN=true) allows bearer tokens without issuer and audience checks, with a warning at start.',
  },
  {
    name: 'LRS_MAX_BODY_BYTES',
    default: String(20 * MiB),
    description: 'Largest request body accepted (bytes, or with a KiB/MiB/GiB suffix). Larger → 413.',
  },
  {
    name: 'LRS_MAX_ATTACHMENT_BYTES',
    default: String(64 * MiB),
    description: 'Largest multipart statement request (statements + attachments). Larger → 413.',
  },
  {
    name: 'LRS_MAX_STATEMENT_BYTES',
    default: String(512 * 1024),
    description:
      'Largest single statement (serialised JSON). Must stay below the 1 MiB append limit of the log with room for the event envelope.',
  },
  {
    name: 'LRS_RATE_LIMIT_PER_SEC',
    default: '0',
    description:
      'Requests per second each credential or token may make (token bucket, after authentication); 0 = no limit (xAPI Communication 3.2: configurable to any reasonable rate). Over it → 429 with Retry-After.',
  },
  {
    name: 'LRS_RATE_LIMIT_BURST',
    default: '<LRS_RATE_LIMIT_PER_SEC>',
    description: 'Requests a credential may make at once after being idle (bucket size); at least 1.',
  },
  {
    name: 'LRS_MAX_DOCUMENT_BYTES',
    default: String(16 * MiB),
    description:
      'Largest State, Agent Profile or Activity Profile document. Larger → 413. Documents over 768 KiB are stored chunked.',
  },
  {
    name: 'LRS_PROJECTORS',
    default: 'thread',
    description:
      'Where the projectors of `start` apply the log: `thread` (a worker thread, so HTTP and projections use two cores) or `inline` (the HTTP thread, for a one-core machine).',
  },
  {
    name: 'LRS_LOG_LEVEL',
    default: 'info',
    description: 'One of fatal, error, warn, info, debug, trace, silent.',
  },
  {
    name: 'LRS_DEV_SIGNIN',
    default: 'false',
    description:
      'true enables the portal development sign-in (/dev/signin: demo users, short-lived tokens). Never in production.',
  },
  {
    name: 'LRS_DEV_SIGNIN_ANY_HOST',
    default: 'false',
    description:
      'true lets the development sign-in start on a non-loopback HOST (a closed development network); without it LRS_DEV_SIGNIN=true refuses to start unless HOST is 127.0.0.1, ::1 or localhost.',
  },
  {
    name: 'LRS_PORTAL_IDLE_MINUTES',
    default: '30',
    description: 'Minutes without a request after which a portal session ends (sign in again).',
  },
  {
    name: 'LRS_PORTAL_SESSION_HOURS',
    default: '12',
    description:
      'Hours after sign-in at which a portal session ends however active it is (absolute lifetime; sessions are kept in LRS_DATA_DIR/portal/sessions.sqlite).',
  },
  {
    name: 'LRS_PORTAL_ISSUER',
    default: null,
    description:
      'The issuing body printed on certificates of completion (e.g. "Seoul Metropolitan Government, Welfare Policy Office"); default the name of the official\'s top org unit.',
  },
  {
    name: 'LRS_OIDC_ISSUER',
    default: null,
    description:
      "OpenID Connect issuer of the organisation's identity provider; enables the portal sign-in (authorization-code flow with PKCE, discovery at start). https, or http on a loopback address.",
  },
  {
    name: 'LRS_OIDC_CLIENT_ID',
    default: null,
    description: "The portal's client id at the identity provider.",
  },
  {
    name: 'LRS_OIDC_CLIENT_SECRET',
    default: null,
    description: "The portal's client secret at the identity provider (client_secret_basic).",
  },
  {
    name: 'LRS_OIDC_REDIRECT_URI',
    default: '<LRS_BASE_URL>/signin/callback',
    description: 'Redirect URI registered at the identity provider.',
  },
  {
    name: 'LRS_OIDC_POST_LOGOUT_REDIRECT_URI',
    default: '<LRS_BASE_URL>/signin?out=1',
    description:
      'Where the identity provider sends the browser after sign-out (RP-initiated logout); register it at the provider as a post_logout_redirect_uri.',
  },
  { name: 'LRS_OIDC_SCOPES', default: 'openid profile', description: 'Scopes the portal asks for.' },
  {
    name: 'LRS_OIDC_CLAIMS',
    default: 'officialId=official_id,roles=roles,jurisdiction=jurisdiction,name=name',
    description:
      'Which ID token / userinfo claims carry the official id, the roles, the jurisdiction and the name.',
  },
  {
    name: 'LRS_OIDC_ROLE_MAP',
    default: null,
    description:
      'IdP role values to portal roles, e.g. welfare-staff=official,welfare-bureau=policy-unit,inspector=auditor; unset = the values are the roles.',
  },
  {
    name: 'LRS_SECRETS_KEY',
    default: null,
    description:
      'Key (base64 or base64url of 32 bytes) sealing secrets kept in the log (remote LRS credentials, webhook secrets) with AES-256-GCM; default a random key kept in LRS_DATA_DIR/secrets.key. Services sharing one EventStoreDB need the same key.',
  },
  {
    name: 'LRS_PORTAL_SECRET',
    default: null,
    description:
      'Key (32+ characters) for certificate verification codes and dev tokens; default a random key kept in LRS_DATA_DIR/portal-secret.',
  },
  {
    name: 'LRS_OUTBOUND_ALLOW',
    default: null,
    description:
      'Internal destinations remote LRS sources and webhooks may reach: host names, IP addresses and CIDR ranges, comma-separated (e.g. `127.0.0.1,10.1.0.0/16`). Without it loopback, private, link-local (cloud metadata), shared and reserved addresses are refused, by name resolution at configuration and on every connection.',
  },
  {
    name: 'LRS_PREAUTH_BODY_BYTES',
    default: String(64 * 1024),
    description:
      'Body bytes the server holds for a request before it is authenticated (the alternate request syntax carries its Authorization inside the form). More before credentials are seen → 401.',
  },
  {
    name: 'LRS_PREAUTH_TOTAL_BYTES',
    default: String(8 * MiB),
    description:
      'Body bytes held by all unauthenticated requests together; a request that would pass it → 503 alternate-syntax.busy with Retry-After.',
  },
  {
    name: 'LRS_MAX_CONNECTIONS',
    default: '1024',
    description: 'Open HTTP connections at once; further connections are refused until one closes.',
  },
  {
    name: 'LRS_PREAUTH_BODY_TIMEOUT_SECONDS',
    default: '10',
    description:
      'Seconds an unauthenticated request may take to send its body; then its connection is closed (authenticated uploads keep the 5-minute request timeout).',
  },
  {
    name: 'LRS_AUTH_FAILURES_PER_MINUTE',
    default: '10',
    description:
      'Failed HTTP Basic checks per client address and per credential key in a minute; past it, unproven secrets are answered 429 with Retry-After without being hashed (a secret already proven keeps working).',
  },
  {
    name: 'LRS_AUDIT_MAX_RUNNING_PER_PRINCIPAL',
    default: '2',
    description: 'Audit replays one principal may have queued or running at once; more → 429.',
  },
  {
    name: 'LRS_AUDIT_MAX_RUNNING',
    default: '4',
    description: 'Audit replays queued or running at once, all principals together; more → 429.',
  },
  {
    name: 'LRS_AUDIT_MAX_STORED_PER_PRINCIPAL',
    default: '10',
    description:
      'Audit replays (with their scratch models) one principal may keep; more → 429 until one is deleted or expires.',
  },
  {
    name: 'LRS_AUDIT_MAX_STORED',
    default: '40',
    description: 'Audit replays kept, all principals together; more → 429.',
  },
  {
    name: 'LRS_AUDIT_REPLAY_TTL_HOURS',
    default: '24',
    description: 'Hours a finished audit replay and its scratch models are kept before they are deleted.',
  },
  {
    name: 'LRS_AUDIT_DISK_BUDGET_BYTES',
    default: String(2048 * MiB),
    description: "Disk the audit replays' scratch models may use together; when spent, a new replay → 507.",
  },
]);
