import { createHash } from 'node:crypto';

/** The three document resources (xAPI Communication 2.3, 2.6, 2.7). */
export type DocumentResource = 'state' | 'activity-profile' | 'agent-profile';

/**
 * Where a document lives: the resource and the parameters that scope its id. `agent` is the
 * Agent's IFI key (agentIfiKey), so two spellings of one mbox address the same document.
 */
export interface DocumentScope {
  resource: DocumentResource;
  activityId?: string;
  agent?: string;
  /** State only; lower-case UUID. */
  registration?: string;
}

export interface DocumentKey extends DocumentScope {
  /** stateId or profileId. */
  id: string;
}

/**
 * The readable key as one string, fixed field order: hashing it names the stream, and
 * JSON escaping keeps `|` or quotes in an id from colliding with another key.
 */
export function canonicalDocumentKey(key: DocumentKey): string {
  return JSON.stringify([
    key.resource,
    key.activityId ?? null,
    key.agent ?? null,
    key.registration ?? null,
    key.id,
  ]);
}

/**
 * One stream per document, e.g. `state-<sha256>`: ids and activity IRIs are unbounded and
 * may hold any character, so the stream name carries a hash and the event keeps the key.
 */
export function documentStream(key: DocumentKey): string {
  const hash = createHash('sha256').update(canonicalDocumentKey(key)).digest('hex');
  return `${key.resource}-${hash}`;
}

/** The scope the id lists and multi-document DELETE look up (registration kept apart). */
export function scopeIndexKey(scope: DocumentScope): string {
  return JSON.stringify([scope.resource, scope.activityId ?? null, scope.agent ?? null]);
}
