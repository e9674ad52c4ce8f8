// Parsing and checking of reference-data files (CSV or JSON). A file is applied whole or not at
// all: every problem is collected with its line (CSV) or item number (JSON) before anything is written.
import { isAbsoluteIri, isMailtoIri } from '@lrs/xapi';
import { parse } from 'csv-parse/sync';
import { DateTime } from 'luxon';
import {
  type CatalogEntry,
  type Exemption,
  ID_PATTERN,
  MODALITIES,
  type Modality,
  type Official,
  type OfficialIdentifier,
  type OrgUnit,
  REPEATS,
  type Repeats,
} from './reference-data';

export type ReferenceKind = 'officials' | 'org-units' | 'exemptions' | 'catalog';
export const REFERENCE_KINDS: readonly ReferenceKind[] = ['officials', 'org-units', 'exemptions', 'catalog'];

export interface RowProblem {
  /** CSV: the file line where the row starts (header = line 1). JSON: the 1-based item number. */
  line: number;
  field: string;
  message: string;
}

export type ReferenceRecord = Official | OrgUnit | Exemption | CatalogEntry;

export interface ParsedFile<T> {
  records: T[];
  problems: RowProblem[];
}

type Row = Record<string, unknown>;

/** Rows of a CSV or JSON file with the line each came from; a syntax error is one problem. */
export function readRows(
  text: string,
  format: 'csv' | 'json',
): { rows: { line: number; row: Row }[]; problems: RowProblem[] } {
  if (format === 'json') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      return {
        rows: [],
        problems: [{ line: 0, field: '', message: `not JSON: ${(error as Error).message}` }],
      };
    }
    if (!Array.isArray(parsed))
      return {
        rows: [],
        problems: [{ line: 0, field: '', message: 'a JSON import is an array of records' }],
      };
    const problems: RowProblem[] = [];
    const rows: { line: number; row: Row }[] = [];
    parsed.forEach((item, i) => {
      if (item === null || typeof item !== 'object' || Array.isArray(item))
        problems.push({ line: i + 1, field: '', message: 'a record is a JSON object' });
      else rows.push({ line: i + 1, row: item as Row });
    });
    return { rows, problems };
  }
  try {
    const records = parse(text, {
      columns: true,
      skip_empty_lines: true,
      trim: true,
      bom: true,
      info: true,
    }) as {
      record: Record<string, string>;
      info: { lines: number; raw?: string };
    }[];
    // csv-parse reports the line a record ends on; rows here are single-line unless quoted newlines.
    return {
      rows: records.map(({ record, info }) => ({ line: info.lines, row: fromCsv(record) })),
      problems: [],
    };
  } catch (error) {
    const e = error as Error & { lines?: number; code?: string };
    // csv-parse names the line where parsing stopped, the end of the file: name where the quote opens.
    const opened = e.code === 'CSV_QUOTE_NOT_CLOSED' ? unclosedQuoteLine(text) : null;
    if (opened !== null)
      return {
        rows: [],
        problems: [
          {
            line: opened,
            field: '',
            message: 'not valid CSV: a quote opens on this line and is never closed',
          },
        ],
      };
    return {
      rows: [],
      problems: [{ line: e.lines ?? 0, field: '', message: `not valid CSV: ${e.message}` }],
    };
  }
}

/** The line (1-based) of the quote that opens a field never closed (RFC 4180 quoting), or null. */
function unclosedQuoteLine(text: string): number | null {
  let line = 1;
  let inQuotes = false;
  let openedAt = 0;
  let fieldStart = true;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inQuotes) {
      if (c === '"' && text[i + 1] === '"') i++;
      else if (c === '"') inQuotes = false;
      else if (c === '\n') line++;
      continue;
    }
    if (c === '"' && fieldStart) {
      inQuotes = true;
      openedAt = line;
    }
    if (c === '\n') line++;
    fieldStart =
      c === ',' ||
      c === '\n' ||
      (c === '\r' && text[i + 1] === '\n') ||
      (fieldStart && (c === ' ' || c === '\t'));
  }
  return inQuotes ? openedAt : null;
}

// CSV columns are snake_case; empty cells are absent values. title_<lang> columns form a language map.
function fromCsv(record: Record<string, string>): Row {
  const row: Row = {};
  const title: Record<string, string> = {};
  for (const [column, value] of Object.entries(record)) {
    if (value === '') continue;
    if (column.startsWith('title_')) title[column.slice('title_'.length)] = value;
    else row[column.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase())] = value;
  }
  if (Object.keys(title).length > 0) row.title = title;
  return row;
}

