import { AttachmentError } from './attachment-error';

export interface MediaType {
  /** type/subtype, lower-cased: the part that identifies the format. */
  essence: string;
  /** Parameter names lower-cased; values unquoted. */
  parameters: Map<string, string>;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Parses a Content-Type value (RFC 2045 §5.1): `type/subtype *(; attribute=value)` where a
 * value is a token or a quoted-string. Returns null when it is not a media type at all.
 */
export function parseMediaType(value: string): MediaType | null {
  let i = value.indexOf(';');
  const essence = (i === -1 ? value : value.slice(0, i)).trim().toLowerCase();
  const slash = essence.indexOf('/');
  if (slash <= 0 || slash === essence.length - 1) return null;
  if (!TOKEN.test(essence.slice(0, slash)) || !TOKEN.test(essence.slice(slash + 1))) return null;
  const parameters = new Map<string, string>();
  while (i !== -1 && i < value.length) {
    i++; // past ';'
    while (i < value.length && (value[i] === ' ' || value[i] === '\t')) i++;
    if (i >= value.length) break;
    const eq = value.indexOf('=', i);
    if (eq === -1) {
      // A stray ';' with nothing after it (`multipart/mixed;`) is tolerated.
      if (value.slice(i).trim() === '') break;
      return null;
    }
    const name = value.slice(i, eq).trim().toLowerCase();
    if (!TOKEN.test(name)) return null;
    let j = eq + 1;
    let parsed: string;
    if (value[j] === '"') {
      parsed = '';
      j++;
      for (;;) {
        const c = value[j];
        if (c === undefined) return null; // unterminated quoted-string
        if (c === '"') break;
        if (c === '\\') {
          j++;
          const escaped = value[j];
          if (escaped === undefined) return null;
          parsed += escaped;
        } else parsed += c;
        j++;
      }
      j++; // closing quote
      const next = value.indexOf(';', j);
      if (value.slice(j, next === -1 ? undefined : next).trim() !== '') return null;
      i = next;
    } else {
      const next = value.indexOf(';', j);
      parsed = value.slice(j, next === -1 ? undefined : next).trim();
      i = next;
    }
    if (!parameters.has(name)) parameters.set(name, parsed);
  }
  return { essence, parameters };
}

/** The essence of a Content-Type value, or null when it does not parse. */
export function mediaTypeEssence(value: string | undefined): string | null {
  if (value === undefined) return null;
  return parseMediaType(value)?.essence ?? null;
}

// RFC 2046 §5.1.1: bcharsnospace, and a boundary of 1 to 70 characters not ending in a space.
const BOUNDARY = /^[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]$/;

/** The boundary of a multipart/mixed Content-Type header, or a 400 AttachmentError. */
export function multipartBoundary(contentTypeHeader: string): string {
  const mediaType = parseMediaType(contentTypeHeader);
  if (mediaType === null || mediaType.essence !== 'multipart/mixed') {
    throw new AttachmentError(
      400,
      'multipart.content-type',
      `expected a multipart/mixed Content-Type, got '${contentTypeHeader}'`,
    );
  }
  const boundary = mediaType.parameters.get('boundary');
  if (boundary === undefined || boundary === '') {
    throw new AttachmentError(
      400,
      'multipart.boundary',
      'the multipart/mixed Content-Type has no boundary parameter',
    );
  }
  if (!BOUNDARY.test(boundary)) {
    throw new AttachmentError(
      400,
      'multipart.boundary',
      'the multipart/mixed boundary must be 1 to 70 characters allowed by RFC 2046 §5.1.1',
    );
  }
  return boundary;
}
