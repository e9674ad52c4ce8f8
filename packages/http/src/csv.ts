/**
 * The portal's CSV exports, written for spreadsheets: UTF-8 with a byte-order mark (Excel on
 * Korean and Chinese Windows otherwise reads the bytes in the system code page), CRLF line ends,
 * RFC 4180 quoting, and text cells that a spreadsheet would run as a formula neutralised.
 */

/** Characters that make a spreadsheet read a text cell as a formula (OWASP CSV injection). */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One cell. Text that begins with `=`, `+`, `-`, `@`, tab or carriage return gets a leading
 * apostrophe, so `=HYPERLINK(...)` stays text; numbers are written as numbers.
 */
export function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  let text = typeof value === 'number' ? (Number.isFinite(value) ? String(value) : '') : value;
  if (typeof value === 'string' && FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export interface CsvDocument {
  /** Lines before the header, one cell each (e.g. the "as of" line naming the data cut-off). */
  preamble?: readonly string[];
  header: readonly string[];
  rows: Iterable<readonly (string | number | null | undefined)[]>;
}

/** The whole file: BOM, preamble, header, rows; every cell through `csvCell`. */
export function csvWriter(doc: CsvDocument): string {
  const lines: string[] = [];
  for (const line of doc.preamble ?? []) lines.push(csvCell(line));
  lines.push(doc.header.map(csvCell).join(','));
  for (const row of doc.rows) lines.push(row.map(csvCell).join(','));
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}
