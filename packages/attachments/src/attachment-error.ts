/**
 * A request the LRS refuses because of its attachments, its multipart framing or its
 * signature. `status` is the HTTP status the request must be answered with: 400 for a
 * malformed request (xAPI Communication 1.5.2, Data 2.6), 413 for one larger than the
 * configured limits (xAPI Communication 3.2).
 */
export class AttachmentError extends Error {
  override name = 'AttachmentError';
  constructor(
    readonly status: 400 | 413,
    /** Stable machine-readable id of the rule that was broken, e.g. 'multipart.hash-mismatch'. */
    readonly rule: string,
    message: string,
    /** JSON pointer into the statements part when the problem is in a statement, e.g. '/0/attachments/1'. */
    readonly pointer?: string,
  ) {
    super(message);
  }
}

/** Stored attachment bytes no longer hash to their address: the store is damaged, not the request. */
export class AttachmentIntegrityError extends Error {
  override name = 'AttachmentIntegrityError';
  constructor(
    readonly sha2: string,
    readonly actual: string,
  ) {
    super(`stored attachment ${sha2} is corrupt: its bytes hash to ${actual}`);
  }
}
