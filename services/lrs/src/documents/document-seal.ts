import type { JsonObject } from '@lrs/event-log';
import { decrypt, encrypt, type KeyStore, openBytes, type Subject, sealBytes } from '@lrs/privacy';
import {
  DOCUMENT_DELETED,
  DOCUMENT_MERGED,
  DOCUMENT_WRITTEN,
  type DocumentDescription,
  type DocumentState,
} from './document-events';
import { type DocumentKey, documentStream } from './document-key';

/**
 * Agent documents sealed under the agent's subject (decision 079; crypto-shredding, decision 065).
 *
 * A State or Agent Profile document is addressed by its agent (xAPI Communication 2.3, 2.6). Its
 * events are stored so that nothing in the log links them to the person once the key is gone:
 *  - the stream is `documentStream` of the *stored key*: the document key with the agent's
 *    pseudonym in place of its identifier key, so the stream name cannot be recomputed from a
 *    known email (the pseudonym is reachable only through the key store's lookup, which an
 *    erasure deletes);
 *  - the metadata keeps the stored key, content type, length and (for large content) the
 *    attachment address in the clear, and seals the agent's identifier key and the ETag (the
 *    SHA-1 of the content would confirm a guessed content) in `sealed`;
 *  - the content (event data, or the attachment for large content) is sealed as bytes.
 * Activity Profile documents hold no agent and stay as they are.
 */

/** The sealed part of a written or merged document event's metadata. */
interface SealedDescription {
  agent: string;
  etag: string;
}

/** Document metadata as stored: DocumentDescription, with `etag` sealed on sealed events. */
type StoredDescription = Omit<DocumentDescription, 'etag'> & {
  etag?: string;
  sealed?: { s: string; v: string };
  /** A migrated document whose large content stayed plaintext in the attachment store. */
  contentSealed?: false;
  /** The older (unsealed) stream of this document, superseded by this sealed one. */
  supersedes?: string;
};

/** Pseudonyms are `p-<uuid>`; identifier keys start with their IFI's name (agentIfiKey). */
export const isPseudonym = (agent: string | undefined): boolean => agent?.startsWith('p-') === true;

/** The key a sealed document is stored under: the agent's pseudonym in place of its identifier. */
export const storedKeyOf = (key: DocumentKey, pseudonym: string): DocumentKey => ({
  ...key,
  agent: pseudonym,
});

/**
 * The one sealing rule of the three document event types (written, merged, deleted), used by
 * the write path and by the migration of older events (`documentEventSealer`). `data` is the
 * inline content (empty for large content already sealed into the attachment store, and for
 * a deletion). The metadata's `key.agent` is the identifier key.
 */
export function sealDocumentEvent(
  event: { type: string; data: Uint8Array; metadata: JsonObject },
  subject: Subject,
  options: { contentSealed?: false } = {},
): { stream: string; data: Uint8Array; metadata: JsonObject } {
  const meta = event.metadata as unknown as StoredDescription;
  const stored = storedKeyOf(meta.key, subject.pseudonym);
  const stream = documentStream(stored);
  if (event.type === DOCUMENT_DELETED) {
    const { key: _key, ...rest } = meta;
    return { stream, data: new Uint8Array(0), metadata: { ...rest, key: stored } as unknown as JsonObject };
  }
  const { key: _key, etag, ...rest } = meta;
  const sealedPart: SealedDescription = { agent: meta.key.agent!, etag: etag! };
  const metadata: StoredDescription = {
    ...rest,
    key: stored,
    sealed: { s: subject.pseudonym, v: encrypt(subject.key, subject.pseudonym, sealedPart) },
    ...(options.contentSealed === false ? { contentSealed: false as const } : {}),
  };
  // Inline content is sealed even when empty; large content was sealed into the attachment store.
  const data = meta.contentRef === undefined ? sealBytes(subject, event.data) : new Uint8Array(0);
  return { stream, data, metadata: metadata as unknown as JsonObject };
}

/** Whether a document event needs sealing: agent-scoped and not sealed yet. */
function needsSealing(type: string, metadata: JsonObject | undefined): boolean {
  if (type !== DOCUMENT_WRITTEN && type !== DOCUMENT_MERGED && type !== DOCUMENT_DELETED) return false;
  const meta = metadata as unknown as StoredDescription | undefined;
  if (meta?.key === undefined || meta.sealed !== undefined) return false;
  return meta.key.agent !== undefined && !isPseudonym(meta.key.agent);
}

/**
 * Seals one plaintext document event written before decision 079 (for the migration of a log):
 * the sealed event goes to the stream of the stored key. Null when there is nothing to seal
 * (an Activity Profile document, or an event already sealed). Document events keep their
 * content as raw bytes and their key in the metadata, so this sealer takes and returns them.
 * Large content of such an event stays in the attachment store as it was (marked
 * `contentSealed: false`); decision 079 says what that leaves.
 */
