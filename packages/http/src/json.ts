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

interface JsonShape {
  /** Arrays/objects nest deeper than the limit (brackets inside strings do not count). */
  tooDeep: boolean;
  /** A number literal that may lie beyond the double range (an exponent of 3+ digits, or 300+ digits). */
  mayOverflow: boolean;
}

/**
 * One pass over the text outside its strings (which are skipped with indexOf): nesting depth and
 * number literals that could overflow. Meant for valid JSON; on invalid text JSON.parse reports.
 */
function shapeOf(text: string, maxDepth: number): JsonShape {
  let depth = 0;
  let mayOverflow = false;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      // To the closing quote: one not escaped by an odd number of backslashes.
      for (;;) {
        const q = text.indexOf('"', i + 1);
        if (q === -1) return { tooDeep: false, mayOverflow };
        let b = q - 1;
        while (text.charCodeAt(b) === 92) b--;
        i = q;
        if ((q - 1 - b) % 2 === 0) break;
      }
    } else if (c === 91 || c === 123) {
      if (++depth > maxDepth) return { tooDeep: true, mayOverflow };
    } else if (c === 93 || c === 125) {
      depth--;
    } else if (c === 45 || (c >= 48 && c <= 57)) {
      // A number literal: its length and its exponent's digits.
      const start = i;
      let exponentDigits = -1;
      for (; i + 1 < n; i++) {
        const d = text.charCodeAt(i + 1);
        if (d === 101 || d === 69) exponentDigits = 0;
        else if (d >= 48 && d <= 57) {
          if (exponentDigits >= 0) exponentDigits++;
        } else if (d !== 46 && d !== 43 && d !== 45) break;
      }
      if (exponentDigits >= 3 || i - start >= 300) mayOverflow = true;
    }
  }
  return { tooDeep: false, mayOverflow };
}

/** JSON.parse that reports syntax errors as 400 'json.syntax' with a position, and refuses pollution keys. */
export function parseJson(text: string, options: ParseJsonOptions = {}): unknown {
  const forbidden = options.forbiddenKeys ?? DEFAULT_FORBIDDEN_KEYS;
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_JSON_DEPTH;
  const shape = shapeOf(text, maxDepth);
  if (shape.tooDeep) {
    const message = `request body nests arrays/objects deeper than ${maxDepth} levels`;
    throw new BadRequest('json.too_deep', message, { pointer: '', details: { maxDepth } });
  }
  const parsed = parseChecked(text, forbidden);
  if (shape.mayOverflow) {
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
 * Only walked when the text has a literal that could overflow (shapeOf).
 */
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
