export { ConfigError } from './ConfigError';
export { dataDirKey } from './dataDirKey';
export type { Config, JwtConfig, LogLevel } from './loadConfig';
export { CREDENTIAL_KEY_PATTERN, loadConfig } from './loadConfig';
export type { ConfigVariable } from './variables';
export { CONFIG_VARIABLES, MiB } from './variables';
