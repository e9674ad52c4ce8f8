import { readFileSync } from 'node:fs';
import type { TermKind, TermTitles } from '@lrs/training';
import { pickLanguage } from '@lrs/xapi';
import { IntlMessageFormat } from 'intl-messageformat';
import { DateTime, IANAZone } from 'luxon';

export const LOCALES = ['en', 'ko', 'zh-Hant', 'zh-Hans', 'vi'] as const;
export type Locale = (typeof LOCALES)[number];

/** The keys of the English catalog; every other catalog has exactly these (test/portal/i18n.spec.ts). */
export type MessageKey = keyof typeof import('./messages/en.json');
export type Messages = Record<MessageKey, string>;

/**
 * The messages live in per-language ICU MessageFormat catalogs (src/messages/<locale>.json), formatted
 * with intl-messageformat: `{count, plural, ...}` and `{n, number}` follow each language's CLDR rules.
 */
export const CATALOGS: Record<Locale, Messages> = Object.fromEntries(
  LOCALES.map((l) => [
    l,
    JSON.parse(readFileSync(new URL(`./messages/${l}.json`, import.meta.url), 'utf8')) as Messages,
  ]),
) as Record<Locale, Messages>;

/** BCP 47 tags for Intl/luxon and for picking language-map entries (xAPI Data 5.2.2). */
export const LANGUAGE_TAGS: Record<Locale, string[]> = {
  en: ['en', 'en-US', 'en-GB'],
  ko: ['ko-KR', 'ko'],
  'zh-Hant': ['zh-Hant', 'zh-TW', 'zh-HK'],
  'zh-Hans': ['zh-Hans', 'zh-CN', 'zh-SG'],
  vi: ['vi-VN', 'vi'],
};

export const LOCALE_NAMES: Record<Locale, string> = {
  en: 'English',
  ko: '한국어',
  'zh-Hant': '繁體中文',
  'zh-Hans': '简体中文',
  vi: 'Tiếng Việt',
};

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}

/** The locale that serves one language tag, or null (zh-TW/HK/MO and Hant: Traditional; other zh: Simplified). */
export function localeOfTag(tag: string): Locale | null {
  const t = tag.trim().toLowerCase();
  if (t === 'ko' || t.startsWith('ko-')) return 'ko';
  if (t === 'vi' || t.startsWith('vi-')) return 'vi';
  if (t === 'zh' || t.startsWith('zh-')) {
    return /^zh-(hant|tw|hk|mo)(-|$)/.test(t) || /-hant(-|$)/.test(t) ? 'zh-Hant' : 'zh-Hans';
  }
  if (t === 'en' || t.startsWith('en-')) return 'en';
  return null;
}

/**
 * The best locale for an Accept-Language header (RFC 9110 12.5.4): ranges by descending q-value
 * (ties keep their order), q=0 excluded, `*` or nothing we serve gives English.
 */
export function negotiateLocale(acceptLanguage: string | undefined): Locale {
  const ranges = (acceptLanguage ?? '')
    .split(',')
    .map((part, index) => {
      const [tag = '', ...params] = part.split(';');
      let q = 1;
      for (const p of params) {
        const m = /^\s*q\s*=\s*([0-9.]+)\s*$/i.exec(p);
        if (m) q = Number(m[1]);
      }
      return { tag: tag.trim(), q: Number.isFinite(q) ? q : 0, index };
    })
    .filter((r) => r.tag !== '' && r.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const r of ranges) {
    const locale = localeOfTag(r.tag);
    if (locale) return locale;
  }
  return 'en';
}

/** A valid IANA zone name, else null (a browser-reported zone is checked before use). */
export function validZone(zone: unknown): string | null {
  return typeof zone === 'string' && zone.length < 64 && IANAZone.isValidZone(zone) ? zone : null;
}

const compiled = new Map<string, IntlMessageFormat>();

/** A text in a language: `lang` is set when it is not the page's language (titles from data). */
export interface Localized {
  text: string;
  lang: string | null;
}

