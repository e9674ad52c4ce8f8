// Sealing the registry's personal records (decision 077): the official's record and an exemption
// keep in the clear what aggregates need and the official's pseudonym; officialId, name,
// identifiers and an exemption's free-text reason are sealed under the official's key.
import type { EventLog, JsonObject, RecordedEvent } from '@lrs/event-log';
import { isSealedRecord, payloadOf } from '@lrs/events';
import {
  erasedAgentAccount,
  type KeyStore,
  type PlaintextEventOpener,
  type PlaintextEventSealer,
  sealRecordFields,
} from '@lrs/privacy';
import {
  EXEMPTION_RECORDED,
  type Exemption,
  exemptionStream,
  identifierKey,
  OFFICIAL_RECORDED,
  type Official,
  officialStream,
} from './reference-data';

/** The key store's lookup key of an official (distinct from every xAPI identifier key, which starts with its kind). */
export const OFFICIAL_SUBJECT_PREFIX = 'official|';
export const officialSubjectKey = (officialId: string) => `${OFFICIAL_SUBJECT_PREFIX}${officialId}`;

/**
 * `training.official.recorded`: stream `training-official-<pseudonym>`; in the clear the org unit,
 * staff group, jurisdiction and employment dates (with their dates), `subject` and
 * `identifierSubjects` (each identifier's own subject, created now so the person's statements are
 * sealed under the same ones); sealed: officialId, name, identifiers. Erased, it reads as
 * officialId = name = the pseudonym and identifiers = the erased agents the person's statements
 * read as, so a rebuild links the same facts to the same (pseudonymous) official.
 */
export const officialRecordSealer: PlaintextEventSealer = (event, keys) => {
  if (event.type !== OFFICIAL_RECORDED || event.data instanceof Uint8Array || isSealedRecord(event.data))
    return null;
  const {
    officialId,
    name,
    identifiers,
    subject: _s,
    identifierSubjects: _i,
    ...clear
  } = event.data as unknown as Official;
  const ifis = identifiers.map(identifierKey);
  const subjects = keys.subjects([officialSubjectKey(officialId), ...ifis]);
  const official = subjects.get(officialSubjectKey(officialId))!;
  const identifierSubjects = ifis.map((ifi) => subjects.get(ifi)!.pseudonym);
  const data = {
    ...clear,
    subject: official.pseudonym,
    identifierSubjects,
    sealed: sealRecordFields(official, { officialId, name, identifiers } as unknown as JsonObject, {
      officialId: official.pseudonym,
      name: official.pseudonym,
      identifiers: identifierSubjects.map(erasedAgentAccount),
    }),
  };
  return { stream: officialStream(official.pseudonym), data: data as unknown as JsonObject };
};

/**
 * `training.exemption.recorded`: the stream stays `training-exemption-<exemptionId>` (an importer's
 * id); officialId and reason are sealed under the official's key (created here when the exemption
 * comes before the official's record), the official's pseudonym is in the clear. Erased, officialId
 * reads as the pseudonym and the reason as empty.
 */
export const exemptionRecordSealer: PlaintextEventSealer = (event, keys) => {
  if (event.type !== EXEMPTION_RECORDED || event.data instanceof Uint8Array || isSealedRecord(event.data))
    return null;
  const { exemptionId, officialId, reason, subject: _s, ...clear } = event.data as unknown as Exemption;
  const official = keys.subjects([officialSubjectKey(officialId)]).get(officialSubjectKey(officialId))!;
  const data = {
    exemptionId,
    ...clear,
    subject: official.pseudonym,
    sealed: sealRecordFields(
      official,
      { officialId, reason },
      { officialId: official.pseudonym, reason: '' },
    ),
  };
  return { stream: exemptionStream(exemptionId), data: data as unknown as JsonObject };
};

/** The sealers of the registry's event types, for the write path and the migration (decision 077). */
export const REGISTRY_SEALERS: ReadonlyMap<string, PlaintextEventSealer> = new Map([
  [OFFICIAL_RECORDED, officialRecordSealer],
  [EXEMPTION_RECORDED, exemptionRecordSealer],
]);

/**
 * An official's record as the code before sealing wrote it (the migration's fingerprints compare
 * it, decision 080): opened, without what only the sealed form adds, on `training-official-<id>`.
 */
export const officialRecordOpener: PlaintextEventOpener = (event) => {
  const record = withoutPseudonyms(payloadOf(event, OFFICIAL_RECORDED) as unknown as JsonObject);
  return { stream: officialStream(String(record.officialId)), data: record };
};

/** An exemption as the code before sealing wrote it: opened, without the official's pseudonym. */
export const exemptionRecordOpener: PlaintextEventOpener = (event) => {
  const { subject: _s, ...record } = payloadOf(event, EXEMPTION_RECORDED) as unknown as JsonObject;
  return { stream: event.stream, data: record };
};

/** The openers of the registry's sealed event types, for the migration (decision 080). */
export const REGISTRY_OPENERS: ReadonlyMap<string, PlaintextEventOpener> = new Map([
  [OFFICIAL_RECORDED, officialRecordOpener],
  [EXEMPTION_RECORDED, exemptionRecordOpener],
]);

/**
 * Where the sealed record of an import row lives now, found without creating a subject: the
 * official's pseudonymous stream when the key store knows them (null otherwise).
 */
export function sealedStreamOf(type: string, record: JsonObject, keys: KeyStore): string | null {
  if (type !== OFFICIAL_RECORDED) return null;
  const subject = keys.find(officialSubjectKey((record as unknown as Official).officialId));
  return subject ? officialStream(subject.pseudonym) : null;
}

/** A record as read, without what only its sealed form adds (for the comparison with an import row). */
export function withoutPseudonyms(record: JsonObject): JsonObject {
  const { subject: _s, identifierSubjects: _i, ...rest } = record;
  return rest;
}

/**
 * The subjects an erasure of an official destroys (decision 077): their own, and the subject of
 * every identifier any version of their sealed registry record named (their statements are sealed
 * under those). Null when the key store does not know the official (never recorded sealed, or erased).
 */
export async function officialSubjectsOf(
  log: EventLog,
  keys: KeyStore,
  officialId: string,
): Promise<{ pseudonym: string; identifiers: string[] } | null> {
  const subject = keys.find(officialSubjectKey(officialId));
  if (!subject) return null;
  let history: RecordedEvent[] = [];
  try {
    history = await log.readStream(officialStream(subject.pseudonym));
  } catch (error) {
    // An official known only from an exemption has no record stream.
    if ((error as Error).name !== 'StreamNotFoundError') throw error;
  }
  const identifiers = new Set<string>();
  for (const event of history)
    for (const s of payloadOf(event, OFFICIAL_RECORDED).identifierSubjects ?? []) identifiers.add(s);
  return { pseudonym: subject.pseudonym, identifiers: [...identifiers] };
}

const PSEUDONYM = /^p-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Whether an official as read is an erased one (decision 077): a sealed record whose key is gone
 * reads with the pseudonym as both id and name. Pages show such a person in words, not the pseudonym.
 */
export const isErasedOfficial = (officialId: string, name: string): boolean =>
  name === officialId && PSEUDONYM.test(officialId);
