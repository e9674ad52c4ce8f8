import type { LogPosition } from './types';

/** Helpers for the port's totally ordered global position. */
export const Position = {
  of(commit: bigint, prepare: bigint = commit): LogPosition {
    return { commit, prepare };
  },

  compare(a: LogPosition, b: LogPosition): -1 | 0 | 1 {
    if (a.commit !== b.commit) return a.commit < b.commit ? -1 : 1;
    if (a.prepare !== b.prepare) return a.prepare < b.prepare ? -1 : 1;
    return 0;
  },

  equals(a: LogPosition | null | undefined, b: LogPosition | null | undefined): boolean {
    if (!a || !b) return a === b;
    return a.commit === b.commit && a.prepare === b.prepare;
  },

  /** "commit:prepare", or just "commit" when both are equal (SQLite). */
  toString(p: LogPosition): string {
    return p.commit === p.prepare ? p.commit.toString() : `${p.commit}:${p.prepare}`;
  },

  /** Parses Position.toString's output; returns null for anything else. */
  parse(text: string): LogPosition | null {
    const m = /^(0|[1-9][0-9]{0,19})(?::(0|[1-9][0-9]{0,19}))?$/.exec(text);
    if (!m) return null;
    const commit = BigInt(m[1]!);
    const prepare = m[2] === undefined ? commit : BigInt(m[2]);
    return { commit, prepare };
  },

  max(a: LogPosition | null, b: LogPosition | null): LogPosition | null {
    if (!a) return b;
    if (!b) return a;
    return Position.compare(a, b) >= 0 ? a : b;
  },
};
