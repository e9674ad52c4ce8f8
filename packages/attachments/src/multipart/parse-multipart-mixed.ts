import type { Hash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { AttachmentError } from '../attachment-error';
import { mediaTypeEssence, multipartBoundary } from '../media-type';
import { hashFor, normaliseSha2 } from '../sha2';
import { type PartBytes, PartSink } from './part-bytes';

export interface MultipartLimits {
  /** Whole request body, preamble and epilogue included. Over it: 413, and reading stops. */
  maxTotalBytes: number;
  /** Any single part, the statements part included. Over it: 413, and reading stops. */
  maxPartBytes: number;
  /** Attachment parts larger than this go to a temp file instead of memory. Default 1 MiB. */
  spillThreshold?: number;
  /** Directory for spilled parts. Default os.tmpdir(). */
  tempDir?: string;
  /** Header block of one part. Default 16 KiB. */
  maxHeaderBytes?: number;
  /**
   * Reject attachment parts without a Content-Transfer-Encoding header. Default false: the
   * LRS SHOULD assume binary when it is missing (Communication 1.5.2, LRS requirements),
   * while a value other than `binary` is always rejected.
   */
  requireTransferEncoding?: boolean;
}

export interface StatementsPart {
  contentType: string;
  body: Buffer;
}

export interface AttachmentPart {
  /** Lower-case hex, from X-Experience-API-Hash, verified against the bytes. */
  sha2: string;
  /** The part's Content-Type header (SHOULD be present, Communication 1.5.2). */
  contentType: string | undefined;
  /** The part's Content-Length header when it sent one; equals `length` when present. */
  declaredLength: number | undefined;
  bytes: PartBytes;
  length: number;
}

export interface ParsedMultipart {
  statementsPart: StatementsPart;
  /** One entry per distinct sha2, in the order the parts arrived. */
  attachments: AttachmentPart[];
  /** Removes temp files of spilled parts. Safe to call more than once. */
  dispose(): Promise<void>;
}

type PartHeaders = Map<string, string>;

interface OpenPart {
  index: number;
  headers: PartHeaders;
  sink: PartSink;
  hash: Hash | null;
  declaredSha2: string | null;
}

type State = 'preamble' | 'delimiter-line' | 'headers' | 'body' | 'epilogue';

const LF = 0x0a;
const CR = 0x0d;
const DASH = 0x2d;

/**
 * Streams an RFC 2046 multipart/mixed statement request (xAPI Communication 1.5.2) off
 * `req`: the first part holds the statements (application/json), every further part the raw
 * bytes of one attachment identified by its X-Experience-API-Hash. Validates the framing and
 * the per-part rules as bytes arrive, so a bad or oversized request is refused without
 * reading (or buffering) the rest of it; the stream is then left paused, not destroyed, so
 * the caller can still answer (with `Connection: close`).
 *
 * Bare LF line ends are accepted as well as CRLF: clients in the wild send them, and each
 * attachment's hash still guards its exact bytes.
 */
export async function parseMultipartMixed(
  req: Readable,
  contentTypeHeader: string,
  limits: MultipartLimits,
): Promise<ParsedMultipart> {
  const boundary = multipartBoundary(contentTypeHeader);
  const parser = new MultipartParser(boundary, limits);
  try {
    for await (const chunk of req.iterator({ destroyOnReturn: false })) {
      await parser.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : (chunk as Buffer));
    }
    return await parser.end();
  } catch (error) {
    await parser.discard();
    req.pause();
    throw error;
  }
}

class MultipartParser {
  // Every delimiter is "--boundary" at the start of a line; matching on "\n--boundary" and
  // dropping a preceding CR handles CRLF and bare LF alike.
  private readonly delimiter: Buffer;
  // A virtual line break lets the very first delimiter sit at the start of the body.
  private buf: Buffer = Buffer.from('\r\n');
  private state: State = 'preamble';
  private total = 0;
  private headerLines: string[] = [];
  private headerBytes = 0;
  private part: OpenPart | null = null;
  private partCount = 0;
  private statementsPart: StatementsPart | null = null;
  private readonly attachments = new Map<string, AttachmentPart>();
  private readonly spillThreshold: number;
  private readonly maxHeaderBytes: number;

  constructor(
    boundary: string,
    private readonly limits: MultipartLimits,
  ) {
    this.delimiter = Buffer.from(`\n--${boundary}`, 'latin1');
    this.spillThreshold = limits.spillThreshold ?? 1024 * 1024;
    this.maxHeaderBytes = limits.maxHeaderBytes ?? 16 * 1024;
  }

