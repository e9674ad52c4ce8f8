import type { JsonObject } from '@lrs/event-log';
import type { Subject } from './key-store';
import { decrypt, ERASED_HOME_PAGE, encrypt } from './seal';

/**
 * A sealed reference record (decision 077): the fields a record keeps in the clear, and
 *   "sealed": { "s": "<pseudonym>", "v": "v1.<AES-256-GCM of the personal fields>", "erased": {…} }
 * where `erased` is what the personal fields read as once the key is destroyed (pseudonyms only,
 * written by the record's sealer), so a rebuild or replay after an erasure reads the same record
 * every time. payloadOf (@lrs/events) opens it through the codec the vault registers.
 */
export interface SealedRecordEnvelope {
  s: string;
  v: string;
  erased: JsonObject;
}

/** The envelope of `personal` under `subject`'s key, with the reading after an erasure. */
export function sealRecordFields(
  subject: Subject,
  personal: JsonObject,
  erased: JsonObject,
): SealedRecordEnvelope {
  return { s: subject.pseudonym, v: encrypt(subject.key, subject.pseudonym, personal), erased };
}

/**
 * A sealed record as read: the clear fields, then the personal fields (opened with the key, or
 * the erased reading when `keyOf` has no key for the pseudonym).
 */
export function openSealedRecord(
  data: JsonObject,
  keyOf: (pseudonym: string) => Buffer | undefined,
): JsonObject {
  const { sealed, ...clear } = data as JsonObject & { sealed: SealedRecordEnvelope };
  const key = keyOf(sealed.s);
  const personal = key === undefined ? sealed.erased : (decrypt(key, sealed.s, sealed.v) as JsonObject);
  return { ...clear, ...personal };
}

/** The agent an erased identifier reads as (decision 065): `account` on `urn:lrs:erased` named by its pseudonym. */
export const erasedAgentAccount = (pseudonym: string) => ({
  account: { homePage: ERASED_HOME_PAGE, name: pseudonym },
});
