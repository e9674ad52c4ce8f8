// Best-effort IRI/IRL syntax (xAPI Data 2.2 "MAY use best-effort validation for IRL and IRI formats";
// the MUST is to reject values without a scheme). Unicode is allowed (RFC 3987), but not the characters
// RFC 3987 excludes everywhere: whitespace, controls, <>"{}|\^` — and every '%' must start a valid escape.
const IRI = /^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>"{}|\\^`]+$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is excluded
const CONTROL = /[\u0000-\u001f\u007f]/;
const BAD_PERCENT = /%(?![0-9A-Fa-f]{2})/;

/** True for an absolute IRI: a scheme, ':', then at least one legal character (xAPI Data 4.3). */
export function isAbsoluteIri(value: string): boolean {
  return IRI.test(value) && (!value.includes('%') || !BAD_PERCENT.test(value)) && !CONTROL.test(value);
}

/** An IRL is an IRI that locates something; syntactically the same check applies (xAPI Data 2.2). */
export const isIrl = isAbsoluteIri;
