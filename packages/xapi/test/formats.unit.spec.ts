import { aStatement } from '@lrs/testkit';
import { expect } from 'chai';
import {
  durationsEqual,
  isAbsoluteIri,
  isUuid,
  parseIsoDuration,
  timestampMillis,
  toUtcTimestamp,
  truncateDurationToCentiseconds,
} from '../src/index';
import { expectRejected, expectValid } from './helpers';

describe('xAPI Data 4.3 IRIs', () => {
  for (const iri of [
    'http://example.com/xapi/verbs#defenestrated',
    'http://example.com/فعل/خواندن',
    'urn:uuid:fd41c918-b88b-4b20-a0a5-a4c32391aaa0',
    'tag:example.org,2024:course',
    'https://example.org/a%20b',
  ]) {
    it(`accepts ${iri}`, () => expect(isAbsoluteIri(iri)).to.equal(true));
  }
  for (const bad of [
    '',
    'example.org/course',
    '/course/1',
    '#fragment',
    'http://example.org/a b',
    'http://example.org/<x>',
    'http://example.org/%zz',
    '1http://example.org',
    'http:',
  ]) {
    it(`rejects "${bad}"`, () => expect(isAbsoluteIri(bad)).to.equal(false));
  }
});

describe('xAPI Data 4.4 UUIDs', () => {
  it('accepts standard string form in any case, any version nibble', () => {
    expect(isUuid('12345678-1234-5678-1234-567812345678')).to.equal(true);
    expect(isUuid('FD41C918-B88B-4B20-A0A5-A4C32391AAA0')).to.equal(true);
  });
  it('rejects other forms', () => {
    for (const bad of [
      'urn:uuid:12345678-1234-5678-1234-567812345678',
      '12345678123456781234567812345678',
      '12345678-1234-5678-1234-56781234567',
      ' 12345678-1234-5678-1234-567812345678',
    ]) {
      expect(isUuid(bad), bad).to.equal(false);
    }
  });
});

describe('xAPI Data 4.5 ISO 8601 Timestamps', () => {
  for (const ts of [
    '2013-05-18T05:32:34.804Z',
    '2013-05-18T05:32:34.804+00:00',
    '2013-05-18T05:32:34+09:00',
    '2013-05-18T05:32:34.804-0500',
    '2013-05-18T05:32:34+09',
    '2013-05-18T05:32Z',
    '2013-05-18T05:32:34.123456789Z',
    '2024-02-29T00:00:00Z',
    '2013-05-18T05:32:34',
  ]) {
    it(`accepts ${ts}`, () => expectValid(aStatement().at(ts)));
  }
  for (const ts of [
    '2013-02-30T00:00:00Z',
    '2013-13-01T00:00:00Z',
    '2023-02-29T00:00:00Z',
    '2013-05-18T24:00:00Z',
    '2013-05-18T05:60:00Z',
    '2013-05-18',
    '05:32:34Z',
    '2013-05-18T05:32:34.804-00:00',
    '2013-05-18T05:32:34-0000',
    '2013-05-18T05:32:34-00',
    '2013-05-18T05:32:34+25:00',
    'May 18 2013',
    '',
  ]) {
    it(`rejects "${ts}"`, () => expectRejected(aStatement().at(ts), '/timestamp', 'format.timestamp'));
  }

  it('accepts "2013-05-18 05:32:34Z" (RFC 3339 space separator) under 2.0 only', () => {
    expectValid(aStatement().at('2013-05-18 05:32:34Z'), ['2.0.0']);
    expectRejected(aStatement().at('2013-05-18 05:32:34Z'), '/timestamp', 'format.timestamp', ['1.0.3']);
  });

  it('reads the instant at millisecond precision', () => {
    expect(timestampMillis('2013-05-18T05:32:34.8049+09:00')).to.equal(
      Date.UTC(2013, 4, 17, 20, 32, 34, 804),
    );
    expect(timestampMillis('2013-05-18T05:32:34')).to.equal(Date.UTC(2013, 4, 18, 5, 32, 34));
  });

  it('converts to UTC keeping every fraction digit', () => {
    expect(toUtcTimestamp('2024-01-01T08:15:30.123456+09:00')).to.equal('2023-12-31T23:15:30.123456Z');
    expect(toUtcTimestamp('2024-01-01T08:15-0530')).to.equal('2024-01-01T13:45:00Z');
  });
});

describe('xAPI Data 4.6 ISO 8601 Durations', () => {
  for (const [text, seconds] of [
    ['PT1H30M', 5400],
    ['P1D', 86400],
    ['PT0.5S', 0.5],
    ['PT4H35M59.14S', 16559.14],
    ['PT16559.14S', 16559.14],
    ['PT1H0M0S', 3600],
    ['P1DT2H', 93600],
    ['PT1,5H', 5400],
  ] as const) {
    it(`accepts ${text} as ${seconds} s`, () => {
      const parsed = parseIsoDuration(text);
      expect(parsed.valid).to.equal(true);
      expect(parsed.seconds).to.be.closeTo(seconds, 1e-9);
      expectValid(aStatement().lasting(text));
    });
  }
  for (const text of ['P4W', 'P3Y', 'P3Y1M29DT4H35M59.14S', 'P1M']) {
    it(`accepts ${text} without a fixed length in seconds`, () => {
      expect(parseIsoDuration(text)).to.deep.equal({ valid: true, seconds: null, original: text });
    });
  }
  for (const text of [
    'P',
    'PT',
    '1H',
    'PT1H30',
    'P4W1D',
    'P1H',
    'PT1.5H30M',
    'P0001-02-03T04:05:06',
    'pt1h',
    'PT-1H',
    'P1DT',
    '',
  ]) {
    it(`rejects "${text}"`, () => {
      expect(parseIsoDuration(text).valid).to.equal(false);
      expectRejected(aStatement().lasting(text), '/result/duration', 'format.duration');
    });
  }

  it('truncates seconds finer than 0.01 s and leaves the rest as written', () => {
    expect(truncateDurationToCentiseconds('PT1.2389S')).to.equal('PT1.23S');
    expect(truncateDurationToCentiseconds('PT1.50S')).to.equal('PT1.50S');
    expect(truncateDurationToCentiseconds('PT3H')).to.equal('PT3H');
  });

  it('compares at 0.01 s precision, as strings otherwise', () => {
    expect(durationsEqual('PT1.234S', 'PT1.23S')).to.equal(true);
    expect(durationsEqual('PT1.5S', 'PT1.50S')).to.equal(true);
    expect(durationsEqual('PT1.24S', 'PT1.23S')).to.equal(false);
    expect(durationsEqual('PT1H', 'PT60M')).to.equal(false);
  });
});
