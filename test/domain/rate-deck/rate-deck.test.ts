import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { normalizeDialledString } from '../../../domain/numbers/normalize-number.js';
import {
  RateDeck,
  parseRateDeckCsv,
  serializeRateDeckCsv,
  type RateDeckEntry,
} from '../../../domain/rate-deck/rate-deck.js';

const HEADER = 'prefix,country,description,rate_per_minute';
const SAMPLE_CSV = readFileSync(new URL('../../../data/ratedeck-sample.csv', import.meta.url), 'utf8');

function csv(...lines: string[]): string {
  return `${[HEADER, ...lines].join('\n')}\n`;
}

function entry(prefix: string, country: string, description: string, ratePerMinute: number): RateDeckEntry {
  return { prefix, country, description, ratePerMinute };
}

function sampleDeck(): RateDeck {
  const parsed = parseRateDeckCsv(SAMPLE_CSV);
  if (!parsed.ok) throw new Error(`sample deck does not parse: ${JSON.stringify(parsed.errors)}`);
  return new RateDeck(parsed.entries, 'sample');
}

describe('parseRateDeckCsv', () => {
  it('parses the sample deck into its 319 entries', () => {
    const parsed = parseRateDeckCsv(SAMPLE_CSV);

    expect(parsed.ok && parsed.entries.length).toBe(319);
  });

  it('reads prefix, country, description and rate of a row', () => {
    const parsed = parseRateDeckCsv(csv('1876,JM,JM (NANP),0.2600'));

    expect(parsed).toEqual({ ok: true, entries: [entry('1876', 'JM', 'JM (NANP)', 0.26)] });
  });

  it('accepts CRLF line endings and trailing blank lines', () => {
    const parsed = parseRateDeckCsv(`${HEADER}\r\n44,GB,GB fixed,0.0121\r\n447,GB,GB mobile,0.0180\r\n\r\n\r\n`);

    expect(parsed).toEqual({ ok: true, entries: [entry('44', 'GB', 'GB fixed', 0.0121), entry('447', 'GB', 'GB mobile', 0.018)] });
  });

  it('accepts a header with other letter case and spaces around the names', () => {
    const parsed = parseRateDeckCsv(' Prefix , COUNTRY,Description ,Rate_Per_Minute\n44,GB,GB fixed,0.0121\n');

    expect(parsed.ok).toBe(true);
  });

  it('accepts a quoted description holding commas and doubled quotes', () => {
    const parsed = parseRateDeckCsv(csv('4470,GB,"GB personal numbers, premium ""070""",0.45'));

    expect(parsed).toEqual({ ok: true, entries: [entry('4470', 'GB', 'GB personal numbers, premium "070"', 0.45)] });
  });

  it('accepts a file whose last row has no line break', () => {
    const parsed = parseRateDeckCsv(`${HEADER}\n44,GB,GB fixed,0.0121`);

    expect(parsed).toEqual({ ok: true, entries: [entry('44', 'GB', 'GB fixed', 0.0121)] });
  });

  it('rejects a wrong header on line 1', () => {
    const parsed = parseRateDeckCsv('prefix,country,rate_per_minute,description\n44,GB,0.0121,GB fixed\n');

    expect(parsed).toEqual({
      ok: false,
      errors: [{ line: 1, message: `header must be "${HEADER}", found "prefix,country,rate_per_minute,description"` }],
    });
  });

  it('rejects an empty file for its missing header', () => {
    const parsed = parseRateDeckCsv('');

    expect(parsed).toEqual({ ok: false, errors: [{ line: 1, message: `missing header "${HEADER}"` }] });
  });

  it('rejects a deck with a header and no entries', () => {
    const parsed = parseRateDeckCsv(`${HEADER}\r\n\r\n`);

    expect(parsed).toEqual({ ok: false, errors: [{ line: 1, message: 'the rate deck has no entries after the header' }] });
  });

  it('reports every bad row together, each with its line and field', () => {
    const parsed = parseRateDeckCsv(
      csv('44,GB,GB fixed,0.0121', '4a7,GB,GB mobile,0.0180', '449,gb,GB premium rate,1.2', '33,FR,,0.01', '34,ES,ES fixed,101'),
    );

    expect(parsed).toEqual({
      ok: false,
      errors: [
        { line: 3, field: 'prefix', message: 'prefix must be 1-15 digits, found "4a7"' },
        { line: 4, field: 'country', message: 'country must be an ISO 3166-1 alpha-2 code in upper case, found "gb"' },
        { line: 5, field: 'description', message: 'description must not be empty' },
        { line: 6, field: 'rate_per_minute', message: 'rate_per_minute must be at most 100, found 101' },
      ],
    });
  });

  it('reports a prefix listed twice, naming both lines', () => {
    const parsed = parseRateDeckCsv(csv('44,GB,GB fixed,0.0121', '447,GB,GB mobile,0.0180', '44,GB,GB fixed again,0.0130'));

    expect(parsed).toEqual({
      ok: false,
      errors: [{ line: 4, field: 'prefix', message: 'prefix 44 is listed twice, on lines 2 and 4' }],
    });
  });

  it.each([
    ['-0.01', 'a negative rate'],
    ['0.1234567', 'more than 6 decimals'],
    ['1e-3', 'exponent notation'],
    ['', 'an empty rate'],
    ['abc', 'text'],
  ])('rejects a rate of %j (%s)', (rate) => {
    const parsed = parseRateDeckCsv(csv(`44,GB,GB fixed,${rate}`));

    expect(parsed).toMatchObject({ ok: false, errors: [{ line: 2, field: 'rate_per_minute' }] });
  });

  it('accepts a rate of exactly 100 with 6 decimals', () => {
    const parsed = parseRateDeckCsv(csv('979,ZZ,International Premium Rate Service,100.000000'));

    expect(parsed).toEqual({ ok: true, entries: [entry('979', 'ZZ', 'International Premium Rate Service', 100)] });
  });

  it('rejects a prefix longer than 15 digits', () => {
    const parsed = parseRateDeckCsv(csv('4420794600001234,GB,GB fixed,0.0121'));

    expect(parsed).toMatchObject({ ok: false, errors: [{ line: 2, field: 'prefix' }] });
  });

  it('rejects a description longer than 200 characters', () => {
    const parsed = parseRateDeckCsv(csv(`44,GB,${'x'.repeat(201)},0.0121`));

    expect(parsed).toMatchObject({ ok: false, errors: [{ line: 2, field: 'description' }] });
  });

  it('rejects a row with the wrong number of fields', () => {
    const parsed = parseRateDeckCsv(csv('44,GB,GB, fixed,0.0121'));

    expect(parsed).toEqual({ ok: false, errors: [{ line: 2, message: 'expected 4 fields, found 5' }] });
  });

  it('rejects a blank line between rows', () => {
    const parsed = parseRateDeckCsv(csv('44,GB,GB fixed,0.0121', '', '447,GB,GB mobile,0.0180'));

    expect(parsed).toEqual({ ok: false, errors: [{ line: 3, message: 'empty row; only trailing blank lines are allowed' }] });
  });

  it('rejects a quoted field that is never closed, on the line where it starts', () => {
    const parsed = parseRateDeckCsv(csv('44,GB,GB fixed,0.0121', '447,GB,"GB mobile,0.0180', '449,GB,GB premium rate,1.2'));

    expect(parsed).toEqual({ ok: false, errors: [{ line: 3, message: 'a quoted field is never closed' }] });
  });

  it('counts lines inside a quoted field so later rows keep their line numbers', () => {
    const parsed = parseRateDeckCsv(csv('44,GB,"GB\nfixed",0.0121', '4a,GB,GB mobile,0.0180'));

    expect(parsed).toMatchObject({
      ok: false,
      errors: [
        { line: 2, field: 'description', message: 'description must not contain line breaks or other control characters' },
        { line: 4, field: 'prefix' },
      ],
    });
  });

  it('returns no entries at all when one row among good ones is bad', () => {
    const parsed = parseRateDeckCsv(csv('44,GB,GB fixed,0.0121', '447,GB,GB mobile,-1'));

    expect(parsed).not.toHaveProperty('entries');
  });
});

