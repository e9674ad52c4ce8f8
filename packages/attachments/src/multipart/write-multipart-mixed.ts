import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { type PartBytes, streamPartBytes } from './part-bytes';

export interface OutgoingAttachment {
  sha2: string;
  contentType: string;
  /** The raw bytes, or a function opening a stream over them (e.g. from the AttachmentStore). */
  bytes: PartBytes | (() => Readable | Promise<Readable>);
}

export interface MultipartBody {
  /** The response Content-Type header value, boundary included. */
  contentType: string;
  boundary: string;
  body: Readable;
}

/**
 * The multipart/mixed response of a statement GET with `attachments=true` (xAPI
 * Communication 1.5.2 and 2.1.3): the statements as the application/json first part, then the
 * raw data of each distinct attachment once, with Content-Type, Content-Transfer-Encoding:
 * binary and X-Experience-API-Hash. The body streams, so large attachments are never all in
 * memory at once.
 */
export function writeMultipartMixed(
  statementsJson: string | Buffer,
  attachments: readonly OutgoingAttachment[],
): MultipartBody {
  const boundary = chooseBoundary(statementsJson, attachments);
  const distinct = new Map<string, OutgoingAttachment>();
  for (const attachment of attachments) {
    const key = attachment.sha2.toLowerCase();
    if (!distinct.has(key)) distinct.set(key, attachment);
  }
  async function* generate(): AsyncGenerator<Buffer> {
    yield Buffer.from(`--${boundary}\r\nContent-Type: application/json\r\n\r\n`, 'latin1');
    yield Buffer.isBuffer(statementsJson) ? statementsJson : Buffer.from(statementsJson, 'utf8');
    for (const [sha2, attachment] of distinct) {
      yield Buffer.from(
        `\r\n--${boundary}\r\n` +
          `Content-Type: ${headerSafe(attachment.contentType)}\r\n` +
          'Content-Transfer-Encoding: binary\r\n' +
          `X-Experience-API-Hash: ${sha2}\r\n\r\n`,
        'latin1',
      );
      const source = attachment.bytes;
      const stream = typeof source === 'function' ? await source() : streamPartBytes(source);
      for await (const chunk of stream) {
        yield typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
      }
    }
    yield Buffer.from(`\r\n--${boundary}--\r\n`, 'latin1');
  }
  return {
    contentType: `multipart/mixed; boundary=${boundary}`,
    boundary,
    body: Readable.from(generate(), { objectMode: false }),
  };
}

/** Collects a multipart body into one Buffer (small responses, tests). */
export async function multipartBodyToBuffer(body: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body)
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks);
}

/**
 * A random boundary (128 bits) cannot plausibly occur in streamed data; in-memory parts
 * are still checked, since RFC 2046 §5.1.1 forbids the boundary inside any part.
 */
function chooseBoundary(statementsJson: string | Buffer, attachments: readonly OutgoingAttachment[]): string {
  for (;;) {
    const boundary = `xapi-${randomBytes(16).toString('hex')}`;
    const needle = Buffer.from(`--${boundary}`, 'latin1');
    const inMemory = [
      Buffer.isBuffer(statementsJson) ? statementsJson : Buffer.from(statementsJson, 'utf8'),
      ...attachments.flatMap((a) => (Buffer.isBuffer(a.bytes) ? [a.bytes] : [])),
    ];
    if (inMemory.every((bytes) => bytes.indexOf(needle) === -1)) return boundary;
  }
}

/** Content types come from stored statements; a CR or LF would let them inject headers. */
function headerSafe(value: string): string {
  return value.replace(/[\r\n]+/g, ' ');
}
