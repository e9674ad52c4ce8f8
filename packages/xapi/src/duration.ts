// ISO 8601:2004 §4.4.3.2 durations (xAPI Data 4.6): PnYnMnDTnHnMnS with at least one component, or PnW
// alone. A decimal fraction ('.' or ',') is allowed on the lowest-order component only. The alternative
// format (P0001-02-03T...) MUST NOT be used.
const NUM = '(\\d+(?:[.,]\\d+)?)';
const DURATION = new RegExp(
  `^P(?:${NUM}W|(?=\\d|T\\d)(?:${NUM}Y)?(?:${NUM}M)?(?:${NUM}D)?(?:T(?=\\d)(?:${NUM}H)?(?:${NUM}M)?(?:${NUM}S)?)?)$`,
);

export interface ParsedDuration {
  valid: boolean;
  /** Exact length in seconds; null when invalid or when years, months or weeks make it indefinite. */
  seconds: number | null;
  original: string;
}

const SECONDS_PER = { D: 86_400, H: 3_600, M: 60, S: 1 } as const;

export function parseIsoDuration(text: string): ParsedDuration {
  const m = DURATION.exec(text);
  if (!m) return { valid: false, seconds: null, original: text };
  const parts = m.slice(1); // W, Y, M, D, H, Min, S
  const hasFraction = text.includes('.') || text.includes(',');
  const present = parts.map((p, i) => (p === undefined ? -1 : i)).filter((i) => i >= 0);
  const fractional = present.filter((i) => /[.,]/.test(parts[i]!));
  // Only the last (lowest-order) component may carry a fraction.
  if (
    hasFraction &&
    (fractional.length > 1 || (fractional.length === 1 && fractional[0] !== present[present.length - 1]))
  ) {
    return { valid: false, seconds: null, original: text };
  }
  const value = (i: number): number => Number((parts[i] ?? '0').replace(',', '.'));
  // Weeks, years and months have no fixed length in seconds (a week is 7 days only in the absence of DST
  // and the domain treats it like months: keep the text, do not credit).
  if (parts[0] !== undefined || parts[1] !== undefined || parts[2] !== undefined) {
    return { valid: true, seconds: null, original: text };
  }
  const seconds = value(3) * SECONDS_PER.D + value(4) * SECONDS_PER.H + value(5) * SECONDS_PER.M + value(6);
  return { valid: true, seconds, original: text };
}

export function isIsoDuration(text: string): boolean {
  if (!DURATION.test(text)) return false;
  // Without a decimal sign there is no fraction rule to check (the common case, kept fast).
  return (!text.includes('.') && !text.includes(',')) || parseIsoDuration(text).valid;
}

/**
 * The duration with its seconds fraction truncated to 0.01 s when it is finer (xAPI Data 4.6: the LRS MAY
 * truncate; xAPI 2.0 stores durations at that precision). Otherwise the text is kept as written.
 */
export function truncateDurationToCentiseconds(text: string): string {
  return text.replace(/(\d+)([.,])(\d{3,})S$/, (_all, whole: string, sep: string, frac: string) => {
    return `${whole}${sep}${frac.slice(0, 2)}S`;
  });
}

/** Comparison key: seconds fraction cut to 0.01 s, trailing zeros and a bare separator removed. */
export function comparableDuration(text: string): string {
  return text.replace(/(\d+)[.,](\d+)S$/, (_all, whole: string, frac: string) => {
    const kept = frac.slice(0, 2).replace(/0+$/, '');
    return kept === '' ? `${whole}S` : `${whole}.${kept}S`;
  });
}

/**
 * Whether two durations are the same at 0.01 s precision. Durations are compared as strings
 * (xAPI Data 2.3.1: Result Duration is not converted between units), ignoring digits beyond 0.01 s (4.6).
 */
export function durationsEqual(a: string, b: string): boolean {
  return comparableDuration(a) === comparableDuration(b);
}
