import { createHash } from 'node:crypto';
import type { AttachmentStore } from '@lrs/attachments';
import type { EventLog, EventToAppend, ExpectedRevision, LogPosition, RecordedEvent } from '@lrs/event-log';
import { ServiceUnavailable } from '@lrs/http';
import { type KeyStore, type Subject, sealBytes } from '@lrs/privacy';
import {
  asMetadata,
  DOCUMENT_DELETED,
  DOCUMENT_MERGED,
  DOCUMENT_WRITTEN,
  type DocumentDescription,
  type DocumentState,
  documentStateOf,
} from './document-events';
import { type DocumentKey, type DocumentScope, documentStream } from './document-key';
import { isSealedDocumentEvent, openDocumentState, sealDocumentEvent, storedKeyOf } from './document-seal';
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
  /**
   * The key store: State and Agent Profile documents are sealed under their agent's subject
   * (decision 079). Without it documents are stored unsealed (benchmarks of the store alone).
   */
  keys?: KeyStore;
}

/**
 * Where a document is read from and written to. `stream` is where the next event goes; for a
 * document written before decision 079 (an unsealed stream) that is the sealed stream, which
 * then supersedes the older one.
 */
interface Located {
  state: DocumentState;
  stream: string;
  /** The revision of `stream` a conditional write expects. */
  expected: ExpectedRevision;
  subject: Subject | null;
  /** The older stream the state was read from, when a sealed stream takes its place. */
  supersedes?: string;
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
  private readonly keys: KeyStore | undefined;

  constructor(
    private readonly log: EventLog,
    private readonly attachments: Pick<AttachmentStore, 'put' | 'get'>,
    options: DocumentStoreOptions = {},
  ) {
    this.inlineMaxBytes = options.inlineMaxBytes ?? DEFAULT_INLINE_MAX_BYTES;
    this.keys = options.keys;
  }

  /** A document by the key the xAPI API gives (its agent an identifier key). */
  async read(key: DocumentKey): Promise<DocumentState> {
    return (await this.locate(key, false)).state;
  }

  /** A document by the key it is stored under (as the documents index lists it). */
  async readStored(stored: DocumentKey): Promise<DocumentState> {
    const last = await this.last(documentStream(stored));
    return last === null ? { exists: false, revision: null } : this.stateOf(last);
  }

  /**
   * The scopes the documents index holds an API scope's documents under: the agent's pseudonym
   * (sealed, decision 079) and, for documents written before it, the identifier key itself. An
   * agent the key store does not know (never seen, or erased) has no sealed documents.
   */
  storedScopes(scope: DocumentScope): DocumentScope[] {
    if (!this.keys || scope.agent === undefined) return [scope];
    const subject = this.keys.find(scope.agent);
    return subject ? [{ ...scope, agent: subject.pseudonym }, scope] : [scope];
  }

  /** The bytes of an existing document. */
  async content(state: Extract<DocumentState, { exists: true }>): Promise<Buffer> {
    if (state.inline !== null) return state.inline;
    const ref = state.description.contentRef!;
    const stored = await this.attachments.get(ref);
    if (stored === null) throw new Error(`document content ${ref} is missing from the attachment store`);
    return state.openAttachment ? state.openAttachment(stored.bytes) : stored.bytes;
  }

  private async last(stream: string): Promise<RecordedEvent | null> {
    try {
      const [last] = await this.log.readStream(stream, { direction: 'backwards', maxCount: 1 });
      return last ?? null;
    } catch (error) {
      if ((error as Error).name === 'StreamNotFoundError') return null;
      throw error;
    }
  }

  private stateOf(last: RecordedEvent): DocumentState {
    if (last.type === DOCUMENT_DELETED || !isSealedDocumentEvent(last.metadata)) return documentStateOf(last);
    // A sealed document whose key is gone reads as never written (decision 079).
    return openDocumentState(last, (pseudonym) => this.keys?.key(pseudonym));
  }

  /**
   * Sealed streams this process has seen exist (a stream, once written, always exists: a
   * deletion appends a tombstone), so a blind write to a known agent's document needs no read to
   * rule out an older unsealed document it would supersede. Bounded; forgetting only costs a read.
   */
  private readonly sealedStreams = new Set<string>();

  private remember(stream: string): void {
    if (this.sealedStreams.size >= 100_000) this.sealedStreams.clear();
    this.sealedStreams.add(stream);
  }

  /** A blind write's target when the agent is known and its sealed stream is known to exist. */
  private knownSealedStream(key: DocumentKey): Located | null {
    if (!this.keys || key.agent === undefined) return null;
    const subject = this.keys.find(key.agent);
    if (!subject) return null;
    const stream = documentStream(storedKeyOf(key, subject.pseudonym));
    if (!this.sealedStreams.has(stream)) return null;
    return { state: { exists: false, revision: null }, stream, expected: 'any', subject };
  }

