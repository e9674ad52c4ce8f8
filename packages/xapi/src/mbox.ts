import { createHash } from 'node:crypto';

// xAPI Data 2.4.2.3: mbox is "mailto:email address". The local part and domain exclude whitespace and the
// characters that would make the value an ambiguous address list.
const MAILTO = /^mailto:([^\s@<>()[\]\\,;:"]+)@([^\s@<>()[\]\\,;:"]+)$/;

export function isMailtoIri(value: string): boolean {
  const match = MAILTO.exec(value);
  if (!match) return false;
  const domain = match[2]!;
  return !domain.startsWith('.') && !domain.endsWith('.') && !domain.includes('..');
}

/**
 * The mbox with its domain lowercased: xAPI Data 2.3.1 lists the e-mail domain as case-insensitive, and
 * 2.4.2.3 asks clients to hash the lowercase-domain form.
 */
export function normalizeMbox(mbox: string): string {
  const at = mbox.lastIndexOf('@');
  if (!mbox.startsWith('mailto:') || at < 0) return mbox;
  return mbox.slice(0, at + 1) + mbox.slice(at + 1).toLowerCase();
}

/** Hex SHA-1 of the mailto IRI, as used by mbox_sha1sum (xAPI Data 2.4.2.3). */
export function mboxSha1(mbox: string): string {
  return createHash('sha1').update(normalizeMbox(mbox), 'utf8').digest('hex');
}