/** Message lookup, number and date formatting for one request's locale and time zone. */
export class Translator {
  private readonly number: Intl.NumberFormat;
  private readonly percent: Intl.NumberFormat;
  constructor(
    readonly locale: Locale,
    readonly timeZone: string,
  ) {
    this.number = new Intl.NumberFormat(locale, { maximumFractionDigits: 2 });
    this.percent = new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 });
  }

  /** The message, formatted with ICU MessageFormat rules of the locale. */
  t(key: MessageKey, values?: Record<string, string | number>): string {
    return String(this.format(key, values));
  }

  /** Like `t`, but values may be objects (HTML fragments): the result keeps them as separate parts. */
  parts<T extends object>(key: MessageKey, values: Record<string, string | number | T>): (string | T)[] {
    const out = this.format(key, values);
    return Array.isArray(out) ? (out as (string | T)[]) : [String(out)];
  }

  private format(key: MessageKey, values?: Record<string, unknown>): unknown {
    const id = `${this.locale}\u0000${key}`;
    let f = compiled.get(id);
    if (!f) {
      f = new IntlMessageFormat(CATALOGS[this.locale][key] ?? CATALOGS.en[key] ?? key, this.locale);
      compiled.set(id, f);
    }
    return f.format(values as Record<string, string>);
  }

  has(key: string): key is MessageKey {
    return key in CATALOGS.en;
  }

  /** A key built from data (status, modality, category, staff group) with the raw value as last resort. */
  label(
    prefix: 'status' | 'entryStatus' | 'modality' | 'category' | 'staffGroup',
    value: string | null,
  ): string {
    if (value === null) return '—';
    if (prefix === 'category' || prefix === 'staffGroup') return this.term(prefix, value).text;
    const key = `${prefix}.${value}`;
    return this.has(key) ? this.t(key) : value;
  }

  private termsOf: (() => TermTitles) | null = null;
  private terms: TermTitles | null = null;

  /** Where category and staff-group titles come from: the reader's policies (decision 076), asked once. */
  withTerms(source: () => TermTitles): this {
    this.termsOf = source;
    this.terms = null;
    return this;
  }

  /**
   * A category's or staff group's title (decision 076): the data's (a policy's `categoryTitles` /
   * `staffGroupTitles`) in the reader's language, else the portal's message for the id in the
   * reader's language, else the data's in English or any language (marked with its language),
   * else the English message, else null.
   */
  termTitle(prefix: TermKind, value: string): Localized | null {
    if (this.termsOf) this.terms ??= this.termsOf();
    const data = this.localized(this.terms?.(prefix, value));
    if (data && data.lang === null) return data;
    // The portal's own word in the reader's language beats the data's in another language.
    const key = `${prefix}.${value}`;
    if (this.has(key) && (CATALOGS[this.locale][key] !== undefined || !data))
      return { text: this.t(key), lang: null };
    return data;
  }

  /** `termTitle`, else the id as the data give it. */
  term(prefix: TermKind, value: string): Localized {
    return this.termTitle(prefix, value) ?? { text: value, lang: null };
  }

  /** A language map in the reader's language, else English, else any language it has. */
  localized(map: Record<string, string> | undefined | null): Localized | null {
    if (!map || Object.keys(map).length === 0) return null;
    const key = pickLanguage(map, [...LANGUAGE_TAGS[this.locale], 'en', 'en-US', 'en-GB'])!;
    const text = map[key];
    if (text === undefined) return null;
    return { text, lang: localeOfTag(key) === this.locale ? null : key };
  }

  num(n: number): string {
    return this.number.format(n);
  }
  pct(ratio: number): string {
    return this.percent.format(ratio);
  }
  /** The zone as people read it, e.g. "Asia/Seoul (GMT+9)". */
  zoneName(): string {
    const offset = DateTime.now().setZone(this.timeZone).setLocale(this.locale).toFormat('ZZZZ');
    return offset === this.timeZone ? this.timeZone : `${this.timeZone} (${offset})`;
  }
  /** A calendar date in the reader's time zone (a 23:30 UTC session is the next day in Seoul). */
  date(iso: string): string {
    const d = DateTime.fromISO(iso, { setZone: true });
    if (!d.isValid) return iso;
    return d.setZone(this.timeZone).setLocale(this.locale).toLocaleString(DateTime.DATE_MED);
  }
  /**
   * A calendar day as it is, in no zone: a period's last day or a due date, which the domain
   * already gives as the day that counts in the policy's zone (dueDates, TRAINING-DOMAIN: never
   * the exclusive end).
   */
  day(isoDate: string): string {
    const d = DateTime.fromISO(isoDate, { zone: 'UTC' });
    if (!d.isValid) return isoDate;
    return d.setLocale(this.locale).toLocaleString(DateTime.DATE_MED);
  }
  /** Date and time in the reader's time zone, the zone named. */
  dateTime(iso: string): string {
    const d = DateTime.fromISO(iso, { setZone: true });
    if (!d.isValid) return iso;
    return d
      .setZone(this.timeZone)
      .setLocale(this.locale)
      .toLocaleString({ ...DateTime.DATETIME_MED, timeZoneName: 'short' });
  }
}
