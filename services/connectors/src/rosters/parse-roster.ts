import { parse } from 'csv-parse/sync';
import type { RosterProblem, RosterRow } from './roster-types';

/**
 * Column names of each field (lower-case, spaces and dashes read as underscores). One naming
 * convention across every import (docs/IMPORTS.md, decision 041): a CSV column is the snake_case
 * of the JSON field (`official_id` ↔ `officialId`).
 */
const COLUMNS: Record<string, keyof Omit<RosterRow, 'line' | 'pointer'>> = {
  official_id: 'official',
  name: 'name',
  minutes: 'minutes',
  status: 'status',
};

/** Older spellings, accepted with a deprecation warning for one release (decision 041). */
const DEPRECATED_COLUMNS: Record<string, string> = {
  official: 'official_id',
  attendee: 'official_id',
  identifier: 'official_id',
  minutes_attended: 'minutes',
};
const DEPRECATED_FIELDS: Record<string, string> = { official: 'officialId', official_id: 'officialId' };

const deprecation = (old: string, now: string, where: string) =>
  `${where} '${old}' is deprecated: call it '${now}' (the old name is accepted until the next release)`;

export interface ParsedRows {
  rows: RosterRow[];
  problems: RosterProblem[];
  /** Deprecated spellings that were accepted. */
  warnings: string[];
}

/**
 * Reads a CSV roster: UTF-8 with or without a BOM, a header row, one attendee per line.
 * Malformed records are reported by line (and skipped) so one pass lists every problem.
 */
export function parseRosterCsv(text: string): ParsedRows {
  const problems: RosterProblem[] = [];
  const warnings: string[] = [];
  let header: (keyof Omit<RosterRow, 'line' | 'pointer'> | null)[] = [];
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, {
      bom: true,
      info: true,
      trim: true,
      skip_empty_lines: true,
      relax_column_count: true,
      skip_records_with_error: true,
      on_skip: (error) => {
        if (error)
          problems.push({
            line: Number(error.lines),
            pointer: `/csv/${error.lines}`,
            rule: 'roster.csv.malformed',
            message: error.message,
          });
      },
    }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (error) {
    const lines = (error as { lines?: number }).lines ?? null;
    problems.push({
      line: lines,
      pointer: lines === null ? '/csv' : `/csv/${lines}`,
      rule: 'roster.csv.malformed',
      message: (error as Error).message,
    });
    return { rows: [], problems, warnings };
  }
  const [first, ...rest] = records;
  if (!first) {
    problems.push({ line: 1, pointer: '/csv/1', rule: 'roster.csv.header', message: 'The roster is empty.' });
    return { rows: [], problems, warnings };
  }
  header = first.record.map((name) => {
    const column = name.toLowerCase().replace(/[\s-]+/g, '_');
    const now = DEPRECATED_COLUMNS[column];
    if (now) warnings.push(deprecation(name, now, 'column'));
    return COLUMNS[now ?? column] ?? null;
  });
  if (!header.includes('official')) {
    problems.push({
      line: first.info.lines,
      pointer: `/csv/${first.info.lines}`,
      rule: 'roster.csv.header',
      message: `The header row needs an official_id column; it has: ${first.record.join(', ')}.`,
    });
    return { rows: [], problems, warnings };
  }
  if (!header.includes('minutes') && !header.includes('status')) {
    problems.push({
      line: first.info.lines,
      pointer: `/csv/${first.info.lines}`,
      rule: 'roster.csv.header',
      message: 'The header row needs a minutes or a status column.',
    });
    return { rows: [], problems, warnings };
  }
  const rows: RosterRow[] = [];
  for (const { record, info } of rest) {
    const line = info.lines;
    if (record.length !== header.length) {
      problems.push({
        line,
        pointer: `/csv/${line}`,
        rule: 'roster.row.columns',
        message: `Line ${line} has ${record.length} fields; the header has ${header.length}.`,
      });
      continue;
    }
    const row: RosterRow = { line, pointer: `/csv/${line}`, official: '' };
    header.forEach((field, i) => {
      const value = record[i] ?? '';
      if (field !== null && value !== '') row[field] = value;
    });
    rows.push(row);
  }
  return { rows, problems, warnings };
}

/** Reads the attendees of a JSON roster: `[{ official, minutes?, status?, name? }]`. */
export function parseRosterJson(attendees: unknown): ParsedRows {
  const problems: RosterProblem[] = [];
  const warnings = new Set<string>();
  if (!Array.isArray(attendees)) {
    problems.push({
      line: null,
      pointer: '/attendees',
      rule: 'roster.attendees.type',
      message: 'attendees must be an array of { officialId, minutes?, status?, name? }.',
    });
    return { rows: [], problems, warnings: [] };
  }
  const rows: RosterRow[] = [];
  attendees.forEach((item: unknown, index) => {
    const line = index + 1;
    const pointer = `/attendees/${index}`;
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      problems.push({
        line,
        pointer,
        rule: 'roster.row.type',
        message: `Attendee ${line} is not an object.`,
      });
      return;
    }
    const o = item as Record<string, unknown>;
    const text = (key: string): string | undefined => {
      const v = o[key];
      if (v === undefined || v === null || v === '') return undefined;
      if (typeof v === 'string') return v.trim();
      if (typeof v === 'number') return String(v);
      problems.push({
        line,
        pointer: `${pointer}/${key}`,
        rule: 'roster.row.type',
        message: `Attendee ${line}: ${key} must be a string or a number.`,
      });
      return undefined;
    };
    for (const [old, now] of Object.entries(DEPRECATED_FIELDS))
      if (o[old] !== undefined) warnings.add(deprecation(old, now, 'field'));
    const official = text('officialId') ?? text('official') ?? text('official_id') ?? '';
    const row: RosterRow = { line, pointer, official };
    const name = text('name');
    const minutes = text('minutes');
    const status = text('status');
    if (name !== undefined) row.name = name;
    if (minutes !== undefined) row.minutes = minutes;
    if (status !== undefined) row.status = status;
    rows.push(row);
  });
  return { rows, problems, warnings: [...warnings] };
}