  /**
   * Where the document of an API key is. An agent-scoped document lives in the stream of its
   * stored key (the agent's pseudonym, decision 079); one written before that, in the stream of
   * its plain key until a write or delete supersedes it. `create`: a writer creates the
   * agent's subject (made durable before the append).
   */
  private async locate(key: DocumentKey, create: boolean): Promise<Located> {
    const plain = documentStream(key);
    let subject: Subject | null = null;
    // A subject created by this call has no sealed stream yet: no need to read it.
    let created = false;
    if (this.keys && key.agent !== undefined) {
      subject = this.keys.find(key.agent) ?? null;
      if (subject === null && create) {
        subject = this.keys.subjects([key.agent]).get(key.agent)!;
        created = true;
      }
    }
    if (subject && !created) {
      const stream = documentStream(storedKeyOf(key, subject.pseudonym));
      const last = await this.last(stream);
      if (last !== null) {
        this.remember(stream);
        const state = this.stateOf(last);
        return { state, stream, expected: last.revision, subject };
      }
    }
    const last = await this.last(plain);
    const state: DocumentState = last === null ? { exists: false, revision: null } : this.stateOf(last);
    if (subject === null) return { state, stream: plain, expected: state.revision ?? 'no_stream', subject };
    return {
      state,
      stream: documentStream(storedKeyOf(key, subject.pseudonym)),
      expected: 'no_stream',
      subject,
      ...(state.exists ? { supersedes: plain } : {}),
    };
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
    // An agent's document is sealed under their subject (decision 079), even on a blind write,
    // which reads only to find the stream (a document written before sealing is superseded).
    const sealed = this.keys !== undefined && request.key.agent !== undefined;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      let expected: ExpectedRevision = 'any';
      let content = request.content;
      let contentType = request.contentType;
      let type = DOCUMENT_WRITTEN;
      let stream = documentStream(request.key);
      let located: Located | undefined;
      if (!blind || sealed) {
        located =
          (blind ? this.knownSealedStream(request.key) : null) ?? (await this.locate(request.key, true));
        stream = located.stream;
      }
      if (!blind && located) {
        const { state } = located;
        checkPreconditions(state, request.preconditions, request.method, request.putNeedsHeader);
        expected = located.expected;
        if (request.method === 'POST' && state.exists) {
          content = mergeInto(state.description.contentType, await this.content(state), postedObject());
          contentType = 'application/json';
          type = DOCUMENT_MERGED;
        }
      }
      const event = await this.documentEvent(request, type, content, contentType, located);
      try {
        const result = await this.log.append(stream, [event.event], {
          expectedRevision: expected,
        });
        if (located?.subject) this.remember(stream);
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
      const located = await this.locate(key, false);
      const { state } = located;
      checkPreconditions(state, preconditions, 'DELETE', false);
      if (!state.exists) return null;
      try {
        const result = await this.log.append(located.stream, [this.deletedEvent(key, located, requestId)], {
          expectedRevision: located.expected,
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

  /**
   * Deletes several documents (State multi-document DELETE), each atomically on its own. The
   * keys are stored keys, as the documents index lists them (`storedScopes`): a sealed
   * document's tombstone names only its pseudonym.
   */
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
    located?: Located,
  ): Promise<{ event: EventToAppend; etag: string }> {
    const etag = etagOf(content);
    const description: DocumentDescription = {
      key: request.key,
      contentType,
      etag,
      length: content.length,
      ...(request.requestId ? { requestId: request.requestId } : {}),
    };
    const subject = located?.subject ?? null;
    let data: Uint8Array = content;
    if (content.length > this.inlineMaxBytes) {
      // Over one append's worth: the chunked, content-addressed attachment store holds it
      // (sealed first for an agent's document: the store then holds only ciphertext).
      const stored = subject ? sealBytes(subject, content) : content;
      const sha256 = createHash('sha256').update(stored).digest('hex');
      await this.attachments.put(sha256, subject ? 'application/octet-stream' : contentType, stored);
      description.contentRef = sha256;
      data = new Uint8Array(0);
    }
    if (!subject) return { event: { type, data, metadata: asMetadata(description) }, etag };
    const metadata = asMetadata({
      ...description,
      ...(located?.supersedes ? { supersedes: located.supersedes } : {}),
    });
    const sealed = sealDocumentEvent({ type, data, metadata }, subject);
    // The subject is durable before an event sealed with its key is appended (decision 065).
    await this.keys!.durable();
    return { event: { type, data: sealed.data, metadata: sealed.metadata }, etag };
  }

  private deletedEvent(key: DocumentKey, located: Located, requestId?: string): EventToAppend {
    if (!located.subject) return deletedEvent(key, requestId);
    const metadata = asMetadata({
      key,
      ...(requestId ? { requestId } : {}),
      ...(located.supersedes ? { supersedes: located.supersedes } : {}),
    } as never);
    const sealed = sealDocumentEvent(
      { type: DOCUMENT_DELETED, data: new Uint8Array(0), metadata },
      located.subject,
    );
    return { type: DOCUMENT_DELETED, data: sealed.data, metadata: sealed.metadata };
  }
}

function deletedEvent(key: DocumentKey, requestId?: string): EventToAppend {
  return {
    type: DOCUMENT_DELETED,
    data: new Uint8Array(0),
    metadata: asMetadata({ key, ...(requestId ? { requestId } : {}) }),
  };
}
