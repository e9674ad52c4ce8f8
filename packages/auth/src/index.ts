export type { AuthenticateOptions } from './authenticate';
export { authenticate, BASIC_CHALLENGE, requireScope } from './authenticate';
export { ensureBootstrapCredential } from './bootstrap';
export type {
  CredentialSummary,
  IssuedCredential,
  IssueRequest,
  RegistryOptions,
  VerifyResult,
} from './CredentialRegistry';
export { CredentialRegistry } from './CredentialRegistry';
export type { AuthorityAgent, CredentialIssued, CredentialRevoked } from './credentialEvents';
export {
  CREDENTIAL_EVENT_PREFIX,
  CREDENTIAL_ISSUED,
  CREDENTIAL_REVOKED,
  CREDENTIAL_STREAM_PREFIX,
  credentialStream,
} from './credentialEvents';
export type { CredentialsRouterOptions } from './credentialsRouter';
export { credentialsRouter } from './credentialsRouter';
export type { JwksOptions } from './jwks';
export { JwksKeySource } from './jwks';
export type { JwtVerifierOptions } from './jwtVerifier';
export { JwtVerifier } from './jwtVerifier';
export type { Principal, Role } from './principal';
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
  isAdmin,
  ROLES,
  TokenClaimsError,
  tokenPrincipal,
} from './principal';
export { runStandaloneService, type StandaloneService } from './runStandaloneService';
export type { Scope } from './scopes';
export { ADMIN_SCOPE, ALL_SCOPES, expandScopes, isScope, ROSTERS_IMPORT_SCOPE, XAPI_SCOPES } from './scopes';
export { isSealed, type Sealed, SecretBox, SecretBoxError } from './secretBox';
export type { ScryptCost, SecretHash } from './secretHash';
export { DEFAULT_SCRYPT_COST, hashSecret, verifySecret } from './secretHash';
export type { TokenRejection } from './TokenRejected';
export { TokenRejected } from './TokenRejected';
