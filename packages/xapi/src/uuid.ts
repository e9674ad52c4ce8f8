import { randomUUID } from 'node:crypto';

// xAPI Data 4.4: "UUIDs MUST be in the standard string form" (8-4-4-4-12 hex); variant 2 of RFC 4122 is
// only recommended, so version and variant nibbles are not enforced. RFC 4122 §3: hex is case-insensitive
// on input.
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** The form this LRS stores and compares: lowercase (RFC 4122 §3 output form). */
export function normalizeUuid(value: string): string {
  return value.toLowerCase();
}

export function newStatementId(): string {
  return randomUUID();
}
