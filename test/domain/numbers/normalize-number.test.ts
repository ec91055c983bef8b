import { parsePhoneNumberFromString, getCountries, getCountryCallingCode, type CountryCode } from 'libphonenumber-js/min';
import { describe, expect, it } from 'vitest';
import { countryOfNumber, normalizeDialledString, splitTechPrefix } from '../../../domain/numbers/normalize-number.js';

const fromUS = { homeCountry: 'US' };
const fromGB = { homeCountry: 'GB' };
const fromDE = { homeCountry: 'DE' };

describe('splitTechPrefix', () => {
  it('splits a run of digits ending in * off the front of the dialled string', () => {
    const split = splitTechPrefix('12345678*011442079460000');

    expect(split).toEqual({ techPrefix: '12345678', rest: '011442079460000' });
  });

  it('finds no tech prefix when the dialled string has no *', () => {
    const split = splitTechPrefix('011442079460000');

    expect(split).toEqual({ rest: '011442079460000' });
  });

  it('finds no tech prefix when fewer than 4 or more than 12 digits come before the *', () => {
    const tooShort = splitTechPrefix('123*442079460000');
    const tooLong = splitTechPrefix('1234567890123*442079460000');

    expect(tooShort).toEqual({ rest: '123*442079460000' });
    expect(tooLong).toEqual({ rest: '1234567890123*442079460000' });
  });

  it('finds no tech prefix when something other than digits comes before the *', () => {
    const split = splitTechPrefix('12ab5678*442079460000');

    expect(split).toEqual({ rest: '12ab5678*442079460000' });
  });

  it('splits a tech prefix at the start of a SIP URI user part and keeps the scheme', () => {
    const split = splitTechPrefix('sip:12345678*+442079460000@gw.example.net');

    expect(split).toEqual({ techPrefix: '12345678', rest: 'sip:+442079460000@gw.example.net' });
  });
});

describe('normalizeDialledString', () => {
  it('accepts E.164 with +', () => {
    const result = normalizeDialledString('+442079460000', fromUS);

    expect(result).toEqual({ ok: true, e164: '+442079460000', digits: '442079460000', form: 'e164' });
  });

  it('reads 011 from a NANP home country as the international prefix', () => {
    const result = normalizeDialledString('011442079460000', fromUS);

    expect(result).toEqual({ ok: true, e164: '+442079460000', digits: '442079460000', form: 'international-prefix' });
  });

  it('reads 011 from a NANP island home country as the international prefix', () => {
    const result = normalizeDialledString('011442079460000', { homeCountry: 'JM' });

    expect(result).toMatchObject({ ok: true, e164: '+442079460000', form: 'international-prefix' });
  });

  it('reads 00 from GB as the international prefix', () => {
    const result = normalizeDialledString('0018765551234', fromGB);

    expect(result).toEqual({ ok: true, e164: '+18765551234', digits: '18765551234', form: 'international-prefix' });
  });

  it('reads 00 from DE as the international prefix', () => {
    const result = normalizeDialledString('00442079460000', fromDE);

    expect(result).toMatchObject({ ok: true, e164: '+442079460000', form: 'international-prefix' });
  });

  it('does not read 00 from the US as an international prefix', () => {
    const result = normalizeDialledString('00442079460000', fromUS);

    expect(result).toEqual({ ok: false, problem: 'not a possible number for US: too long' });
  });

  it("uses the home country's own international prefix where it is neither 00 nor 011 (0011 from AU)", () => {
    const result = normalizeDialledString('0011442079460000', { homeCountry: 'AU' });

    expect(result).toMatchObject({ ok: true, e164: '+442079460000', form: 'international-prefix' });
  });

  it('reads a GB national number with its trunk 0 relative to GB', () => {
    const result = normalizeDialledString('02079460000', fromGB);

    expect(result).toEqual({ ok: true, e164: '+442079460000', digits: '442079460000', form: 'national' });
  });

  it('reads a DE national number with its trunk 0 relative to DE', () => {
    const result = normalizeDialledString('0302291234', fromDE);

    expect(result).toMatchObject({ ok: true, e164: '+49302291234', form: 'national' });
  });

  it('reads a 10-digit US national number relative to the US', () => {
    const result = normalizeDialledString('2125550123', fromUS);

    expect(result).toEqual({ ok: true, e164: '+12125550123', digits: '12125550123', form: 'national' });
  });

  it('reads an 11-digit US national number (1 + area code) relative to the US', () => {
    const result = normalizeDialledString('12125550123', fromUS);

    expect(result).toEqual({ ok: true, e164: '+12125550123', digits: '12125550123', form: 'national' });
  });

  it('keeps a national NANP look-alike dialled from the US as +1 876, whatever country it is', () => {
    const result = normalizeDialledString('18765551234', fromUS);

    expect(result).toMatchObject({ ok: true, e164: '+18765551234', form: 'national' });
  });

  it('drops spaces, dashes, dots and parentheses', () => {
    const result = normalizeDialledString(' +1 (212) 555-01.23 ', fromUS);

    expect(result).toMatchObject({ ok: true, e164: '+12125550123', form: 'e164' });
  });

  it('reads the user part of a SIP URI, without host and parameters', () => {
    const result = normalizeDialledString('sip:+44-20-7946-0000@gw.example.net;user=phone', fromUS);

    expect(result).toMatchObject({ ok: true, e164: '+442079460000', form: 'e164' });
  });

  it('reads a SIP URI in angle brackets holding an international-prefix number', () => {
    const result = normalizeDialledString('<sip:011442079460000@10.0.0.1:5060>', fromUS);

    expect(result).toMatchObject({ ok: true, e164: '+442079460000', form: 'international-prefix' });
  });

  it('reads a tel URI without its parameters', () => {
    const result = normalizeDialledString('tel:+1-212-555-0123;phone-context=example.com', fromUS);

    expect(result).toMatchObject({ ok: true, e164: '+12125550123', form: 'e164' });
  });

  it('normalizes what is left after the tech prefix is split off', () => {
    const { rest } = splitTechPrefix('12345678*011442079460000');

    const result = normalizeDialledString(rest, fromUS);

    expect(result).toMatchObject({ ok: true, e164: '+442079460000', form: 'international-prefix' });
  });

  it('rejects an empty string', () => {
    const result = normalizeDialledString('', fromUS);

    expect(result).toEqual({ ok: false, problem: 'empty dialled string' });
  });

  it('rejects a string of separators only', () => {
    const result = normalizeDialledString(' - ( ) ', fromUS);

    expect(result).toEqual({ ok: false, problem: 'no digits dialled' });
  });

  it('rejects letters', () => {
    const result = normalizeDialledString('1-800-FLOWERS', fromUS);

    expect(result).toEqual({ ok: false, problem: 'contains "F", which is not a digit' });
  });

  it('rejects a * left over from a malformed tech prefix', () => {
    const result = normalizeDialledString('123*442079460000', fromUS);

    expect(result).toMatchObject({ ok: false, problem: expect.stringContaining('"*"') });
  });

  it('rejects a number too short for its country', () => {
    const result = normalizeDialledString('+1876555123', fromUS);

    expect(result).toEqual({ ok: false, problem: 'not a possible number for JM: too short' });
  });

  it('rejects a national number too short for the home country', () => {
    const result = normalizeDialledString('5550123', fromUS);

    expect(result).toEqual({ ok: false, problem: 'not a possible number for US: too short' });
  });

  it('rejects a number too long for its country', () => {
    const result = normalizeDialledString('+187655512345', fromUS);

    expect(result).toEqual({ ok: false, problem: 'not a possible number for JM: too long' });
  });

  it('rejects a number longer than the 15 digits E.164 allows even where the country plan is longer', () => {
    const result = normalizeDialledString('+4930123456789012', fromUS);

    expect(result).toEqual({ ok: false, problem: 'too long: 16 digits where E.164 allows at most 15' });
  });

  it('rejects an unassigned country calling code', () => {
    const result = normalizeDialledString('+999123456789', fromUS);

    expect(result).toEqual({ ok: false, problem: 'not a possible number: unknown country calling code' });
  });

  it('rejects a national number when the home country is unknown', () => {
    const result = normalizeDialledString('02079460000', { homeCountry: 'XX' });

    expect(result).toEqual({ ok: false, problem: 'unknown home country "XX"' });
  });

  it('agrees with libphonenumber-js parse and isPossible on 30,000 generated dialled strings', () => {
    const random = seededRandom(20_260_501);
    const samples = Array.from({ length: 30_000 }, () => generateDialledString(random));

    const outcomes = samples.map(({ dialled, home }) => {
      const ours = normalizeDialledString(dialled, { homeCountry: home });
      return { dialled, home, ours: ours.ok ? ours.e164 : undefined, reference: libphonenumberE164(dialled, home) };
    });

    expect(outcomes.filter(({ ours, reference }) => ours !== reference)).toEqual([]);
    // Guard against a vacuous sample: a good share of the generated strings must be possible numbers.
    expect(outcomes.filter(({ ours }) => ours !== undefined).length).toBeGreaterThan(3_000);
  });
});

