import { BadRequest, Conflict, PreconditionFailed } from '@lrs/http';
import type { DocumentState } from './document-events';

/** If-Match / If-None-Match as sent: `*`, or a list of ETags (quotes and W/ removed). */
export interface Preconditions {
  ifMatch?: '*' | string[];
  ifNoneMatch?: '*' | string[];
}

export type DocumentMethod = 'PUT' | 'POST' | 'DELETE';

export function hasPreconditions(p: Preconditions): boolean {
  return p.ifMatch !== undefined || p.ifNoneMatch !== undefined;
}

/**
 * Parses the two headers (RFC 7232 3.1, 3.2). Clients differ in quoting: RFC 2616 wants
 * `"etag"`, several xAPI libraries send the bare hex; both are accepted.
 */
export function parsePreconditions(header: (name: string) => string | undefined): Preconditions {
  const out: Preconditions = {};
  const ifMatch = header('if-match');
  const ifNoneMatch = header('if-none-match');
  if (ifMatch !== undefined) out.ifMatch = parseEtagList(ifMatch, 'If-Match');
  if (ifNoneMatch !== undefined) out.ifNoneMatch = parseEtagList(ifNoneMatch, 'If-None-Match');
  return out;
}

function parseEtagList(value: string, header: string): '*' | string[] {
  const trimmed = value.trim();
  if (trimmed === '*') return '*';
  const tags = trimmed
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '')
    .map((t) =>
      t
        .replace(/^W\//, '')
        .replace(/^"(.*)"$/, '$1')
        .toLowerCase(),
    );
  if (tags.length === 0 || tags.some((t) => t === '' || t.includes('"'))) {
    throw new BadRequest({
      rule: 'precondition.syntax',
      pointer: `/headers/${header}`,
      message: `${header} must be "*" or a list of quoted ETags, e.g. "${'0'.repeat(40)}".`,
    });
  }
  return tags;
}

/**
 * xAPI Communication 3.1 (and the 2.0 rules for State): a failed If-Match or If-None-Match is
 * 412 with nothing changed; a PUT with neither header onto an existing document is 409 when
 * `putNeedsHeader` (Agent and Activity Profile always, State under 2.0).
 */
export function checkPreconditions(
  state: DocumentState,
  p: Preconditions,
  method: DocumentMethod,
  putNeedsHeader: boolean,
): void {
  const current = state.exists ? state.description.etag : null;
  if (p.ifMatch !== undefined) {
    const ok = current !== null && (p.ifMatch === '*' || p.ifMatch.includes(current));
    if (!ok) {
      throw new PreconditionFailed({
        rule: 'precondition.if-match',
        pointer: '/headers/If-Match',
        message:
          current === null
            ? 'If-Match names an ETag, but the document does not exist (xAPI Communication 3.1).'
            : `If-Match does not match the document's current ETag "${current}": it was changed after you read it (xAPI Communication 3.1).`,
        details: { etag: current },
      });
    }
  }
  if (p.ifNoneMatch !== undefined && current !== null) {
    if (p.ifNoneMatch === '*' || p.ifNoneMatch.includes(current)) {
      throw new PreconditionFailed({
        rule: 'precondition.if-none-match',
        pointer: '/headers/If-None-Match',
        message: `If-None-Match forbids this ${method}: the document exists with ETag "${current}" (xAPI Communication 3.1).`,
        details: { etag: current },
      });
    }
  }
  if (method === 'PUT' && putNeedsHeader && current !== null && !hasPreconditions(p)) {
    throw new Conflict({
      rule: 'precondition.required',
      pointer: '/headers/If-Match',
      message: `The document already exists. Check its current state (GET it), then repeat the PUT with the header If-Match: "${current}" to replace it, or If-None-Match: * to create it only when absent (xAPI Communication 3.1).`,
      details: { etag: current },
    });
  }
}
