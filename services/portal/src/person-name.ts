import { isErasedOfficial } from '@lrs/training';
import type { Translator } from './i18n';

/**
 * An official's name as every page shows it: an erased person in words, in the reader's language,
 * never their pseudonym (decision 077). Lists, the dashboard, the cohort, an official's page and
 * certificate, and the audit's differences all call this.
 */
export const personName = (officialId: string, name: string, tr: Translator): string =>
  isErasedOfficial(officialId, name) ? tr.t('erasedPerson') : name;

/** The names of officials by id (LedgerReader.officialNames) as pages show them. */
export const personNames = (names: ReadonlyMap<string, string>, tr: Translator): Map<string, string> =>
  new Map([...names].map(([id, name]) => [id, personName(id, name, tr)]));
