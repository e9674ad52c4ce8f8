import { BadRequest, parseJson } from '@lrs/http';

type JsonObject = Record<string, unknown>;

export function isJsonMediaType(contentType: string): boolean {
  return contentType.split(';')[0]!.trim().toLowerCase() === 'application/json';
}

/** The posted content of a POST: it must be a JSON object sent as application/json (Communication 2.2). */
export function parsePostedObject(contentType: string, content: Buffer): JsonObject {
  if (!isJsonMediaType(contentType)) {
    throw new BadRequest({
      rule: 'document.merge-content-type',
      pointer: '/headers/Content-Type',
      message: `POST merges JSON objects and needs Content-Type application/json, not '${contentType}'; use PUT to store other content (xAPI Communication 2.2).`,
    });
  }
  const value = parseUtf8Json(content, '/body');
  if (!isObject(value)) {
    throw new BadRequest({
      rule: 'document.merge-not-object',
      pointer: '/body',
      message: 'POST merges JSON objects; the content is JSON but not an object (xAPI Communication 2.2).',
    });
  }
  return value;
}

/**
 * Communication 2.2 "JSON Procedure": each top-level property of the posted object replaces
 * the stored one; nothing deeper is merged. The stored document must itself be a JSON object
 * stored as application/json, or the POST is 400 and nothing changes.
 */
export function mergeInto(storedType: string, stored: Buffer, posted: JsonObject): Buffer {
  let target: unknown = null;
  let unparsable: string | null = null;
  if (isJsonMediaType(storedType)) {
    try {
      // parseJson, not JSON.parse: a PUT may store JSON nested deeper than a posted body may be;
      // JSON.parse reads it, but JSON.stringify of the merge then overflows the stack (a 500,
      // found by test/reliability/fuzz-documents.int.spec.ts). Stored keys stay own properties.
      target = parseJson(stored.toString('utf8'), { forbiddenKeys: [] });
    } catch (error) {
      target = null;
      unparsable = error instanceof Error ? error.message : String(error);
    }
  }
  if (!isObject(target)) {
    throw new BadRequest({
      rule: 'document.merge-target',
      pointer: '/body',
      message:
        unparsable !== null
          ? `The stored document cannot be merged with (${unparsable}); PUT replaces it (xAPI Communication 2.2).`
          : `The stored document is not a JSON object (its Content-Type is '${storedType}'), so it cannot be merged with; PUT replaces it (xAPI Communication 2.2).`,
    });
  }
  for (const [name, value] of Object.entries(posted)) {
    // defineProperty: a stored "__proto__" key must stay a plain property, never a prototype.
    Object.defineProperty(target, name, { value, enumerable: true, writable: true, configurable: true });
  }
  return Buffer.from(JSON.stringify(target), 'utf8');
}

function parseUtf8Json(content: Buffer, pointer: string): unknown {
  try {
    return parseJson(new TextDecoder('utf-8', { fatal: true }).decode(content));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new BadRequest({
      rule: 'document.merge-json',
      pointer,
      message: `POST content must be a JSON object: ${message}`,
    });
  }
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
