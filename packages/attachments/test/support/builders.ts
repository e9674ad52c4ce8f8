import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';

export const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');

export interface AttachmentObject {
  usageType: string;
  display: Record<string, string>;
  contentType: string;
  length: number;
  sha2: string;
  fileUrl?: string;
}

/** An attachment object describing `content`, e.g. anAttachment('essay text').withFileUrl(...). */
export function anAttachment(content: Buffer | string, contentType = 'text/plain') {
  const bytes = Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8');
  const object: AttachmentObject = {
    usageType: 'http://example.com/attachment-usage/certificate',
    display: { 'en-US': 'Certificate' },
    contentType,
    length: bytes.length,
    sha2: sha256(bytes),
  };
  const builder = {
    bytes,
    object,
    withFileUrl(url = 'http://example.com/files/certificate.pdf') {
      object.fileUrl = url;
      return builder;
    },
    withLength(length: number) {
      object.length = length;
      return builder;
    },
    withUsageType(usageType: string) {
      object.usageType = usageType;
      return builder;
    },
  };
  return builder;
}

/** A minimal valid statement; `attachments` added only when given. */
export function aStatement(...attachments: AttachmentObject[]): Record<string, unknown> {
  return {
    id: 'fd41c918-b88b-4b20-a0a5-a4c32391aaa0',
    actor: { objectType: 'Agent', mbox: 'mailto:learner@example.gov' },
    verb: { id: 'http://adlnet.gov/expapi/verbs/completed', display: { 'en-US': 'completed' } },
    object: { objectType: 'Activity', id: 'http://example.gov/courses/data-protection' },
    ...(attachments.length > 0 ? { attachments } : {}),
  };
}

interface RawPart {
  headers: string[];
  body: Buffer;
}

/**
 * Builds a multipart/mixed body by hand, so tests control every byte: line ends, header
 * spelling, preamble and epilogue.
 */
export function aMultipartBody(boundary = "abcABC0123'()+_,-./:=?") {
  const parts: RawPart[] = [];
  let eol = '\r\n';
  let preamble = '';
  let epilogue = '';
  let close = true;
  const builder = {
    boundary,
    statements(json: unknown, contentType = 'application/json') {
      parts.push({
        headers: [`Content-Type: ${contentType}`],
        body: Buffer.from(JSON.stringify(json), 'utf8'),
      });
      return builder;
    },
    attachment(
      bytes: Buffer | string,
      options: {
        hash?: string | null;
        contentType?: string | null;
        encoding?: string | null;
        extra?: string[];
      } = {},
    ) {
      const body = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes, 'utf8');
      const headers: string[] = [];
      if (options.contentType !== null) headers.push(`Content-Type: ${options.contentType ?? 'text/plain'}`);
      if (options.encoding !== null)
        headers.push(`Content-Transfer-Encoding: ${options.encoding ?? 'binary'}`);
      if (options.hash !== null) headers.push(`X-Experience-API-Hash: ${options.hash ?? sha256(body)}`);
      headers.push(...(options.extra ?? []));
      parts.push({ headers, body });
      return builder;
    },
    withBareLf() {
      eol = '\n';
      return builder;
    },
    withPreamble(text: string) {
      preamble = text;
      return builder;
    },
    withEpilogue(text: string) {
      epilogue = text;
      return builder;
    },
    withoutCloseDelimiter() {
      close = false;
      return builder;
    },
    contentType(quoted = true) {
      return `multipart/mixed; boundary=${quoted ? `"${boundary}"` : boundary}`;
    },
    build(): Buffer {
      const chunks: Buffer[] = [];
      if (preamble !== '') chunks.push(Buffer.from(preamble + eol));
      parts.forEach((part, i) => {
        chunks.push(
          Buffer.from(
            `${i === 0 ? '' : eol}--${boundary}${eol}${part.headers.map((h) => h + eol).join('')}${eol}`,
          ),
        );
        chunks.push(part.body);
      });
      if (close) chunks.push(Buffer.from(`${eol}--${boundary}--${epilogue === '' ? '' : eol + epilogue}`));
      return Buffer.concat(chunks);
    },
  };
  return builder;
}

/** The body as a request stream delivering `chunkSize` bytes at a time (splits delimiters). */
export function requestStream(body: Buffer, chunkSize = 64 * 1024): Readable {
  async function* chunks() {
    for (let offset = 0; offset < body.length; offset += chunkSize)
      yield body.subarray(offset, offset + chunkSize);
  }
  return Readable.from(chunks(), { objectMode: false });
}

/** Deterministic pseudo-random bytes (incompressible, no accidental boundaries in practice). */
export function randomishBytes(length: number, seed = 1): Buffer {
  const out = Buffer.allocUnsafe(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}
