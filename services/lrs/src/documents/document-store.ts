import { createHash } from 'node:crypto';
import type { AttachmentStore } from '@lrs/attachments';
import type { EventLog, EventToAppend, ExpectedRevision, LogPosition, RecordedEvent } from '@lrs/event-log';
import { ServiceUnavailable } from '@lrs/http';
import {
  asMetadata,
  DOCUMENT_DELETED,
  DOCUMENT_MERGED,
  DOCUMENT_WRITTEN,
  type DocumentDescription,
  type DocumentState,
  documentStateOf,
} from './document-events';
import { type DocumentKey, documentStream } from './document-key';
import { isJsonMediaType, mergeInto, parsePostedObject } from './merge-json';
import { checkPreconditions, hasPreconditions, type Preconditions } from './preconditions';

export interface DocumentWrite {
  key: DocumentKey;
  method: 'PUT' | 'POST';
  content: Buffer;
  contentType: string;
  preconditions: Preconditions;
  /** A PUT with neither header onto an existing document is 409 (Communication 3.1; 2.0 State). */
  putNeedsHeader: boolean;
  requestId?: string;
}

export interface DocumentWritten {
  etag: string;
  position: LogPosition;
}

export interface DocumentStoreOptions {
  /** Content up to this size goes in the document event; larger content in the AttachmentStore. */
  inlineMaxBytes?: number;
}

/** Inline content stays well below the log's 1 MiB per append, leaving room for the key. */
export const DEFAULT_INLINE_MAX_BYTES = 768 * 1024;
/** Lost races retried before giving up (each retry re-reads and re-checks the preconditions). */
const MAX_ATTEMPTS = 16;

export const etagOf = (content: Buffer) => createHash('sha1').update(content).digest('hex');

/**
 * The document resources' source of truth: one stream per document (document-key.ts), whose
 * last event is the document. Every conditional write appends with the revision it read as
 * the expected revision, so of two writers that read the same revision exactly one wins; the
 * loser re-reads and re-checks its preconditions (a stale If-Match then fails with 412).
 */
export class DocumentStore {
  private readonly inlineMaxBytes: number;

  constructor(
    private readonly log: EventLog,
    private readonly attachments: Pick<AttachmentStore, 'put' | 'get'>,
    options: DocumentStoreOptions = {},
  ) {
    this.inlineMaxBytes = options.inlineMaxBytes ?? DEFAULT_INLINE_MAX_BYTES;
  }

  async read(key: DocumentKey): Promise<DocumentState> {
    let events: RecordedEvent[];
    try {
      events = await this.log.readStream(documentStream(key), { direction: 'backwards', maxCount: 1 });
    } catch (error) {
      if ((error as Error).name === 'StreamNotFoundError') return { exists: false, revision: null };
      throw error;
    }
    return documentStateOf(events[0]);
  }

  /** The bytes of an existing document. */
  async content(state: Extract<DocumentState, { exists: true }>): Promise<Buffer> {
    if (state.inline !== null) return state.inline;
    const ref = state.description.contentRef!;
    const stored = await this.attachments.get(ref);
    if (stored === null) throw new Error(`document content ${ref} is missing from the attachment store`);
    return stored.bytes;
  }

