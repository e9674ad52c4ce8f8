import { BadRequest } from './errors';

/**
 * Keys that let a later merge or lookup reach Object.prototype. JSON.parse itself only
 * creates own properties, but documents are merged (xAPI Communication 2.2, POST to a
 * JSON document), so the keys are refused at the door rather than trusted to every merge.
 */
export const DEFAULT_FORBIDDEN_KEYS: readonly string[] = ['__proto__', 'constructor', 'prototype'];

export interface ParseJsonOptions {
  forbiddenKeys?: readonly string[];
  /** Deepest nesting of arrays and objects accepted. Default 512. */
  maxDepth?: number;
}

/**
 * Deeper documents are refused before parsing: JSON.parse copes with them, but every later
 * recursive walk (validation, JSON.stringify for sizes, canonicalisation) would overflow the
 * stack and turn a client mistake into a 500 (found by test/reliability/fuzz.int.spec.ts).
 */
export const DEFAULT_MAX_JSON_DEPTH = 512;

/** True when arrays/objects nest deeper than `max`; brackets inside strings do not count. */
function nestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      // A backslash escapes the next character (\" does not end the string).
      if (c === 92) i++;
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 || c === 123) {
      if (++depth > max) return true;
    } else if (c === 93 || c === 125) depth--;
  }
  return false;
}

/** JSON.parse that reports syntax errors as 400 'json.syntax' with a position, and refuses pollution keys. */
export function parseJson(text: string, options: ParseJsonOptions = {}): unknown {
  const forbidden = options.forbiddenKeys ?? DEFAULT_FORBIDDEN_KEYS;
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_JSON_DEPTH;
  if (text.length > maxDepth && nestsDeeperThan(text, maxDepth)) {
    const message = `request body nests arrays/objects deeper than ${maxDepth} levels`;
    throw new BadRequest('json.too_deep', message, { pointer: '', details: { maxDepth } });
  }
  const parsed = parseChecked(text, forbidden);
  if (MAYBE_OVERFLOW.test(text)) {
    const pointer = nonFinitePointer(parsed);
    if (pointer !== null) {
      throw new BadRequest('json.number_range', 'a number is outside the range of a double (±1.8e308)', {
        pointer,
      });
    }
  }
  return parsed;
}

function parseChecked(text: string, forbidden: readonly string[]): unknown {
  // A reviver costs a second walk of the tree; only pay it when a forbidden key could be
  // present, counting \u escapes that could spell one.
  const suspicious = forbidden.some((key) => text.includes(key)) || text.includes('\\u00');
  try {
    if (!suspicious || forbidden.length === 0) return JSON.parse(text);
    return JSON.parse(text, function (this: unknown, key: string, value: unknown) {
      if (forbidden.includes(key) && this !== null && typeof this === 'object' && !Array.isArray(this)) {
        throw new BadRequest('json.forbidden_key', `JSON property name '${key}' is not accepted`, {
          details: { key },
        });
      }
      return value;
    });
  } catch (error) {
    if (error instanceof BadRequest) throw error;
    if (error instanceof RangeError) {
      throw new BadRequest('json.too_deep', 'request body is nested too deeply to parse');
    }
    throw jsonSyntaxProblem(text);
  }
}

/**
 * JSON.parse turns literals past the double range (1e309) into ±Infinity, which no later
 * JSON.stringify or canonical form can write back (found by the fuzz test as a 500).
 * Only walked when the text has a literal that could overflow.
 */
const MAYBE_OVERFLOW = /[eE]\+?[0-9]{3}|[0-9]{300}/;

function nonFinitePointer(value: unknown, at = ''): string | null {
  if (typeof value === 'number') return Number.isFinite(value) ? null : at;
  if (value === null || typeof value !== 'object') return null;
  for (const [key, child] of Object.entries(value)) {
    const found = nonFinitePointer(child, `${at}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`);
    if (found !== null) return found;
  }
  return null;
}

/** A 400 naming where the JSON goes wrong, without echoing the body back. */
export function jsonSyntaxProblem(text: string): BadRequest {
  if (text.trim() === '')
    return new BadRequest('json.syntax', 'request body is empty; a JSON value was expected');
  const position = locateJsonError(text);
  const where = position === null ? '' : ` at position ${position}`;
  return new BadRequest('json.syntax', `request body is not valid JSON (syntax error${where})`, {
    ...(position === null ? {} : { details: { position } }),
  });
}

/**
 * Offset of the first character where `text` stops being valid JSON (RFC 8259), or null
 * when none is found. V8's messages do not always carry a position ("Unexpected token
 * '}', ... is not valid JSON"), so failures are re-scanned here; only runs on bad input.
 */
export function locateJsonError(text: string): number | null {
  let i = 0;
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const fail = (): never => {
    throw i;
  };
  const literal = (word: string) => {
    for (const ch of word) {
      if (text[i] !== ch) fail();
      i++;
    }
  };
  const string = () => {
    i++; // opening quote
    while (i < text.length) {
      const ch = text.charCodeAt(i);
      if (ch === 0x22) {
        i++;
        return;
      }
      if (ch < 0x20) fail();
      if (ch === 0x5c) {
        const esc = text[i + 1];
        if (esc === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
            i += 2;
            fail();
          }
          i += 6;
        } else if (esc !== undefined && '"\\/bfnrt'.includes(esc)) {
          i += 2;
        } else {
          i++;
          fail();
        }
      } else {
        i++;
      }
    }
    fail();
  };
  const number = () => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m || m[0] === '' || m[0] === '-') fail();
    i += m![0].length;
  };
  const value = (): void => {
    ws();
    const ch = text[i];
    if (ch === '{') {
      i++;
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail();
        string();
        ws();
        if (text[i] !== ':') fail();
        i++;
        value();
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return;
        }
        fail();
      }
    }
    if (ch === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (;;) {
        value();
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return;
        }
        fail();
      }
    }
    if (ch === '"') string();
    else if (ch === 't') literal('true');
    else if (ch === 'f') literal('false');
    else if (ch === 'n') literal('null');
    else if (ch === '-' || (ch !== undefined && ch >= '0' && ch <= '9')) number();
    else fail();
  };
  try {
    value();
    ws();
    return i < text.length ? i : null;
  } catch (error) {
    return typeof error === 'number' ? error : null;
  }
}
