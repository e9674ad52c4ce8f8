// Accept-Language handling for the canonical format (xAPI Communication 2.1.3 "Language Filtering
// Requirements for Canonical Format Statements": RFC 2616 §14.4 applied to each language map).
import type { LanguageMap } from './types';

const RANGE = /^(?:\*|[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*)$/;

/** Language ranges from an Accept-Language header, most preferred first; q=0 ranges are dropped. */
export function parseAcceptLanguage(header: string | undefined | null): string[] {
  if (!header) return [];
  const ranges: { range: string; q: number; order: number }[] = [];
  header.split(',').forEach((part, order) => {
    const [rawRange, ...params] = part.trim().split(';');
    const range = (rawRange ?? '').trim();
    if (!RANGE.test(range)) return;
    let q = 1;
    for (const param of params) {
      const m = /^\s*q\s*=\s*([01](?:\.\d{0,3})?)\s*$/i.exec(param);
      if (m) q = Number(m[1]);
      else if (/^\s*q\s*=/i.test(param)) q = Number.NaN;
    }
    if (!(q > 0 && q <= 1)) return;
    ranges.push({ range, q, order });
  });
  return ranges.sort((a, b) => b.q - a.q || a.order - b.order).map((r) => r.range);
}

function matches(range: string, tag: string): boolean {
  const r = range.toLowerCase();
  const t = tag.toLowerCase();
  return t === r || t.startsWith(`${r}-`);
}

/**
 * The key of the one entry to keep: the first range that matches a tag exactly or as a prefix (RFC 2616
 * §14.4), then the ranges shortened one subtag at a time (RFC 4647 lookup, so 'en-GB' still finds 'en'),
 * then the map's first entry, because the canonical format returns exactly one language per map.
 */
export function pickLanguage(map: LanguageMap, acceptLanguages: readonly string[]): string | undefined {
  const keys = Object.keys(map);
  if (keys.length <= 1) return keys[0];
  for (const range of acceptLanguages) {
    if (range === '*') return keys[0];
    const found = keys.find((k) => matches(range, k));
    if (found) return found;
  }
  for (const range of acceptLanguages) {
    const subtags = range.split('-');
    for (let n = subtags.length - 1; n >= 1; n--) {
      const shorter = subtags.slice(0, n).join('-');
      const found = keys.find((k) => matches(shorter, k));
      if (found) return found;
    }
  }
  return keys[0];
}

export function filterLanguageMap(map: LanguageMap, acceptLanguages: readonly string[]): LanguageMap {
  const key = pickLanguage(map, acceptLanguages);
  return key === undefined ? {} : { [key]: map[key]! };
}
