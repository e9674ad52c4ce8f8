import type { RecordedEvent } from '@lrs/event-log';
import { payloadOf } from './payloads';

/**
 * An erasure of one person (decision 065): recorded first, its consequences (keys destroyed,
 * read models purged) follow from it. No personal data: pseudonyms only.
 */
export const SUBJECT_ERASED = 'privacy.subject.erased';
export const PRIVACY_EVENT_PREFIX = 'privacy.';

/** One stream per erased pseudonym, appended with no_stream: a second erasure is a conflict. */
export const erasureStream = (pseudonym: string) => `privacy-erasure-${pseudonym}`;

export interface SubjectErasedData {
  erasureId: string;
  /** The subjects erased (one per identifier of the person). */
  pseudonyms: string[];
  /** How the administrator named the person: 'agent' or 'officialId' (not the value). */
  subjectKind: 'agent' | 'officialId';
  reason: string;
  legalBasis: string;
  /** The principal id of the administrator who asked. */
  requestedBy: string;
  /** ISO time of the request. */
  at: string;
}

declare module './payloads' {
  interface EventPayloads {
    'privacy.subject.erased': SubjectErasedData;
  }
}

export function subjectErasedData(event: RecordedEvent): SubjectErasedData {
  return payloadOf(event, SUBJECT_ERASED);
}