  async push(chunk: Buffer): Promise<void> {
    this.total += chunk.length;
    if (this.total > this.limits.maxTotalBytes) {
      throw new AttachmentError(
        413,
        'multipart.too-large',
        `the request body is larger than the ${this.limits.maxTotalBytes}-byte limit`,
      );
    }
    if (this.state === 'epilogue') return; // RFC 2046: the epilogue is ignored
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    await this.consume(false);
  }

  async end(): Promise<ParsedMultipart> {
    await this.consume(true);
    if (this.state !== 'epilogue') {
      throw new AttachmentError(
        400,
        'multipart.truncated',
        this.state === 'preamble'
          ? 'the multipart body contains no boundary delimiter'
          : 'the multipart body ends before its closing boundary delimiter',
      );
    }
    if (this.statementsPart === null) {
      throw new AttachmentError(400, 'multipart.no-statements', 'the multipart body has no statements part');
    }
    const attachments = [...this.attachments.values()];
    return {
      statementsPart: this.statementsPart,
      attachments,
      dispose: async () => {
        await Promise.all(attachments.map((a) => (Buffer.isBuffer(a.bytes) ? undefined : a.bytes.dispose())));
      },
    };
  }

  async discard(): Promise<void> {
    await this.part?.sink.discard();
    this.part = null;
    await Promise.all(
      [...this.attachments.values()].map((a) => (Buffer.isBuffer(a.bytes) ? undefined : a.bytes.dispose())),
    );
  }

  private async consume(ended: boolean): Promise<void> {
    for (;;) {
      switch (this.state) {
        case 'preamble': {
          const at = this.buf.indexOf(this.delimiter);
          if (at === -1) {
            this.buf = this.buf.subarray(Math.max(0, this.buf.length - this.delimiter.length + 1));
            return;
          }
          this.buf = this.buf.subarray(at + this.delimiter.length);
          this.state = 'delimiter-line';
          break;
        }
        case 'delimiter-line': {
          if (this.buf.length >= 2 && this.buf[0] === DASH && this.buf[1] === DASH) {
            this.state = 'epilogue';
            this.buf = Buffer.alloc(0);
            return;
          }
          const lf = this.buf.indexOf(LF);
          if (lf === -1) {
            if (this.buf.length > 1024) throw malformed('a boundary delimiter line is not terminated');
            if (ended && this.buf.length > 0 && !(this.buf.length === 1 && this.buf[0] === DASH)) {
              throw malformed('a boundary delimiter line is not terminated');
            }
            return;
          }
          // RFC 2046 §5.1.1: only transport padding (linear white space) may follow the boundary.
          const rest = this.buf.subarray(0, lf).toString('latin1').replace(/\r$/, '');
          if (rest.trim() !== '') {
            throw malformed('the boundary appears as the prefix of a line inside the body');
          }
          this.buf = this.buf.subarray(lf + 1);
          this.state = 'headers';
          this.headerLines = [];
          this.headerBytes = 0;
          break;
        }
        case 'headers': {
          const lf = this.buf.indexOf(LF);
          if (lf === -1) {
            if (this.headerBytes + this.buf.length > this.maxHeaderBytes)
              throw headerTooLong(this.maxHeaderBytes);
            return;
          }
          this.headerBytes += lf + 1;
          if (this.headerBytes > this.maxHeaderBytes) throw headerTooLong(this.maxHeaderBytes);
          const line = this.buf.subarray(0, lf).toString('latin1').replace(/\r$/, '');
          this.buf = this.buf.subarray(lf + 1);
          if (line !== '') {
            this.headerLines.push(line);
            break;
          }
          this.part = this.openPart(parseHeaders(this.headerLines));
          this.state = 'body';
          break;
        }
        case 'body': {
          const part = this.part!;
          const at = this.buf.indexOf(this.delimiter);
          if (at === -1) {
            // Keep enough bytes for a delimiter split across chunks plus the CR before it.
            const keep = this.delimiter.length;
            if (this.buf.length > keep) {
              await this.writeBody(part, this.buf.subarray(0, this.buf.length - keep));
              this.buf = this.buf.subarray(this.buf.length - keep);
            }
            return;
          }
          const end = at > 0 && this.buf[at - 1] === CR ? at - 1 : at;
          await this.writeBody(part, this.buf.subarray(0, end));
          this.buf = this.buf.subarray(at + this.delimiter.length);
          await this.closePart(part);
          this.part = null;
          this.state = 'delimiter-line';
          break;
        }
        case 'epilogue':
          this.buf = Buffer.alloc(0);
          return;
      }
    }
  }

