import { Readable } from 'node:stream';
import { type EventLog, type JsonObject, MAX_APPEND_BYTES, type RecordedEvent } from '@lrs/event-log';
import { AttachmentError, AttachmentIntegrityError } from '../attachment-error';
import { hashFor, normaliseSha2 } from '../sha2';
import { type ChunkSource, type StoreInput, toChunkSource } from './chunk-source';

export const ATTACHMENT_STORED = 'attachment.stored';
export const ATTACHMENT_CHUNK = 'attachment.chunk';

/** One attachment's manifest: the single event of stream `attachment-<sha2>`. */
export interface AttachmentManifest {
  sha2: string;
  length: number;
  chunkCount: number;
  contentType: string;
  chunkBytes: number;
  chunkStream: string;
  /** Revision in chunkStream of chunk 0; chunks follow at consecutive revisions. */
  firstRevision: number;
}

export interface AttachmentStoreOptions {
  /** Bytes per chunk event. Default 768 KiB; must leave room under the 1 MiB append limit. */
  chunkBytes?: number;
  /** Largest attachment accepted; larger ones are refused with a 413 AttachmentError. Default 64 MiB. */
  maxAttachmentBytes?: number;
  /** Where streamed input is spooled before it is hashed. Default os.tmpdir(). */
  tempDir?: string;
  /** Chunk events read per readStream call on get. Default 4 (≈ 3 MiB). */
  readBatch?: number;
}

export interface PutResult {
  manifest: AttachmentManifest;
  /** False when the content was already stored (by this call's retry or anyone else). */
  created: boolean;
}

const APPEND_LIMIT = MAX_APPEND_BYTES;
const CHUNK_HEADROOM = 4 * 1024; // type + metadata of a chunk event
const MAX_ATTEMPTS = 8;

export const manifestStream = (sha2: string) => `attachment-${sha2}`;
export const chunkStream = (sha2: string) => `attachment-chunks-${sha2}`;

/**
 * Content-addressed attachment storage in the event log. The bytes are split into
 * `attachment.chunk` events in stream `attachment-chunks-<sha2>`, one chunk per append so no
 * append nears the 1 MiB limit; the `attachment.stored` manifest is appended last, to
 * `attachment-<sha2>` with expected revision 'no_stream'. A reader trusts only attachments
 * with a manifest, so a crash mid-write leaves nothing visible; the next put of the same
 * content reuses the chunks already written and completes it; and content is stored once,
 * however often and concurrently it is sent.
 */
export class AttachmentStore {
  private readonly chunkBytes: number;
  private readonly maxAttachmentBytes: number;
  private readonly readBatch: number;

  constructor(
    private readonly log: EventLog,
    private readonly options: AttachmentStoreOptions = {},
  ) {
    this.chunkBytes = options.chunkBytes ?? 768 * 1024;
    if (!(this.chunkBytes > 0 && this.chunkBytes + CHUNK_HEADROOM <= APPEND_LIMIT)) {
      throw new RangeError(`chunkBytes must be between 1 and ${APPEND_LIMIT - CHUNK_HEADROOM}`);
    }
    this.maxAttachmentBytes = options.maxAttachmentBytes ?? 64 * 1024 * 1024;
    this.readBatch = options.readBatch ?? 4;
  }

  /**
   * Stores `input` under `sha2` (lower- or upper-case hex of any SHA-2; the hash is checked
   * against the bytes before anything is written: a mismatch is a 400 AttachmentError).
   */
  async put(sha2: string, contentType: string, input: StoreInput): Promise<PutResult> {
    const address = requireSha2(sha2);
    const existing = await this.describe(address);
    if (existing !== null) {
      if (input instanceof Readable) input.resume(); // nothing to read; let the producer finish
      return { manifest: existing, created: false };
    }
    const source = await toChunkSource(input, {
      spillThreshold: this.chunkBytes,
      tempDir: this.options.tempDir,
      maxBytes: this.maxAttachmentBytes,
      onTooLarge: () => this.tooLarge(),
    });
    try {
      if (source.length > this.maxAttachmentBytes) throw this.tooLarge();
      const hash = hashFor(address);
      for await (const chunk of source.chunks(this.chunkBytes)) hash.update(chunk);
      const actual = hash.digest('hex');
      if (actual !== address) {
        throw new AttachmentError(
          400,
          'attachment.hash-mismatch',
          `attachment data hashes to ${actual}, not to its declared sha2 ${address}`,
        );
      }
      for (let attempt = 1; ; attempt++) {
        try {
          return await this.write(address, contentType, source);
        } catch (error) {
          if (!isWrongExpectedRevision(error) || attempt >= MAX_ATTEMPTS) throw error;
          // Another writer of the same content moved a stream on: look again and continue.
        }
      }
    } finally {
      await source.close();
    }
  }