export function documentEventSealer(
  event: { stream: string; type: string; data: Uint8Array | JsonObject; metadata?: JsonObject },
  keys: KeyStore,
): { stream: string; data: Uint8Array; metadata: JsonObject } | null {
  if (!needsSealing(event.type, event.metadata)) return null;
  const meta = event.metadata as unknown as StoredDescription;
  const agent = meta.key.agent!;
  const subject = keys.subjects([agent]).get(agent)!;
  const data = event.data instanceof Uint8Array ? event.data : new Uint8Array(0);
  return sealDocumentEvent(
    { type: event.type, data, metadata: event.metadata! },
    subject,
    meta.contentRef !== undefined ? { contentSealed: false } : {},
  );
}

/**
 * The document a stream's last event leaves, opened with the key store: a sealed document
 * whose key is destroyed reads as absent (the person was erased). `open` turns the stored
 * content (inline or from the attachment store) back into the document's bytes.
 */
export function openDocumentState(
  last: { type: string; revision: number; data: unknown; metadata: JsonObject; recorded: Date },
  keyOf: (pseudonym: string) => Buffer | undefined,
): DocumentState & { openAttachment?: (stored: Buffer) => Buffer } {
  if (last.type === DOCUMENT_DELETED) return { exists: false, revision: last.revision };
  const meta = last.metadata as unknown as StoredDescription;
  const sealed = meta.sealed!;
  const key = keyOf(sealed.s);
  if (key === undefined) return { exists: false, revision: last.revision };
  const opened = decrypt(key, sealed.s, sealed.v) as SealedDescription;
  const { sealed: _s, contentSealed, supersedes: _p, ...rest } = meta;
  const description: DocumentDescription = {
    ...rest,
    key: { ...meta.key, agent: opened.agent },
    etag: opened.etag,
  };
  const data = last.data instanceof Uint8Array ? last.data : new Uint8Array(0);
  const inline = description.contentRef === undefined ? openBytes(key, sealed.s, data) : null;
  return {
    exists: true,
    revision: last.revision,
    description,
    inline,
    updated: last.recorded,
    openAttachment: (stored) => (contentSealed === false ? stored : openBytes(key, sealed.s, stored)),
  };
}

/** The older stream a sealed event supersedes (the documents index forgets its row). */
export const supersededStream = (metadata: JsonObject): string | undefined =>
  (metadata as unknown as StoredDescription).supersedes;

/** Whether a stored event's metadata is sealed (decision 079). */
export const isSealedDocumentEvent = (metadata: JsonObject): boolean =>
  (metadata as unknown as StoredDescription).sealed !== undefined;

/**
 * A document event as the migration of a log compares it before and after sealing (decision
 * 080; the PlaintextEventOpener of @lrs/privacy): stream and key under the agent's pseudonym (a
 * sealed deletion keeps nothing else of the agent, so both sides take that form), the agent's
 * identifier and the ETag opened, the content opened. For an unsealed event the agent's subject
 * is looked up, or created as `documentEventSealer` creates it right after.
 */
export function documentEventOpener(
  event: { type: string; stream: string; data: unknown; metadata: JsonObject },
  keys: KeyStore,
): { stream: string; data: Uint8Array; metadata: JsonObject } {
  const data = event.data instanceof Uint8Array ? event.data : new Uint8Array(0);
  const meta = event.metadata as unknown as StoredDescription | undefined;
  const agent = meta?.key?.agent;
  const asStored = { stream: event.stream, data, metadata: event.metadata };
  if (meta === undefined || agent === undefined) return asStored;
  if (!isPseudonym(agent)) {
    const subject = keys.subjects([agent]).get(agent)!;
    const stored = storedKeyOf(meta.key, subject.pseudonym);
    const { key: _key, etag, ...rest } = meta;
    const metadata =
      event.type === DOCUMENT_DELETED
        ? { ...rest, ...(etag !== undefined ? { etag } : {}), key: stored }
        : { ...rest, key: stored, agent, etag };
    return { stream: documentStream(stored), data, metadata: metadata as unknown as JsonObject };
  }
  if (meta.sealed === undefined) return asStored; // a sealed deletion
  const key = keys.key(meta.sealed.s);
  if (key === undefined) return asStored; // erased
  const opened = decrypt(key, meta.sealed.s, meta.sealed.v) as SealedDescription;
  const { sealed: _s, contentSealed: _c, key: stored, etag: _e, ...rest } = meta;
  return {
    stream: event.stream,
    data: meta.contentRef === undefined ? openBytes(key, meta.sealed.s, data) : data,
    metadata: { ...rest, key: stored, agent: opened.agent, etag: opened.etag } as unknown as JsonObject,
  };
}