class RowCheck {
  constructor(
    private readonly row: Row,
    private readonly line: number,
    readonly problems: RowProblem[],
  ) {}
  private fail(field: string, message: string): void {
    this.problems.push({ line: this.line, field, message });
  }
  id(field: string, required = true): string | null {
    const v = this.row[field];
    if (v === undefined || v === null) {
      if (required) this.fail(field, 'is required');
      return null;
    }
    if (typeof v !== 'string' || !ID_PATTERN.test(v)) {
      this.fail(field, 'must be 1-128 letters, digits, ".", "_" or "-"');
      return null;
    }
    return v;
  }
  text(field: string, required = true): string | null {
    const v = this.row[field];
    if (v === undefined || v === null) {
      if (required) this.fail(field, 'is required');
      return null;
    }
    if (typeof v !== 'string' || v.trim() === '') {
      this.fail(field, 'must be a non-empty string');
      return null;
    }
    return v.trim();
  }
  date(field: string, required = false): string | null {
    const v = this.text(field, required);
    if (v === null) return null;
    if (!/^\d{4}-\d{2}-\d{2}$/.test(v) || !DateTime.fromISO(v, { zone: 'UTC' }).isValid) {
      this.fail(field, 'must be a date YYYY-MM-DD');
      return null;
    }
    return v;
  }
  number(field: string): number | null {
    const v = this.row[field];
    if (v === undefined || v === null) return null;
    const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
    if (!Number.isFinite(n) || n < 0 || n > 10_000) {
      this.fail(field, 'must be a number of hours ≥ 0');
      return null;
    }
    return n;
  }
  get(field: string): unknown {
    return this.row[field];
  }
  problem(field: string, message: string): void {
    this.fail(field, message);
  }
}

const KNOWN_FIELDS: Record<ReferenceKind, string[]> = {
  officials: [
    'officialId',
    'name',
    'orgUnit',
    'orgUnitFrom',
    'staffGroup',
    'staffGroupFrom',
    'jurisdiction',
    'employedFrom',
    'employedTo',
    'identifiers',
    'accountHomePage',
    'accountName',
    'mbox',
  ],
  'org-units': ['orgUnitId', 'name', 'parent'],
  exemptions: ['exemptionId', 'officialId', 'from', 'to', 'reason'],
  catalog: ['activityId', 'title', 'category', 'nominalHours', 'modality', 'provider', 'repeats'],
};

const KEY_FIELD: Record<ReferenceKind, string> = {
  officials: 'officialId',
  'org-units': 'orgUnitId',
  exemptions: 'exemptionId',
  catalog: 'activityId',
};

/** Parses and checks a whole file; records are returned only for a file without problems. */
export function parseReferenceFile(
  kind: ReferenceKind,
  text: string,
  format: 'csv' | 'json',
): ParsedFile<ReferenceRecord> {
  const { rows, problems } = readRows(text, format);
  const records: ReferenceRecord[] = [];
  const seen = new Map<string, number>();
  for (const { line, row } of rows) {
    const check = new RowCheck(row, line, problems);
    for (const field of Object.keys(row))
      if (!KNOWN_FIELDS[kind].includes(field)) check.problem(field, 'is not a known field');
    const before = problems.length;
    const record = recordOf(kind, check);
    const key = row[KEY_FIELD[kind]];
    if (typeof key === 'string') {
      const first = seen.get(key);
      if (first !== undefined) check.problem(KEY_FIELD[kind], `repeats the record of line ${first}`);
      else seen.set(key, line);
    }
    if (record && problems.length === before) records.push(record);
  }
  if (rows.length === 0 && problems.length === 0)
    problems.push({ line: 0, field: '', message: 'the file has no records' });
  return { records: problems.length === 0 ? records : [], problems };
}

