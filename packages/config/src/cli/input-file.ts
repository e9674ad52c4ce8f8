import { readFileSync } from 'node:fs';
import { UsageError } from './cli-errors';

/**
 * The text of a file named on the command line. A file that cannot be read is a usage error
 * (exit 2) naming the file and the reason, the same in every CLI, never a raw ENOENT.
 */
export function readInputFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'is a directory'
          : code === 'EACCES'
            ? 'permission denied'
            : (error as Error).message;
    throw new UsageError(`cannot read ${path}: ${reason}`);
  }
}

/** A JSON file named on the command line; a syntax error names the file, line and column. */
export function readJsonFile(path: string): unknown {
  const text = readInputFile(path).replace(/^\uFEFF/, '');
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new UsageError(
      `${path}${jsonErrorPlace(text, error as Error)}: not JSON: ${jsonReason(error as Error)}`,
    );
  }
}

/** ":LINE:COLUMN" of a JSON.parse error when its message gives a position. */
function jsonErrorPlace(text: string, error: Error): string {
  const at = /position (\d+)/.exec(error.message);
  if (!at) return '';
  const offset = Number(at[1]);
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return `:${line}:${column}`;
}

function jsonReason(error: Error): string {
  return error.message.replace(/ in JSON at position \d+.*$/s, '').replace(/ \(line \d+ column \d+\)$/, '');
}