  async has(sha2: string): Promise<boolean> {
    return (await this.describe(sha2)) !== null;
  }

  /** The manifest of a completely stored attachment, or null. */
  async describe(sha2: string): Promise<AttachmentManifest | null> {
    const address = normaliseSha2(sha2);
    if (address === null) return null;
    let events: RecordedEvent[];
    try {
      events = await this.log.readStream(manifestStream(address), { maxCount: 1 });
    } catch (error) {
      if (isStreamNotFound(error)) return null;
      throw error;
    }
    const first = events[0];
    return first !== undefined && first.type === ATTACHMENT_STORED ? parseManifest(first) : null;
  }

  /** The whole attachment in memory, its hash verified; null when it is not stored. */
  async get(sha2: string): Promise<{ contentType: string; length: number; bytes: Buffer } | null> {
    const manifest = await this.describe(sha2);
    if (manifest === null) return null;
    const parts: Buffer[] = [];
    for await (const chunk of this.readChunks(manifest)) parts.push(chunk);
    return {
      contentType: manifest.contentType,
      length: manifest.length,
      bytes: Buffer.concat(parts, manifest.length),
    };
  }

  /**
   * A stream over the attachment, read a few chunks at a time. The hash is verified as the
   * last chunk is read: on a mismatch the stream errors with AttachmentIntegrityError instead
   * of ending normally.
   */
  async open(sha2: string): Promise<{ contentType: string; length: number; stream: Readable } | null> {
    const manifest = await this.describe(sha2);
    if (manifest === null) return null;
    return {
      contentType: manifest.contentType,
      length: manifest.length,
      stream: Readable.from(this.readChunks(manifest), { objectMode: false }),
    };
  }

  private async *readChunks(manifest: AttachmentManifest): AsyncGenerator<Buffer> {
    const hash = hashFor(manifest.sha2);
    let index = 0;
    let length = 0;
    while (index < manifest.chunkCount) {
      const events = await this.log.readStream(manifest.chunkStream, {
        fromRevision: manifest.firstRevision + index,
        maxCount: Math.min(this.readBatch, manifest.chunkCount - index),
      });
      if (events.length === 0) break;
      for (const event of events) {
        const bytes = chunkBytesOf(event);
        if (bytes === null || event.metadata['index'] !== index) {
          throw new AttachmentIntegrityError(manifest.sha2, `(chunk ${index} missing or out of order)`);
        }
        hash.update(bytes);
        length += bytes.length;
        index++;
        yield bytes;
      }
    }
    const actual = hash.digest('hex');
    if (index !== manifest.chunkCount || length !== manifest.length || actual !== manifest.sha2) {
      throw new AttachmentIntegrityError(manifest.sha2, actual);
    }
  }

  private async write(sha2: string, contentType: string, source: ChunkSource): Promise<PutResult> {
    const stream = chunkStream(sha2);
    const chunkCount = Math.ceil(source.length / this.chunkBytes);
    const { firstRevision, written } = await this.resumePoint(stream, source, chunkCount);
    for (let index = written; index < chunkCount; index++) {
      const offset = index * this.chunkBytes;
      const data = await source.read(offset, this.chunkBytes);
      const revision = firstRevision + index;
      await this.log.append(
        stream,
        [{ type: ATTACHMENT_CHUNK, data, metadata: { sha2, index, offset, chunkBytes: this.chunkBytes } }],
        { expectedRevision: revision === 0 ? 'no_stream' : revision - 1 },
      );
    }
    const manifest: AttachmentManifest = {
      sha2,
      length: source.length,
      chunkCount,
      contentType,
      chunkBytes: this.chunkBytes,
      chunkStream: stream,
      firstRevision,
    };
    try {
      await this.log.append(manifestStream(sha2), [{ type: ATTACHMENT_STORED, data: { ...manifest } }], {
        expectedRevision: 'no_stream',
      });
      return { manifest, created: true };
    } catch (error) {
      if (!isWrongExpectedRevision(error)) throw error;
      // Someone completed the same content first; theirs is as good as ours.
      const stored = await this.describe(sha2);
      if (stored === null) throw error;
      return { manifest: stored, created: false };
    }
  }

