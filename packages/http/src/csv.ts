/**
 * The product's one CSV writer, for every export and report: RFC 4180 quoting, CRLF line ends, and
 * text cells that a spreadsheet would run as a formula (beginning with `=`, `+`, `-`, `@`, a tab or
 * a carriage return: OWASP "CSV injection") neutralised with a leading apostrophe, so an org-unit
 * name such as `=HYPERLINK(...)` is shown as text and never evaluated. Numbers stay numbers.
 * `csvRow` streams a report line by line; `csvWriter` writes a whole file for a spreadsheet, with a
 * byte-order mark (Excel on Korean and Chinese Windows otherwise reads the system code page).
 */
const FORMULA_START = /^[=+\-@\t\r]/;

export type CsvValue = string | number | boolean | null | undefined;

/** One cell. */
export function csvCell(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  let text: string;
  if (typeof value === 'number') text = Number.isFinite(value) ? String(value) : '';
  else if (typeof value === 'boolean') text = String(value);
  else text = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One CSV record, CRLF-terminated. */
export function csvRow(cells: readonly CsvValue[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}

export interface CsvDocument {
  /** Lines before the header, one cell each (e.g. the "as of" line naming the data cut-off). */
  preamble?: readonly string[];
  header: readonly string[];
  rows: Iterable<readonly CsvValue[]>;
}

/** The whole file: BOM, preamble, header, rows; every cell through `csvCell`. */
export function csvWriter(doc: CsvDocument): string {
  let out = '\uFEFF';
  for (const line of doc.preamble ?? []) out += csvRow([line]);
  out += csvRow(doc.header);
  for (const row of doc.rows) out += csvRow(row);
  return out;
}
