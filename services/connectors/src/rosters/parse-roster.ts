import { parse } from 'csv-parse/sync';
import type { RosterProblem, RosterRow } from './roster-types';

/** Column names accepted for each field (lower-case, spaces and dashes read as underscores). */
const COLUMNS: Record<string, keyof Omit<RosterRow, 'line' | 'pointer'>> = {
  official_id: 'official',
  official: 'official',
  attendee: 'official',
  identifier: 'official',
  name: 'name',
  minutes: 'minutes',
  minutes_attended: 'minutes',
  status: 'status',
};

export interface ParsedRows {
  rows: RosterRow[];
  problems: RosterProblem[];
}

/**
 * Reads a CSV roster: UTF-8 with or without a BOM, a header row, one attendee per line.
 * Malformed records are reported by line (and skipped) so one pass lists every problem.
 */
export function parseRosterCsv(text: string): ParsedRows {
  const problems: RosterProblem[] = [];
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
    return { rows: [], problems };
  }
  const [first, ...rest] = records;
  if (!first) {
    problems.push({ line: 1, pointer: '/csv/1', rule: 'roster.csv.header', message: 'The roster is empty.' });
    return { rows: [], problems };
  }
  header = first.record.map((name) => COLUMNS[name.toLowerCase().replace(/[\s-]+/g, '_')] ?? null);
  if (!header.includes('official')) {
    problems.push({
      line: first.info.lines,
      pointer: `/csv/${first.info.lines}`,
      rule: 'roster.csv.header',
      message: `The header row needs an official_id column; it has: ${first.record.join(', ')}.`,
    });
    return { rows: [], problems };
  }
  if (!header.includes('minutes') && !header.includes('status')) {
    problems.push({
      line: first.info.lines,
      pointer: `/csv/${first.info.lines}`,
      rule: 'roster.csv.header',
      message: 'The header row needs a minutes or a status column.',
    });
    return { rows: [], problems };
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
  return { rows, problems };
}

/** Reads the attendees of a JSON roster: `[{ official, minutes?, status?, name? }]`. */
export function parseRosterJson(attendees: unknown): ParsedRows {
  const problems: RosterProblem[] = [];
  if (!Array.isArray(attendees)) {
    problems.push({
      line: null,
      pointer: '/attendees',
      rule: 'roster.attendees.type',
      message: 'attendees must be an array of { official, minutes?, status?, name? }.',
    });
    return { rows: [], problems };
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
    const official = text('official') ?? text('officialId') ?? text('official_id') ?? '';
    const row: RosterRow = { line, pointer, official };
    const name = text('name');
    const minutes = text('minutes');
    const status = text('status');
    if (name !== undefined) row.name = name;
    if (minutes !== undefined) row.minutes = minutes;
    if (status !== undefined) row.status = status;
    rows.push(row);
  });
  return { rows, problems };
}