describe('serializeRateDeckCsv', () => {
  it('writes a deck that parses back to the same entries', () => {
    const entries = [
      entry('1', 'US', 'US 48 states', 0.0045),
      entry('4470', 'GB', 'GB personal numbers, premium "070"', 0.45),
      entry('979', 'ZZ', 'International Premium Rate Service', 100),
      entry('882', 'ZZ', 'International Networks', 0.000001),
    ];

    const parsed = parseRateDeckCsv(serializeRateDeckCsv(entries));

    expect(parsed).toEqual({ ok: true, entries });
  });

  it('round-trips the sample deck', () => {
    const original = sampleDeck().entries();

    const parsed = parseRateDeckCsv(serializeRateDeckCsv(original));

    expect(parsed).toEqual({ ok: true, entries: original });
  });
});

describe('RateDeck', () => {
  const nested = new RateDeck(
    [entry('44', 'GB', 'GB fixed', 0.0121), entry('447', 'GB', 'GB mobile', 0.018), entry('4477', 'GB', 'GB mobile 77', 0.02)],
    'nested',
  );

  it.each([
    ['447712345678', '4477'],
    ['447012345678', '447'],
    ['442079460000', '44'],
  ])('matches %s to its longest prefix %s', (digits, prefix) => {
    const match = nested.lookup(digits);

    expect(match?.prefix).toBe(prefix);
  });

  it('matches nothing when no prefix starts the number', () => {
    const match = nested.lookup('33142685300');

    expect(match).toBeUndefined();
  });

  it('matches nothing when the number is shorter than every prefix it begins', () => {
    const match = nested.lookup('4');

    expect(match).toBeUndefined();
  });

  it('matches a prefix as long as the whole number', () => {
    const match = nested.lookup('4477');

    expect(match?.prefix).toBe('4477');
  });

  it.each([
    ['+1 876 555 1234', '1876', 'JM'],
    ['+1 809 555 1234', '1809', 'DO'],
    ['+1 284 555 1234', '1284', 'VG'],
    ['+1 212 555 0123', '1', 'US'],
    ['+1 416 555 0123', '1416', 'CA'],
  ])('resolves the NANP number %s to the sample deck entry %s (%s), not to "+1 is US"', (dialled, prefix, country) => {
    const deck = sampleDeck();
    const number = normalizeDialledString(dialled, { homeCountry: 'US' });
    if (!number.ok) throw new Error(number.problem);

    const match = deck.lookup(number.digits);

    expect(match).toMatchObject({ prefix, country });
  });

  it('resolves a US-national 10-digit number in area code 876 to Jamaica', () => {
    const deck = sampleDeck();
    const number = normalizeDialledString('876-555-1234', { homeCountry: 'US' });
    if (!number.ok) throw new Error(number.problem);

    const match = deck.lookup(number.digits);

    expect(match).toMatchObject({ prefix: '1876', country: 'JM', ratePerMinute: 0.26 });
  });

  it('keeps its version, size and entries in the given order', () => {
    const entries = [entry('447', 'GB', 'GB mobile', 0.018), entry('44', 'GB', 'GB fixed', 0.0121)];

    const deck = new RateDeck(entries, '2026-05-01T00:00:00Z');

    expect({ version: deck.version, size: deck.size, entries: deck.entries() }).toEqual({
      version: '2026-05-01T00:00:00Z',
      size: 2,
      entries,
    });
  });

  it('refuses entries that list a prefix twice', () => {
    const entries = [entry('44', 'GB', 'GB fixed', 0.0121), entry('44', 'GB', 'GB fixed again', 0.013)];

    expect(() => new RateDeck(entries, 'bad')).toThrow(RangeError);
  });

  it('refuses an entry whose prefix is not digits', () => {
    const entries = [entry('44x', 'GB', 'GB fixed', 0.0121)];

    expect(() => new RateDeck(entries, 'bad')).toThrow(RangeError);
  });
});
