export {
  type CertificateClaim,
  CertificateCodes,
  CertificateIndex,
  normalizeShortCode,
} from './certificate-code';
export { CATALOGS, LOCALES, type Locale, type MessageKey, negotiateLocale, Translator } from './i18n';
export { personName, personNames } from './person-name';
export { type PortalDeps, portalRouter, portalSecret } from './portal';
export { Sessions, safeNext, userOfClaims } from './session';
export { type Profile, SessionStore } from './session-store';