  private openPart(headers: PartHeaders): OpenPart {
    const index = this.partCount++;
    const contentType = headers.get('content-type');
    if (index === 0) {
      // Communication 1.5.2: the first part holds the statements, with type application/json.
      if (mediaTypeEssence(contentType) !== 'application/json') {
        throw new AttachmentError(
          400,
          'multipart.first-part-type',
          `the first part must be the statements with Content-Type application/json, got '${contentType ?? '(none)'}'`,
        );
      }
      return { index, headers, sink: new PartSink(Number.POSITIVE_INFINITY), hash: null, declaredSha2: null };
    }
    // Communication 1.5.2: every part after the first MUST carry X-Experience-API-Hash ...
    const declared = headers.get('x-experience-api-hash');
    if (declared === undefined) {
      throw new AttachmentError(
        400,
        'multipart.missing-hash',
        `attachment part ${index} has no X-Experience-API-Hash header`,
      );
    }
    const sha2 = normaliseSha2(declared);
    if (sha2 === null) {
      throw new AttachmentError(
        400,
        'multipart.hash-format',
        `attachment part ${index} has an X-Experience-API-Hash that is not a SHA-2 hex digest: '${declared}'`,
      );
    }
    // ... and Content-Transfer-Encoding: binary (the LRS SHOULD assume binary when absent).
    const encoding = headers.get('content-transfer-encoding');
    if (
      encoding === undefined
        ? this.limits.requireTransferEncoding === true
        : encoding.toLowerCase() !== 'binary'
    ) {
      throw new AttachmentError(
        400,
        'multipart.transfer-encoding',
        `attachment part ${index} must have Content-Transfer-Encoding: binary, got '${encoding ?? '(none)'}'`,
      );
    }
    return {
      index,
      headers,
      sink: new PartSink(this.spillThreshold, this.limits.tempDir),
      hash: hashFor(sha2),
      declaredSha2: sha2,
    };
  }

  private async writeBody(part: OpenPart, bytes: Buffer): Promise<void> {
    if (bytes.length === 0) return;
    if (part.sink.length + bytes.length > this.limits.maxPartBytes) {
      throw new AttachmentError(
        413,
        'multipart.part-too-large',
        `${part.index === 0 ? 'the statements part' : `attachment part ${part.index}`} is larger than the ${this.limits.maxPartBytes}-byte limit`,
      );
    }
    part.hash?.update(bytes);
    await part.sink.write(bytes);
  }

  private async closePart(part: OpenPart): Promise<void> {
    const bytes = await part.sink.finish();
    const length = part.sink.length;
    const lengthHeader = part.headers.get('content-length');
    let declaredLength: number | undefined;
    if (lengthHeader !== undefined) {
      declaredLength = /^\d+$/.test(lengthHeader.trim()) ? Number(lengthHeader.trim()) : Number.NaN;
      if (declaredLength !== length) {
        await disposeBytes(bytes);
        throw new AttachmentError(
          400,
          'multipart.content-length',
          `part ${part.index} declares Content-Length ${lengthHeader} but has ${length} bytes`,
        );
      }
    }
    if (part.index === 0) {
      this.statementsPart = { contentType: part.headers.get('content-type')!, body: bytes as Buffer };
      return;
    }
    const sha2 = part.declaredSha2!;
    const actual = part.hash!.digest('hex');
    // Communication 1.5.2: parts are matched to attachments by the SHA-2 of their raw data.
    if (actual !== sha2) {
      await disposeBytes(bytes);
      throw new AttachmentError(
        400,
        'multipart.hash-mismatch',
        `attachment part ${part.index} declares X-Experience-API-Hash ${sha2} but its data hashes to ${actual}`,
      );
    }
    if (this.attachments.has(sha2)) {
      // A client may repeat identical data; one copy is all that is needed.
      await disposeBytes(bytes);
      return;
    }
    this.attachments.set(sha2, {
      sha2,
      contentType: part.headers.get('content-type'),
      declaredLength,
      bytes,
      length,
    });
  }
}

function parseHeaders(lines: string[]): PartHeaders {
  const headers: PartHeaders = new Map();
  let last: string | null = null;
  for (const line of lines) {
    if ((line.startsWith(' ') || line.startsWith('\t')) && last !== null) {
      // RFC 822 folding: a continuation line belongs to the previous header.
      headers.set(last, `${headers.get(last)} ${line.trim()}`);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) throw malformed(`a part header line is not 'Name: value': '${line.slice(0, 80)}'`);
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    const previous = headers.get(name);
    if (previous !== undefined && previous !== value) {
      throw malformed(`a part repeats the ${name} header with different values`);
    }
    headers.set(name, value);
    last = name;
  }
  return headers;
}

function malformed(message: string): AttachmentError {
  return new AttachmentError(400, 'multipart.malformed', message);
}

function headerTooLong(limit: number): AttachmentError {
  return new AttachmentError(
    400,
    'multipart.header-too-long',
    `a part's headers are longer than ${limit} bytes`,
  );
}

async function disposeBytes(bytes: PartBytes): Promise<void> {
  if (!Buffer.isBuffer(bytes)) await bytes.dispose();
}