describe('countryOfNumber', () => {
  it.each([
    ['+18765551234', 'JM'],
    ['+18095551234', 'DO'],
    ['+12845551234', 'VG'],
    ['+12125550123', 'US'],
    ['+14165550123', 'CA'],
    ['+442079460000', 'GB'],
  ])('maps %s to %s', (e164, country) => {
    const result = countryOfNumber(e164);

    expect(result).toBe(country);
  });

  it('maps an unassigned calling code to no country', () => {
    const result = countryOfNumber('+999123456789');

    expect(result).toBeUndefined();
  });
});

/** The reference: libphonenumber's own parse of the dialled string, limited to E.164's 15 digits. */
function libphonenumberE164(dialled: string, home: CountryCode): string | undefined {
  const phone = parsePhoneNumberFromString(dialled, { defaultCountry: home, extract: false });
  return phone?.isPossible() && phone.number.length <= 16 ? phone.number : undefined;
}

const INTERNATIONAL_PREFIX: Partial<Record<string, string>> = { '1': '011', '61': '0011', '81': '010', '7': '810' };

/** Dialled strings in every form from random home countries: E.164, international prefix, national, junk lengths. */
function generateDialledString(random: () => number): { dialled: string; home: CountryCode } {
  const countries = getCountries();
  const pick = (): CountryCode => countries[Math.floor(random() * countries.length)] as CountryCode;
  const digits = (count: number): string => Array.from({ length: Math.max(count, 0) }, () => Math.floor(random() * 10)).join('');
  const home = pick();
  const homeCode = getCountryCallingCode(home);
  const destinationCode = getCountryCallingCode(pick());
  const length = 4 + Math.floor(random() * 12);
  const internationalPrefix = INTERNATIONAL_PREFIX[homeCode] ?? '00';
  const form = random();
  const dialled =
    form < 0.3 ? `+${destinationCode}${digits(length - destinationCode.length)}`
    : form < 0.5 ? `${internationalPrefix}${destinationCode}${digits(length - destinationCode.length)}`
    : form < 0.7 ? `0${digits(length)}`
    : form < 0.8 ? `${homeCode}${digits(length - homeCode.length)}`
    : `${digits(length)}`;
  return { dialled, home };
}

function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
