export { ConfigError } from './config-error';
export { dataDirKey } from './data-dir-key';
export type { Config, JwtConfig, LogLevel, OidcConfig } from './load-config';
export { CREDENTIAL_KEY_PATTERN, configWarnings, loadConfig } from './load-config';
export type { ConfigVariable } from './variables';
export { CONFIG_VARIABLES, MiB } from './variables';
