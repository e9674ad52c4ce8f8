import type { IncomingMessage } from 'node:http';
import { BadRequest, PayloadTooLarge, UnsupportedMediaType } from './errors';
import { type ParseJsonOptions, parseJson } from './json';

export interface ReadBodyOptions {
  /** Largest body accepted, in bytes. */
  limit: number;
}

/**
 * Reads a request body into one Buffer. Refuses before reading when Content-Length is over
 * the limit, and stops reading (pausing the socket, not draining it) as soon as a streamed
 * body crosses it, so an oversized upload never sits in memory.
 */
export function readBody(req: IncomingMessage, { limit }: ReadBodyOptions): Promise<Buffer> {
  const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
  if (encoding !== 'identity') {
    return Promise.reject(
      new UnsupportedMediaType(
        'body.encoding',
        `Content-Encoding '${encoding}' is not supported; send identity`,
      ),
    );
  }
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) {
    return Promise.reject(tooLarge(limit, Number(declared)));
  }
  if (req.readableEnded) return Promise.reject(new Error('request body was already read'));

  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    let settled = false;
    const finish = (error: Error | null, body?: Buffer) => {
      if (settled) return;
      settled = true;
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
      if (error) reject(error);
      else resolve(body!);
    };
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > limit) {
        req.pause();
        chunks.length = 0;
        finish(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => finish(null, Buffer.concat(chunks, received));
    const onError = () => finish(new BadRequest('body.aborted', 'the request body could not be read'));
    const onClose = () => {
      if (!req.complete) finish(new BadRequest('body.aborted', 'the client closed the connection mid-body'));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

function tooLarge(limit: number, declared?: number): PayloadTooLarge {
  const size = declared === undefined ? 'is larger than' : `is ${declared} bytes, over`;
  return new PayloadTooLarge('body.too_large', `request body ${size} the limit of ${limit} bytes`, {
    details: { limit },
  });
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Reads and parses a JSON body (RFC 8259: UTF-8). Empty, malformed or polluting JSON → 400. */
export async function readJsonBody(
  req: IncomingMessage,
  options: ReadBodyOptions & ParseJsonOptions,
): Promise<unknown> {
  const bytes = await readBody(req, options);
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new BadRequest('json.encoding', 'request body is not valid UTF-8');
  }
  return parseJson(text, options);
}

/** True for application/json and any +json media type, ignoring parameters. */
export function isJsonContentType(contentType: string | undefined): boolean {
  const type = contentType?.split(';')[0]?.trim().toLowerCase();
  return type === 'application/json' || (type !== undefined && /^application\/[\w.+-]+\+json$/.test(type));
}