  /**
   * Where to write: after the chunks of an earlier, interrupted put of this content when they
   * run to the end of the chunk stream and match our bytes; otherwise a fresh run at the end.
   */
  private async resumePoint(
    stream: string,
    source: ChunkSource,
    chunkCount: number,
  ): Promise<{ firstRevision: number; written: number }> {
    const last = await this.log.streamRevision(stream);
    if (last === null) return { firstRevision: 0, written: 0 };
    let runStart = -1;
    let written = 0;
    for (let revision = 0; revision <= last; ) {
      const events = await this.log.readStream(stream, { fromRevision: revision, maxCount: this.readBatch });
      if (events.length === 0) break;
      for (const event of events) {
        const index = event.metadata['index'];
        if (
          index === 0 &&
          event.metadata['chunkBytes'] === this.chunkBytes &&
          (await matches(event, source, this.chunkBytes, 0))
        ) {
          runStart = event.revision;
          written = 1;
        } else if (
          runStart !== -1 &&
          index === written &&
          written < chunkCount &&
          (await matches(event, source, this.chunkBytes, written))
        ) {
          written++;
        } else {
          runStart = -1;
          written = 0;
        }
        revision = event.revision + 1;
      }
    }
    if (runStart === -1 || runStart + written !== last + 1) return { firstRevision: last + 1, written: 0 };
    return { firstRevision: runStart, written };
  }

  private tooLarge(): AttachmentError {
    return new AttachmentError(
      413,
      'attachment.too-large',
      `an attachment is larger than the ${this.maxAttachmentBytes}-byte limit`,
    );
  }
}

async function matches(
  event: RecordedEvent,
  source: ChunkSource,
  chunkBytes: number,
  index: number,
): Promise<boolean> {
  const bytes = chunkBytesOf(event);
  if (bytes === null) return false;
  const expected = await source.read(index * chunkBytes, chunkBytes);
  return Buffer.compare(bytes, expected) === 0;
}

function chunkBytesOf(event: RecordedEvent): Buffer | null {
  if (event.type !== ATTACHMENT_CHUNK || !(event.data instanceof Uint8Array)) return null;
  return Buffer.isBuffer(event.data)
    ? event.data
    : Buffer.from(event.data.buffer, event.data.byteOffset, event.data.length);
}

function parseManifest(event: RecordedEvent): AttachmentManifest | null {
  const data = event.data;
  if (data === null || typeof data !== 'object' || Array.isArray(data) || data instanceof Uint8Array)
    return null;
  const m = data as JsonObject;
  if (
    typeof m['sha2'] !== 'string' ||
    typeof m['length'] !== 'number' ||
    typeof m['chunkCount'] !== 'number' ||
    typeof m['contentType'] !== 'string' ||
    typeof m['chunkBytes'] !== 'number' ||
    typeof m['chunkStream'] !== 'string' ||
    typeof m['firstRevision'] !== 'number'
  ) {
    return null;
  }
  return {
    sha2: m['sha2'],
    length: m['length'],
    chunkCount: m['chunkCount'],
    contentType: m['contentType'],
    chunkBytes: m['chunkBytes'],
    chunkStream: m['chunkStream'],
    firstRevision: m['firstRevision'],
  };
}

function requireSha2(sha2: string): string {
  const address = normaliseSha2(sha2);
  if (address === null) {
    throw new AttachmentError(400, 'attachment.sha2', `'${sha2}' is not a SHA-2 hex digest`);
  }
  return address;
}

// Matched by name, not instanceof: the errors come from whichever adapter (or double) is in use.
function isWrongExpectedRevision(error: unknown): boolean {
  return error instanceof Error && error.name === 'WrongExpectedRevisionError';
}

function isStreamNotFound(error: unknown): boolean {
  return error instanceof Error && error.name === 'StreamNotFoundError';
}
