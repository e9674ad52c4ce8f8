import type { JsonObject, RecordedEvent } from '@lrs/event-log';
import type { DocumentKey } from './document-key';

/** Event types of a document stream; the prefix is what the documents index subscribes to. */
export const DOCUMENT_EVENT_PREFIX = 'xapi.document.';
export const DOCUMENT_WRITTEN = 'xapi.document.written';
export const DOCUMENT_MERGED = 'xapi.document.merged';
export const DOCUMENT_DELETED = 'xapi.document.deleted';

/**
 * What a written or merged event says about the document (kept in the event's metadata; the
 * event's data is the content itself, as raw bytes, so binary documents need no encoding).
 * Content too large for one append is stored in the AttachmentStore and named by `contentRef`.
 */
export interface DocumentDescription {
  key: DocumentKey;
  contentType: string;
  /** SHA-1 hex of the content (xAPI Communication 3.1), unquoted. */
  etag: string;
  length: number;
  /** SHA-256 of the content in the AttachmentStore when it is not inline. */
  contentRef?: string;
  requestId?: string;
}

export interface DeletedDescription {
  key: DocumentKey;
  requestId?: string;
}

export type DocumentState =
  | { exists: false; revision: number | null }
  | {
      exists: true;
      revision: number;
      description: DocumentDescription;
      /** Inline content; null when it lives in the AttachmentStore (description.contentRef). */
      inline: Buffer | null;
      updated: Date;
      /** A sealed document's large content, opened from what the AttachmentStore holds (decision 079). */
      openAttachment?: (stored: Buffer) => Buffer;
    };

export function isDocumentEvent(event: RecordedEvent): boolean {
  return event.type.startsWith(DOCUMENT_EVENT_PREFIX);
}

/** The key every document event carries in its metadata. */
export function documentKeyOf(event: RecordedEvent): DocumentKey {
  return (event.metadata as unknown as { key: DocumentKey }).key;
}

/** The document as its stream's last event leaves it. */
export function documentStateOf(last: RecordedEvent | undefined): DocumentState {
  if (last === undefined) return { exists: false, revision: null };
  if (last.type === DOCUMENT_DELETED) return { exists: false, revision: last.revision };
  const description = last.metadata as unknown as DocumentDescription;
  const inline =
    description.contentRef === undefined
      ? last.data instanceof Uint8Array
        ? Buffer.from(last.data.buffer, last.data.byteOffset, last.data.byteLength)
        : Buffer.alloc(0)
      : null;
  return { exists: true, revision: last.revision, description, inline, updated: last.recorded };
}

export function asMetadata(value: DocumentDescription | DeletedDescription): JsonObject {
  return value as unknown as JsonObject;
}
