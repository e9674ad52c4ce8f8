import { type MessageFormatElement, parse, TYPE } from '@formatjs/icu-messageformat-parser';
import { CATALOGS, LOCALES, negotiateLocale, Translator } from '@lrs/service-portal';
import { expect } from 'chai';

/** The argument names a message uses, with their ICU type. */
function argumentsOf(elements: MessageFormatElement[], out = new Set<string>()): Set<string> {
  for (const e of elements) {
    if (e.type === TYPE.argument || e.type === TYPE.number || e.type === TYPE.date || e.type === TYPE.time)
      out.add(e.value);
    if (e.type === TYPE.plural || e.type === TYPE.select) {
      out.add(e.value);
      for (const option of Object.values(e.options)) argumentsOf(option.value, out);
    }
  }
  return out;
}

// Identical to English on purpose: nothing here is language (units, protocol names).
const SAME_AS_ENGLISH = new Set<string>([]);

describe('portal message catalogs', () => {
  const english = CATALOGS.en;
  const keys = Object.keys(english).sort();

  for (const locale of LOCALES) {
    it(`${locale} has every message key of English, and no other`, () => {
      const own = Object.keys(CATALOGS[locale]).sort();
      expect(
        keys.filter((k) => !own.includes(k)),
        'missing',
      ).to.deep.equal([]);
      expect(
        own.filter((k) => !keys.includes(k)),
        'extra',
      ).to.deep.equal([]);
    });
    it(`${locale} messages are valid ICU MessageFormat with the same arguments as English`, () => {
      for (const key of keys) {
        const message = CATALOGS[locale][key as keyof typeof english];
        expect(message, key).to.be.a('string').and.not.equal('');
        const args = [...argumentsOf(parse(message))].sort();
        expect(args, `${locale} ${key}`).to.deep.equal(
          [...argumentsOf(parse(english[key as keyof typeof english]))].sort(),
        );
      }
    });
    if (locale !== 'en')
      it(`${locale} translates every message (none left in English)`, () => {
        const untranslated = keys.filter(
          (k) =>
            !SAME_AS_ENGLISH.has(k) &&
            CATALOGS[locale][k as keyof typeof english] === english[k as keyof typeof english],
        );
        expect(untranslated).to.deep.equal([]);
      });
  }

  it('formats plurals and numbers by the language’s rules', () => {
    expect(new Translator('en', 'UTC').t('resultCount', { count: 1 })).to.equal('1 official');
    expect(new Translator('en', 'UTC').t('resultCount', { count: 8000 })).to.equal('8,000 officials');
    expect(new Translator('ko', 'UTC').t('resultCount', { count: 8000 })).to.equal('8,000명');
    expect(new Translator('vi', 'UTC').t('resultCount', { count: 8000 })).to.equal('8.000 cán bộ');
  });
});

describe('portal language negotiation', () => {
  it('honours q-values', () => {
    expect(negotiateLocale('en;q=0.1,ko;q=0.9')).to.equal('ko');
    expect(negotiateLocale('fr, vi;q=0.5, en;q=0.4')).to.equal('vi');
    expect(negotiateLocale('ko;q=0, en')).to.equal('en');
    expect(negotiateLocale('de,fr')).to.equal('en');
    expect(negotiateLocale(undefined)).to.equal('en');
  });
  it('maps Chinese tags to the right script', () => {
    expect(negotiateLocale('zh-TW')).to.equal('zh-Hant');
    expect(negotiateLocale('zh-HK,en;q=0.5')).to.equal('zh-Hant');
    expect(negotiateLocale('zh-Hant-TW')).to.equal('zh-Hant');
    expect(negotiateLocale('zh-CN')).to.equal('zh-Hans');
    expect(negotiateLocale('zh')).to.equal('zh-Hans');
    expect(negotiateLocale('zh-Hans-SG')).to.equal('zh-Hans');
  });
});

describe('category and staff-group names (decision 076)', () => {
  const titles: Record<string, Record<string, string>> = {
    'category:management': { 'zh-HK': '管理', 'en-US': 'Management' },
    'staffGroup:social-welfare': { 'ko-KR': '사회복지직 (시)', 'en-US': 'Social welfare (city)' },
  };
  const terms = (kind: string, id: string) => titles[`${kind}:${id}`];
  const name = (locale: (typeof LOCALES)[number], kind: 'category' | 'staffGroup', id: string) =>
    new Translator(locale, 'UTC').withTerms(() => terms).term(kind, id);

  it('the data’s title in the reader’s language first', () => {
    expect(name('zh-Hant', 'category', 'management')).to.deep.equal({ text: '管理', lang: null });
    expect(name('ko', 'staffGroup', 'social-welfare')).to.deep.equal({ text: '사회복지직 (시)', lang: null });
  });

  it('else the portal’s own word in the reader’s language, else the data’s English, marked', () => {
    expect(name('vi', 'staffGroup', 'social-welfare')).to.deep.equal({
      text: CATALOGS.vi['staffGroup.social-welfare'],
      lang: null,
    });
    expect(name('vi', 'category', 'management')).to.deep.equal({ text: 'Management', lang: 'en-US' });
  });

  it('else the id as the data give it', () => {
    expect(name('ko', 'category', 'no-title')).to.deep.equal({ text: 'no-title', lang: null });
    expect(new Translator('ko', 'UTC').withTerms(() => terms).label('category', 'management')).to.equal(
      'Management',
    );
  });
});

describe('portal titles from language maps', () => {
  it('falls back to English, then to any language, and says which', () => {
    const ko = new Translator('ko', 'Asia/Seoul');
    expect(ko.localized({ en: 'Ethics', 'ko-KR': '윤리' })).to.deep.equal({ text: '윤리', lang: null });
    expect(ko.localized({ 'zh-TW': '倫理', 'en-US': 'Ethics' })).to.deep.equal({
      text: 'Ethics',
      lang: 'en-US',
    });
    expect(ko.localized({ 'zh-TW': '倫理', vi: 'Đạo đức' })?.lang).to.be.oneOf(['zh-TW', 'vi']);
    expect(ko.localized({})).to.equal(null);
  });
  it('names the time zone with date-times', () => {
    const tr = new Translator('en', 'Asia/Seoul');
    expect(tr.dateTime('2026-01-01T00:00:00Z')).to.match(/9:00.*GMT\+9/);
    expect(tr.zoneName()).to.equal('Asia/Seoul (GMT+9)');
  });
});
