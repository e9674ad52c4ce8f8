import { AttachmentError } from './attachment-error';
import { mediaTypeEssence } from './media-type';
import { normaliseSha2 } from './sha2';

/** What the check needs of a received part (an AttachmentPart satisfies it). */
export interface ReceivedPart {
  sha2: string;
  contentType: string | undefined;
  length: number;
  declaredLength?: number | undefined;
}

export interface AttachmentReference {
  /** JSON pointer of the attachment object in the statements part. */
  pointer: string;
  sha2: string | null;
  contentType: unknown;
  length: unknown;
  hasFileUrl: boolean;
  usageType: unknown;
}

export interface AttachmentCheckWarning {
  rule: string;
  message: string;
  pointer: string;
}

export interface AttachmentCheckOptions {
  /**
   * Reject when an attachment's `length` differs from the size of its part. Default false:
   * the spec ties `length` to the part's Content-Length parameter (Communication 1.5.2, "MUST
   * match") but sets no rule for parts without one, and clients that count characters
   * instead of octets are common; the sha2 already pins the exact bytes. Without the
   * option such a difference is returned as a warning.
   */
  strictLength?: boolean;
}

/**
 * The attachment objects of a statements part (one statement or an array), with the
 * attachments of SubStatements, which Data 2.4.11 allows though it recommends against.
 */
export function attachmentReferences(statements: unknown): AttachmentReference[] {
  const references: AttachmentReference[] = [];
  const list = Array.isArray(statements) ? statements : [statements];
  const prefix = (i: number) => (Array.isArray(statements) ? `/${i}` : '');
  list.forEach((statement, i) => {
    collect(statement, `${prefix(i)}`, references);
    if (
      isObject(statement) &&
      isObject(statement['object']) &&
      statement['object']['objectType'] === 'SubStatement'
    ) {
      collect(statement['object'], `${prefix(i)}/object`, references);
    }
  });
  return references;
}

function collect(statement: unknown, pointer: string, into: AttachmentReference[]): void {
  if (!isObject(statement) || !Array.isArray(statement['attachments'])) return;
  statement['attachments'].forEach((attachment: unknown, j: number) => {
    if (!isObject(attachment)) return;
    const sha2 = attachment['sha2'];
    into.push({
      pointer: `${pointer}/attachments/${j}`,
      sha2: typeof sha2 === 'string' ? normaliseSha2(sha2) : null,
      contentType: attachment['contentType'],
      length: attachment['length'],
      hasFileUrl: typeof attachment['fileUrl'] === 'string' && attachment['fileUrl'] !== '',
      usageType: attachment['usageType'],
    });
  });
}

/**
 * Cross-checks the attachment objects of the statements with the attachment parts received
 * (pass [] for an application/json request). Throws a 400 AttachmentError when:
 * - an attachment has no fileUrl and no part with its sha2 (Communication 1.5.2: the LRS MUST
 *   reject such batches; for application/json, Communication 1.5.1 / Data 2.4.11);
 * - a part is not referenced by any attachment of any statement (each additional part "forms
 *   a logical part of the Statement", Communication 1.5.2);
 * - a part's Content-Type or Content-Length header disagrees with the attachment's
 *   contentType or length (Communication 1.5.2: parameters and properties MUST match; media
 *   types are compared by type/subtype, as the spec's own example sends `text/plain` for
 *   `text/plain; charset=ascii`).
 */
export function checkAttachmentsAgainstStatements(
  statements: unknown,
  parts: readonly ReceivedPart[],
  options: AttachmentCheckOptions = {},
): { warnings: AttachmentCheckWarning[] } {
  const warnings: AttachmentCheckWarning[] = [];
  const partsBySha2 = new Map<string, ReceivedPart>();
  for (const part of parts) partsBySha2.set(part.sha2.toLowerCase(), part);
  const referenced = new Set<string>();

  for (const reference of attachmentReferences(statements)) {
    const part = reference.sha2 === null ? undefined : partsBySha2.get(reference.sha2);
    if (part === undefined) {
      if (reference.hasFileUrl) continue;
      throw new AttachmentError(
        400,
        'attachment.missing-part',
        parts.length === 0
          ? 'an attachment has neither a fileUrl nor attachment data: send its data in a multipart/mixed request'
          : 'an attachment has neither a fileUrl nor a part whose X-Experience-API-Hash equals its sha2',
        reference.pointer,
      );
    }
    referenced.add(part.sha2.toLowerCase());
    if (part.contentType !== undefined && typeof reference.contentType === 'string') {
      const declared = mediaTypeEssence(reference.contentType);
      const sent = mediaTypeEssence(part.contentType);
      if (declared !== null && sent !== null && declared !== sent) {
        throw new AttachmentError(
          400,
          'attachment.content-type-mismatch',
          `the attachment's contentType is '${reference.contentType}' but its part has Content-Type '${part.contentType}'`,
          reference.pointer,
        );
      }
    }
    if (part.declaredLength !== undefined && part.declaredLength !== reference.length) {
      throw new AttachmentError(
        400,
        'attachment.length-mismatch',
        `the attachment's length is ${String(reference.length)} but its part has Content-Length ${part.declaredLength}`,
        reference.pointer,
      );
    }
    if (reference.length !== part.length) {
      const message = `the attachment's length is ${String(reference.length)} but its data is ${part.length} bytes`;
      if (options.strictLength === true) {
        throw new AttachmentError(400, 'attachment.length-mismatch', message, reference.pointer);
      }
      warnings.push({ rule: 'attachment.length-mismatch', message, pointer: reference.pointer });
    }
  }

  for (const part of parts) {
    if (!referenced.has(part.sha2.toLowerCase())) {
      throw new AttachmentError(
        400,
        'attachment.unreferenced-part',
        `the part with X-Experience-API-Hash ${part.sha2} is not the data of any attachment in the statements`,
      );
    }
  }
  return { warnings };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
