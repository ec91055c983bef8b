/**
 * Dialable numbers per destination, in forms libphonenumber accepts as possible. Ordinary destinations are countries;
 * fraud destinations are the ranges attackers pump (premium, satellite, NANP look-alikes), keyed by rate-deck prefix.
 */
import type { Random } from './prng.js';

/** Digits after `+`, and how many random digits follow each. */
const ORDINARY: Readonly<Record<string, readonly (readonly [string, number])[]>> = {
  US: [['1212555', 4], ['1305555', 4], ['1312555', 4], ['1415555', 4], ['1617555', 4], ['1713555', 4], ['1202555', 4], ['1404555', 4]],
  CA: [['1416555', 4], ['1604555', 4], ['1514555', 4]],
  MX: [['5255', 8], ['5281', 8]],
  GB: [['44207946', 4], ['447700900', 3]],
  DE: [['4930', 8], ['4989', 7]],
  FR: [['331', 8], ['336', 8]],
  ES: [['3491', 7], ['3493', 7]],
  IT: [['3906', 8]],
  IN: [['9111', 8], ['9198', 8]],
  PH: [['632', 8], ['63917', 7]],
  CN: [['8610', 8]],
  IE: [['3531', 7]],
  NL: [['3120', 7]],
  PL: [['4822', 7]],
  BR: [['551', 9]],
  CO: [['571', 7]],
  AU: [['612', 8]],
  JP: [['813', 8]],
  IL: [['9723', 7]],
};

/** Premium and IRSF-prone ranges by rate-deck prefix (see data/ratedeck-sample.csv), with the digits that follow. */
const RANGES: Readonly<Record<string, readonly [string, number]>> = {
  '690': ['6903', 3], // Tokelau
  '674': ['674555', 4], // Nauru
  '252': ['25261', 7], // Somalia
  '224': ['22462', 7], // Guinea mobile (the Wangiri wave's number: a range no other attack dials)
  '232': ['23276', 6], // Sierra Leone mobile (+23276; the deck prices SL at its longest prefix 232)
  '3709': ['3709', 7], // Lithuania premium
  '37190': ['37190', 6], // Latvia premium
  '53': ['537', 7], // Cuba
  '881': ['8816', 8], // satellite (on the high-risk list)
  '882': ['88216', 6], // international networks (on the high-risk list)
  '1876': ['1876', 7], // NANP look-alikes: Jamaica, Dominican Republic, BVI, Turks and Caicos, Montserrat, Grenada, Antigua
  '1809': ['1809', 7],
  '1284': ['1284', 7],
  '1649': ['1649', 7],
  '1664': ['1664', 7],
  '1473': ['1473', 7],
  '1268': ['1268', 7],
  '1900': ['1900555', 4], // US premium (900): domestic for a US account
};

/** Popular ranges whole communities call (a diaspora carrier's customers calling home), by rate-deck prefix. */
const POPULAR: Readonly<Record<string, readonly [string, number]>> = {
  '639': ['63917', 7], // Philippines mobile ($0.11/min)
};

export const ORDINARY_COUNTRIES = Object.keys(ORDINARY);
export const FRAUD_RANGES = Object.keys(RANGES);

function digits(random: Random, count: number): string {
  let text = '';
  for (let i = 0; i < count; i += 1) text += String(random.int(0, 9));
  return text;
}

/** A number in the country, E.164 with `+`. */
export function numberIn(country: string, random: Random): string {
  const patterns = ORDINARY[country];
  if (!patterns) throw new Error(`no number pattern for ${country}`);
  const [start, count] = random.pick(patterns);
  // US 555 numbers: keep the line part away from 0100-0199 so they look like ordinary lines.
  return `+${start}${digits(random, count)}`;
}

/** A number in a fraud range (rate-deck prefix), E.164 with `+`. */
export function numberInRange(prefix: string, random: Random): string {
  const range = RANGES[prefix] ?? POPULAR[prefix];
  if (!range) throw new Error(`no number pattern for range ${prefix}`);
  return `+${range[0]}${digits(random, range[1])}`;
}

/** Every pattern, for the self-check that each is a possible number and routes where it should. */
export function allPatterns(random: Random): { readonly label: string; readonly e164: string }[] {
  return [
    ...ORDINARY_COUNTRIES.flatMap((country) => (ORDINARY[country] ?? []).map(([start, count]) => ({ label: country, e164: `+${start}${digits(random, count)}` }))),
    ...[...FRAUD_RANGES, ...Object.keys(POPULAR)].map((prefix) => ({ label: prefix, e164: numberInRange(prefix, random) })),
  ];
}