  async write(request: DocumentWrite): Promise<DocumentWritten> {
    // A POST onto a document that does not exist stores the content as a PUT would, whatever its type
    // (ADL suite XAPI-00233 and "cannot reject a POST based on the contents"); the JSON procedure of
    // Communication 2.2, and so the JSON object checks, apply only when there is a document to merge into.
    let posted: ReturnType<typeof parsePostedObject> | undefined;
    const postedObject = () => {
      posted ??= parsePostedObject(request.contentType, request.content);
      return posted;
    };
    // Communication 2.2, JSON procedure: content posted as application/json must be a JSON object,
    // whether or not a document exists yet (else a first POST would store, and later serve as
    // JSON, what no merge could accept). Other content types on a new document are stored as is.
    if (request.method === 'POST' && isJsonMediaType(request.contentType)) postedObject();
    // An unconditional replace (1.0.3 State PUT without headers) needs no read: last write wins.
    const blind =
      request.method === 'PUT' && !request.putNeedsHeader && !hasPreconditions(request.preconditions);
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      let expected: ExpectedRevision = 'any';
      let content = request.content;
      let contentType = request.contentType;
      let type = DOCUMENT_WRITTEN;
      if (!blind) {
        const state = await this.read(request.key);
        checkPreconditions(state, request.preconditions, request.method, request.putNeedsHeader);
        expected = state.revision ?? 'no_stream';
        if (request.method === 'POST' && state.exists) {
          content = mergeInto(state.description.contentType, await this.content(state), postedObject());
          contentType = 'application/json';
          type = DOCUMENT_MERGED;
        }
      }
      const event = await this.documentEvent(request, type, content, contentType);
      try {
        const result = await this.log.append(documentStream(request.key), [event.event], {
          expectedRevision: expected,
        });
        return { etag: event.etag, position: result.position };
      } catch (error) {
        if ((error as Error).name !== 'WrongExpectedRevisionError') throw error;
        // A concurrent writer got in between our read and our append: read again.
      }
    }
    throw new ServiceUnavailable({
      rule: 'document.contention',
      pointer: '',
      message: `The document changed ${MAX_ATTEMPTS} times while this request tried to write it; retry.`,
    });
  }

  /**
   * Deletes one document. Deleting a document that does not exist changes nothing and succeeds
   * (unless If-Match says the client expected one). Returns null when nothing was appended.
   */
  async delete(
    key: DocumentKey,
    preconditions: Preconditions,
    requestId?: string,
  ): Promise<LogPosition | null> {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const state = await this.read(key);
      checkPreconditions(state, preconditions, 'DELETE', false);
      if (!state.exists) return null;
      try {
        const result = await this.log.append(documentStream(key), [deletedEvent(key, requestId)], {
          expectedRevision: state.revision,
        });
        return result.position;
      } catch (error) {
        if ((error as Error).name !== 'WrongExpectedRevisionError') throw error;
      }
    }
    throw new ServiceUnavailable({
      rule: 'document.contention',
      pointer: '',
      message: `The document changed ${MAX_ATTEMPTS} times while this request tried to delete it; retry.`,
    });
  }

  /** Deletes several documents (State multi-document DELETE), each atomically on its own. */
  async deleteAll(keys: readonly DocumentKey[], requestId?: string): Promise<LogPosition | null> {
    let last: LogPosition | null = null;
    const BATCH = 200;
    for (let i = 0; i < keys.length; i += BATCH) {
      const outcomes = await this.log.appendMany(
        keys.slice(i, i + BATCH).map((key) => ({
          stream: documentStream(key),
          events: [deletedEvent(key, requestId)],
          // A document already gone (a concurrent DELETE) needs no second tombstone.
          expectedRevision: 'exists' as const,
        })),
      );
      for (const outcome of outcomes) {
        if (outcome.ok) last = outcome.result.position;
        else if (outcome.error.name !== 'WrongExpectedRevisionError') throw outcome.error;
      }
    }
    return last;
  }

  private async documentEvent(
    request: DocumentWrite,
    type: string,
    content: Buffer,
    contentType: string,
  ): Promise<{ event: EventToAppend; etag: string }> {
    const etag = etagOf(content);
    const description: DocumentDescription = {
      key: request.key,
      contentType,
      etag,
      length: content.length,
      ...(request.requestId ? { requestId: request.requestId } : {}),
    };
    let data: Uint8Array = content;
    if (content.length > this.inlineMaxBytes) {
      // Over one append's worth: the chunked, content-addressed attachment store holds it.
      const sha256 = createHash('sha256').update(content).digest('hex');
      await this.attachments.put(sha256, contentType, content);
      description.contentRef = sha256;
      data = new Uint8Array(0);
    }
    return { event: { type, data, metadata: asMetadata(description) }, etag };
  }
}

function deletedEvent(key: DocumentKey, requestId?: string): EventToAppend {
  return {
    type: DOCUMENT_DELETED,
    data: new Uint8Array(0),
    metadata: asMetadata({ key, ...(requestId ? { requestId } : {}) }),
  };
}