function recordOf(kind: ReferenceKind, c: RowCheck): ReferenceRecord | null {
  switch (kind) {
    case 'officials':
      return official(c);
    case 'org-units': {
      const orgUnitId = c.id('orgUnitId');
      const name = c.text('name');
      const parent = c.id('parent', false);
      if (parent !== null && parent === orgUnitId)
        c.problem('parent', 'an org unit cannot be its own parent');
      return orgUnitId && name ? { orgUnitId, name, parent } : null;
    }
    case 'exemptions': {
      const exemptionId = c.id('exemptionId');
      const officialId = c.id('officialId');
      const from = c.date('from', true);
      const to = c.date('to', true);
      const reason = c.text('reason');
      if (from && to && to < from) c.problem('to', 'the exemption ends before it starts');
      return exemptionId && officialId && from && to && reason
        ? { exemptionId, officialId, from, to, reason }
        : null;
    }
    case 'catalog': {
      const activityId = c.text('activityId');
      if (activityId !== null && !isAbsoluteIri(activityId))
        c.problem('activityId', 'must be an absolute IRI');
      const title = c.get('title');
      const titleOk =
        title !== null &&
        typeof title === 'object' &&
        !Array.isArray(title) &&
        Object.keys(title).length > 0 &&
        Object.values(title).every((v) => typeof v === 'string' && v !== '');
      if (!titleOk) c.problem('title', 'needs at least one title (CSV column title_<language tag>)');
      const category = c.text('category');
      const nominalHours = c.number('nominalHours');
      const modality = c.text('modality', false);
      if (modality !== null && !(MODALITIES as readonly string[]).includes(modality))
        c.problem('modality', `must be one of ${MODALITIES.join(', ')}`);
      const provider = c.text('provider', false);
      const repeats = c.text('repeats', false);
      if (repeats !== null && !(REPEATS as readonly string[]).includes(repeats))
        c.problem('repeats', `must be one of ${REPEATS.join(', ')}`);
      return activityId && titleOk && category
        ? {
            activityId,
            title: title as Record<string, string>,
            category,
            nominalHours,
            modality: (modality as Modality | null) ?? null,
            provider,
            // Written only when given, so catalog events recorded before the field existed stay equal.
            ...(repeats === null ? {} : { repeats: repeats as Repeats }),
          }
        : null;
    }
  }
}

function official(c: RowCheck): Official | null {
  const officialId = c.id('officialId');
  const name = c.text('name');
  const orgUnit = c.id('orgUnit');
  const orgUnitFrom = c.date('orgUnitFrom');
  const staffGroup = c.id('staffGroup');
  const staffGroupFrom = c.date('staffGroupFrom');
  const jurisdiction = c.id('jurisdiction');
  const employedFrom = c.date('employedFrom');
  const employedTo = c.date('employedTo');
  if (employedFrom && employedTo && employedTo < employedFrom)
    c.problem('employedTo', 'employment ends before it starts');
  const identifiers: OfficialIdentifier[] = [];
  const raw = c.get('identifiers');
  if (raw !== undefined) {
    if (!Array.isArray(raw)) c.problem('identifiers', 'must be an array');
    else
      raw.forEach((item, i) => {
        const id = identifierOf(item);
        if (typeof id === 'string') c.problem(`identifiers/${i}`, id);
        else identifiers.push(id);
      });
  }
  const homePage = c.get('accountHomePage');
  const accountName = c.get('accountName');
  if (homePage !== undefined || accountName !== undefined) {
    const id = identifierOf({ account: { homePage, name: accountName } });
    if (typeof id === 'string') c.problem(homePage === undefined ? 'accountHomePage' : 'accountName', id);
    else identifiers.push(id);
  }
  const mbox = c.get('mbox');
  if (mbox !== undefined) {
    const id = identifierOf({ mbox });
    if (typeof id === 'string') c.problem('mbox', id);
    else identifiers.push(id);
  }
  if (!officialId || !name || !orgUnit || !staffGroup || !jurisdiction) return null;
  return {
    officialId,
    name,
    orgUnit,
    orgUnitFrom,
    staffGroup,
    // Only when given: a record without it is the same record as before staff groups had dates.
    ...(staffGroupFrom ? { staffGroupFrom } : {}),
    jurisdiction,
    employedFrom,
    employedTo,
    identifiers,
  };
}

/** An identifier, or the reason it is not one (xAPI Data 2.4.2.1, 2.4.2.2). */
function identifierOf(value: unknown): OfficialIdentifier | string {
  if (value === null || typeof value !== 'object')
    return 'an identifier is {account: {homePage, name}} or {mbox}';
  const v = value as { account?: { homePage?: unknown; name?: unknown }; mbox?: unknown };
  if (v.mbox !== undefined) {
    return typeof v.mbox === 'string' && isMailtoIri(v.mbox)
      ? { mbox: v.mbox }
      : 'mbox must be a mailto: IRI';
  }
  const homePage = v.account?.homePage;
  const name = v.account?.name;
  if (typeof homePage !== 'string' || !/^https?:\/\/[^\s]+$/.test(homePage))
    return 'an account needs a homePage that is an http(s) IRL';
  if (typeof name !== 'string' || name === '') return 'an account needs a name';
  return { account: { homePage, name } };
}
