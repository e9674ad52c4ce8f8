import type { Translator } from './i18n';
import type { PortalUser } from './session';

/** What every portal page is rendered with: the signed-in user, their language and time zone, the CSRF token. */
export interface PortalContext {
  user: PortalUser | null;
  tr: Translator;
  csrf: string;
}
