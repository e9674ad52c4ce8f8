export type { AuthenticateOptions } from './authenticate';
export { authenticate, BASIC_CHALLENGE, requireScope } from './authenticate';
export { ensureBootstrapCredential } from './bootstrap';
export type { AuthorityAgent, CredentialIssued, CredentialRevoked } from './credential-events';
export {
  CREDENTIAL_EVENT_PREFIX,
  CREDENTIAL_ISSUED,
  CREDENTIAL_REVOKED,
  CREDENTIAL_STREAM_PREFIX,
  credentialStream,
} from './credential-events';
export type {
  CredentialSummary,
  IssuedCredential,
  IssueRequest,
  RegistryOptions,
  VerifyResult,
} from './credential-registry';
export { CredentialRegistry } from './credential-registry';
export type { CredentialsRouterOptions } from './credentials-router';
export { credentialsRouter } from './credentials-router';
export type { JwksOptions } from './jwks';
export { JwksKeySource } from './jwks';
export type { JwtVerifierOptions } from './jwt-verifier';
export { JwtVerifier } from './jwt-verifier';
export type { Principal, PrincipalIdentity, Role } from './principal';
export {
  canDefine,
  canReadAllStatements,
  canReadMine,
  canReadProfiles,
  canReadState,
  canWriteProfiles,
  canWriteState,
  canWriteStatements,
  credentialPrincipal,
  hasScope,
  identityKey,
  isAdmin,
  principalKey,
  ROLES,
  storedWriterOf,
  TokenClaimsError,
  tokenPrincipal,
} from './principal';
export { runStandaloneService, type StandaloneService } from './run-standalone-service';
export type { Scope } from './scopes';
export { ADMIN_SCOPE, ALL_SCOPES, expandScopes, isScope, ROSTERS_IMPORT_SCOPE, XAPI_SCOPES } from './scopes';
export { isSealed, type Sealed, SecretBox, SecretBoxError } from './secret-box';
export type { ScryptCost, SecretHash } from './secret-hash';
export { DEFAULT_SCRYPT_COST, hashSecret, verifySecret } from './secret-hash';
export type { TokenRejection } from './token-rejected';
export { TokenRejected } from './token-rejected';
