/**
 * The product's one CSV writer (RFC 4180 quoting). A cell that a spreadsheet would read as a
 * formula (beginning with `=`, `+`, `-`, `@`, a tab or a carriage return: OWASP "CSV injection")
 * is neutralised with a leading apostrophe, so an org-unit name such as `=HYPERLINK(...)` is shown
 * as text and never evaluated.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(value: string | number | boolean | null | undefined): string {
  let text = value === null || value === undefined ? '' : String(value);
  if (FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One CSV record, CRLF-terminated. */
export function csvRow(cells: readonly (string | number | boolean | null | undefined)[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}
