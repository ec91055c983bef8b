/**
 * Dialled string -> E.164, or a reason it is no possible number.
 *
 * libphonenumber-js decides what is possible, with its `min` metadata: `isPossible()` needs only the possible
 * lengths, IDD and national-prefix rules and leading digits, all of which `min` carries (~80 kB). `max` adds the
 * per-type validation patterns we never use and roughly doubles what every Lambda bundle loads.
 *
 * Speed: `parsePhoneNumber(...).isPossible()` costs 10–25 µs a call, because it builds its metadata wrapper and
 * compiles pattern strings on every call. The decision engine's budget is a few µs for the whole decision, so this
 * module replays libphonenumber's parse for the common cases with each country's patterns compiled once (the
 * "fast path"), and hands everything else to libphonenumber itself. The fast path only ever accepts: any number it
 * would reject, or any case where its shortcut could disagree with libphonenumber (national-prefix transform rules,
 * carrier codes, calling codes whose countries differ in possible lengths), goes to libphonenumber, which then
 * decides and names the problem. A unit test checks both paths agree on many generated inputs.
 *
 * Country of the destination is not decided here: the rate deck's longest prefix does that (+1 876 is Jamaica).
 */
import {
  Metadata,
  isSupportedCountry,
  parsePhoneNumberFromString,
  validatePhoneNumberLength,
  type CountryCode as LibCountryCode,
  type PhoneNumber,
} from 'libphonenumber-js/min';
import metadataJson from 'libphonenumber-js/min/metadata';

/** ISO 3166-1 alpha-2, upper case. */
export type CountryCode = string;

export interface NormalizeContext {
  readonly homeCountry: CountryCode;
}

export type NumberForm = 'e164' | 'international-prefix' | 'national';

export type NormalizedNumber =
  | { readonly ok: true; readonly e164: string; readonly digits: string; readonly form: NumberForm }
  | { readonly ok: false; readonly problem: string };

/** E.164: at most 15 digits including the country calling code. libphonenumber allows longer national numbers. */
const E164_MAX_DIGITS = 15;
/** Bounds the work done on hostile input before any parsing. */
const MAX_DIALLED_CHARS = 256;
const TECH_PREFIX_MIN_DIGITS = 4;
const TECH_PREFIX_MAX_DIGITS = 12;

const CHAR_0 = 48;
const CHAR_9 = 57;
const CHAR_PLUS = 43;
const CHAR_STAR = 42;

/**
 * Splits a tech prefix (4–12 digits and `*`, e.g. `12345678*`) off the start of a dialled string. A SIP or tel URI
 * keeps its scheme: `sip:12345678*0114420...@host` gives the prefix and `sip:0114420...@host`.
 */
export function splitTechPrefix(dialled: string): { readonly techPrefix?: string; readonly rest: string } {
  const start = uriSchemeLength(dialled);
  const star = dialled.indexOf('*', start);
  const prefixLength = star - start;
  if (star < 0 || prefixLength < TECH_PREFIX_MIN_DIGITS || prefixLength > TECH_PREFIX_MAX_DIGITS) {
    return { rest: dialled };
  }
  for (let i = start; i < star; i += 1) {
    if (!isDigit(dialled.charCodeAt(i))) return { rest: dialled };
  }
  return { techPrefix: dialled.slice(start, star), rest: dialled.slice(0, start) + dialled.slice(star + 1) };
}

/**
 * Reduces a dialled string (after `splitTechPrefix`) to E.164.
 * 1. Unwrap a `sip:`/`sips:`/`tel:` URI (user part only), drop visual separators, reject anything else that is no digit.
 * 2. Read the form: `+` is E.164; the home country's international (IDD) prefix (`011` in NANP, `00` in most other
 *    countries, as libphonenumber's metadata has it) makes it international; anything else is national.
 * 3. Keep it only if libphonenumber calls it possible for its country and it fits E.164's 15 digits.
 */
export function normalizeDialledString(dialled: string, context: NormalizeContext): NormalizedNumber {
  if (dialled.length > MAX_DIALLED_CHARS) return reject(`longer than ${MAX_DIALLED_CHARS} characters`);
  const cleaned = cleanDialledString(dialled);
  if (typeof cleaned !== 'string') return cleaned;
  const hasPlus = cleaned.charCodeAt(0) === CHAR_PLUS;
  const digitCount = hasPlus ? cleaned.length - 1 : cleaned.length;
  if (digitCount === 0) return reject('no digits dialled');

  if (hasPlus) {
    const digits = cleaned.slice(1);
    return finish(fastInternational(digits), cleaned, undefined, 'e164');
  }

  const homeCountry = context.homeCountry;
  if (!isSupportedCountry(homeCountry)) return reject(`unknown home country "${homeCountry}"`);
  const home = homeRules(homeCountry);
  if (home === undefined) return finish(null, cleaned, homeCountry, 'national');

  const afterIdd = stripInternationalPrefix(cleaned, home.internationalPrefix);
  if (afterIdd !== undefined) return finish(fastInternational(afterIdd), `+${afterIdd}`, undefined, 'international-prefix');
  return finish(fastNational(cleaned, home), cleaned, homeCountry, 'national');
}

/** The country libphonenumber assigns to an E.164 number: a cross-check only; the rate deck decides destinations. */
export function countryOfNumber(e164: string): CountryCode | undefined {
  return parsePhoneNumberFromString(e164, { extract: false })?.country;
}

function reject(problem: string): NormalizedNumber {
  return { ok: false, problem };
}

function accept(e164: string, form: NumberForm): NormalizedNumber {
  if (e164.length - 1 > E164_MAX_DIGITS) {
    return reject(`too long: ${e164.length - 1} digits where E.164 allows at most ${E164_MAX_DIGITS}`);
  }
  return { ok: true, e164, digits: e164.slice(1), form };
}

/** Takes the fast path's answer, or lets libphonenumber parse `input` (`+digits` or national digits) and decide. */
function finish(fastE164: string | null, input: string, homeCountry: LibCountryCode | undefined, form: NumberForm): NormalizedNumber {
  if (fastE164 !== null) return accept(fastE164, form);
  const options = homeCountry === undefined ? { extract: false } : { defaultCountry: homeCountry, extract: false };
  const phone = parsePhoneNumberFromString(input, options);
  if (phone?.isPossible()) return accept(phone.number, form);
  return reject(describeImpossible(phone, validatePhoneNumberLength(input, options)));
}

function describeImpossible(phone: PhoneNumber | undefined, verdict: string | undefined): string {
  const why =
    verdict === 'TOO_SHORT' ? 'too short'
    : verdict === 'TOO_LONG' ? 'too long'
    : verdict === 'INVALID_COUNTRY' ? 'unknown country calling code'
    : verdict === 'NOT_A_NUMBER' ? 'not a number'
    : 'no number of that length';
  if (phone === undefined) return `not a possible number: ${why}`;
  return `not a possible number for ${phone.country ?? `+${phone.countryCallingCode}`}: ${why}`;
}

// ---- cleaning -------------------------------------------------------------------------------------------------

function isDigit(code: number): boolean {
  return code >= CHAR_0 && code <= CHAR_9;
}

function isSeparator(code: number): boolean {
  // space, tab, '-', '.', '(', ')'
  return code === 32 || code === 9 || code === 45 || code === 46 || code === 40 || code === 41;
}

/** Length of a leading `sip:`, `sips:` or `tel:` (optionally after `<`), or 0. */
function uriSchemeLength(value: string): number {
  const first = value.charCodeAt(0);
  if (isDigit(first) || first === CHAR_PLUS) return 0;
  const offset = first === 60 /* < */ ? 1 : 0;
  const head = value.slice(offset, offset + 5).toLowerCase();
  if (head.startsWith('sip:') || head.startsWith('tel:')) return offset + 4;
  if (head === 'sips:') return offset + 5;
  return 0;
}

/** The user part of a SIP/tel URI: after the scheme, before `@host` and `;params`. */
function unwrapUri(value: string): string {
  const start = uriSchemeLength(value);
  if (start === 0) return value;
  let end = value.length;
  for (let i = start; i < value.length; i += 1) {
    const code = value.charCodeAt(i);
    if (code === 64 /* @ */ || code === 59 /* ; */ || code === 62 /* > */) {
      end = i;
      break;
    }
  }
  return value.slice(start, end);
}

/** `+` and digits only, or the problem. Returns the input itself when it is already clean (the common case). */
function cleanDialledString(dialled: string): string | NormalizedNumber {
  const value = unwrapUri(dialled.trim());
  if (value.length === 0) return reject('empty dialled string');
  let cleaned: string | undefined;
  let plusAllowed = true;
  for (let i = 0; i < value.length; i += 1) {
    const code = value.charCodeAt(i);
    if (isDigit(code) || (code === CHAR_PLUS && plusAllowed)) {
      plusAllowed = false;
      if (cleaned !== undefined) cleaned += value[i];
    } else if (isSeparator(code)) {
      cleaned ??= value.slice(0, i);
    } else {
      const shown = code === CHAR_STAR ? '"*" (a tech prefix needs 4–12 digits before it)' : JSON.stringify(value[i]);
      return reject(`contains ${shown}, which is not a digit`);
    }
  }
  return cleaned ?? value;
}

function stripInternationalPrefix(digits: string, internationalPrefix: RegExp): string | undefined {
  const match = internationalPrefix.exec(digits);
  if (match === null) return undefined;
  const rest = digits.slice(match[0].length);
  // As libphonenumber: nothing after the prefix, or a 0 after it, means it was no international prefix.
  if (rest.length === 0 || rest.charCodeAt(0) === CHAR_0) return undefined;
  return rest;
}

// ---- fast path: libphonenumber's parse replayed with compiled patterns -----------------------------------------

/** The parts of libphonenumber's numbering plan object the fast path reads (present at runtime, not in its typings). */
interface RuntimeNumberingPlan {
  callingCode(): string;
  IDDPrefix(): string;
  possibleLengths(): number[] | undefined;
  nationalNumberPattern(): string;
  nationalPrefixForParsing(): string | undefined;
}

interface PlanRules {
  readonly callingCode: string;
  readonly possibleLengths: readonly number[];
  /** `^(?:national_prefix_for_parsing)`, if the plan has a national prefix. */
  readonly nationalPrefix: RegExp | undefined;
  /** `^(?:national_number_pattern)$` */
  readonly nationalNumber: RegExp;
}

interface CallingCodeRules {
  /** The plan libphonenumber selects for the calling code alone: its main country, or the non-geographic plan. */
  readonly main: PlanRules;
  /** Per national-number length: possible in every country sharing the code. */
  readonly possibleEverywhere: readonly boolean[];
  /** Per length: keep a stripped national prefix (all countries agree), drop it (all agree), or undecided. */
  readonly afterPrefix: readonly PrefixVerdict[];
}

interface HomeRules {
  readonly plan: PlanRules;
  readonly shared: CallingCodeRules;
  readonly internationalPrefix: RegExp;
}

type PrefixVerdict = 'strip' | 'keep' | 'ask-libphonenumber';
type LengthVerdict = 'possible' | 'too-short' | 'too-long' | 'invalid-length';

/** Longer national numbers than this are too long everywhere, which libphonenumber treats like possible when stripping. */
const LENGTH_TABLE_SIZE = 24;

const libMetadata = new Metadata();
const callingCodeRulesCache = new Map<string, CallingCodeRules | undefined>();
const homeRulesCache = new Map<string, HomeRules | undefined>();

/** Calling codes indexed by their numeric value, one table per length (1–3 digits), so finding one allocates nothing. */
const callingCodesByLength: readonly (readonly (string | undefined)[])[] = buildCallingCodeTables();

function buildCallingCodeTables(): (string | undefined)[][] {
  const tables: (string | undefined)[][] = [[], new Array(10), new Array(100), new Array(1000)];
  const codes = [...Object.keys(metadataJson.country_calling_codes), ...Object.keys(metadataJson.nonGeographic ?? {})];
  for (const code of codes) {
    const table = tables[code.length];
    if (table !== undefined && /^[1-9]\d*$/.test(code)) table[Number(code)] = code;
  }
  return tables;
}

function findCallingCode(digits: string): string | undefined {
  let value = 0;
  for (let length = 1; length <= 3 && length <= digits.length; length += 1) {
    value = value * 10 + (digits.charCodeAt(length - 1) - CHAR_0);
    const code = callingCodesByLength[length]?.[value];
    if (code !== undefined) return code;
  }
  return undefined;
}

function selectPlan(countryOrCallingCode: string): RuntimeNumberingPlan | undefined {
  try {
    libMetadata.selectNumberingPlan(countryOrCallingCode as LibCountryCode);
  } catch {
    return undefined;
  }
  const plan = libMetadata.numberingPlan as unknown as Partial<RuntimeNumberingPlan> | undefined;
  const api: (keyof RuntimeNumberingPlan)[] = ['callingCode', 'IDDPrefix', 'possibleLengths', 'nationalNumberPattern', 'nationalPrefixForParsing'];
  // A libphonenumber release that reshapes its internals turns the fast path off instead of breaking it.
  if (plan === undefined || api.some((method) => typeof plan[method] !== 'function')) return undefined;
  return plan as RuntimeNumberingPlan;
}

function planRules(plan: RuntimeNumberingPlan): PlanRules | undefined {
  const possibleLengths = plan.possibleLengths();
  if (possibleLengths === undefined || possibleLengths.length === 0) return undefined;
  const nationalPrefix = plan.nationalPrefixForParsing();
  return {
    callingCode: plan.callingCode(),
    possibleLengths: [...possibleLengths],
    nationalPrefix: nationalPrefix ? new RegExp(`^(?:${nationalPrefix})`) : undefined,
    nationalNumber: new RegExp(`^(?:${plan.nationalNumberPattern()})$`),
  };
}

function callingCodeRules(callingCode: string): CallingCodeRules | undefined {
  if (callingCodeRulesCache.has(callingCode)) return callingCodeRulesCache.get(callingCode);
  const rules = buildCallingCodeRules(callingCode);
  callingCodeRulesCache.set(callingCode, rules);
  return rules;
}

function buildCallingCodeRules(callingCode: string): CallingCodeRules | undefined {
  const mainPlan = selectPlan(callingCode);
  const main = mainPlan && planRules(mainPlan);
  if (main === undefined) return undefined;
  const countries = (metadataJson.country_calling_codes[callingCode] ?? []).filter((country) => country.length === 2);
  const lengthSets: (readonly number[])[] = [main.possibleLengths];
  for (const country of countries) {
    const lengths = selectPlan(country)?.possibleLengths();
    if (lengths === undefined || lengths.length === 0) return undefined;
    lengthSets.push([...lengths]);
  }
  const possibleEverywhere: boolean[] = [];
  const afterPrefix: PrefixVerdict[] = [];
  for (let length = 0; length < LENGTH_TABLE_SIZE; length += 1) {
    const verdicts = lengthSets.map((lengths) => checkLength(length, lengths));
    possibleEverywhere.push(verdicts.every((verdict) => verdict === 'possible'));
    // libphonenumber keeps a stripped national prefix off unless the rest is too short or of an impossible length.
    const keepsStrip = verdicts.map((verdict) => verdict === 'possible' || verdict === 'too-long');
    afterPrefix.push(keepsStrip.every(Boolean) ? 'strip' : keepsStrip.some(Boolean) ? 'ask-libphonenumber' : 'keep');
  }
  return { main, possibleEverywhere, afterPrefix };
}

function homeRules(country: LibCountryCode): HomeRules | undefined {
  if (homeRulesCache.has(country)) return homeRulesCache.get(country);
  const rules = buildHomeRules(country);
  homeRulesCache.set(country, rules);
  return rules;
}

function buildHomeRules(country: LibCountryCode): HomeRules | undefined {
  const plan = selectPlan(country);
  const rules = plan && planRules(plan);
  if (plan === undefined || rules === undefined) return undefined;
  const shared = callingCodeRules(rules.callingCode);
  if (shared === undefined) return undefined;
  return { plan: rules, shared, internationalPrefix: new RegExp(`^(?:${plan.IDDPrefix()})`) };
}

/** libphonenumber's checkNumberLength. */
function checkLength(length: number, possibleLengths: readonly number[]): LengthVerdict {
  const shortest = possibleLengths[0] ?? 0;
  const longest = possibleLengths[possibleLengths.length - 1] ?? 0;
  if (length === shortest) return 'possible';
  if (length < shortest) return 'too-short';
  if (length > longest) return 'too-long';
  return possibleLengths.includes(length) ? 'possible' : 'invalid-length';
}

function possibleEverywhere(nationalNumber: string, shared: CallingCodeRules): boolean {
  return shared.possibleEverywhere[nationalNumber.length] === true;
}

/**
 * libphonenumber's extractNationalNumber: strips the national prefix (`0` in GB, `1` in NANP) unless the number was
 * complete with it and is not without it, or what is left is too short. `null`: ask libphonenumber.
 */
function extractNationalNumber(number: string, plan: PlanRules, shared: CallingCodeRules): string | null {
  if (plan.nationalPrefix === undefined || number.length === 0) return number;
  const match = plan.nationalPrefix.exec(number);
  if (match === null) return number;
  // A captured group means a transform rule or a carrier code (AR, BR, MX, VI, ...): leave those to libphonenumber.
  if (match.length > 1 && match[match.length - 1]) return null;
  const prefixLength = match[0].length;
  if (prefixLength === 0) return number;
  const stripped = number.slice(prefixLength);
  if (plan.nationalNumber.test(number) && !plan.nationalNumber.test(stripped)) return number;
  const verdict = shared.afterPrefix[stripped.length] ?? 'strip';
  if (verdict === 'ask-libphonenumber') return null;
  return verdict === 'strip' ? stripped : number;
}

/** `digits` after `+` or an international prefix. Returns the E.164 string, or null to ask libphonenumber. */
function fastInternational(digits: string): string | null {
  if (digits.length === 0 || digits.charCodeAt(0) === CHAR_0) return null;
  const callingCode = findCallingCode(digits);
  if (callingCode === undefined) return null;
  const shared = callingCodeRules(callingCode);
  if (shared === undefined) return null;
  const nationalNumber = extractNationalNumber(digits.slice(callingCode.length), shared.main, shared);
  if (nationalNumber === null || !possibleEverywhere(nationalNumber, shared)) return null;
  return nationalNumber.length + callingCode.length === digits.length ? `+${digits}` : `+${callingCode}${nationalNumber}`;
}

/** National digits (no international prefix). Returns the E.164 string, or null to ask libphonenumber. */
function fastNational(digits: string, home: HomeRules): string | null {
  const { plan, shared } = home;
  const callingCode = plan.callingCode;
  let nationalNumber = extractNationalNumber(digits, plan, shared);
  if (nationalNumber === null) return null;
  if (digits.startsWith(callingCode)) {
    // As libphonenumber: the digits may be an international number dialled without `+` or prefix.
    const shorter = digits.slice(callingCode.length);
    const shorterNational = extractNationalNumber(shorter, plan, shared);
    if (shorterNational === null) return null;
    const readAsInternational =
      (!plan.nationalNumber.test(nationalNumber) && plan.nationalNumber.test(shorterNational)) ||
      checkLength(nationalNumber.length, plan.possibleLengths) === 'too-long';
    if (readAsInternational) {
      nationalNumber = extractNationalNumber(shorter, shared.main, shared);
      if (nationalNumber === null) return null;
    }
  }
  if (!possibleEverywhere(nationalNumber, shared)) return null;
  return `+${callingCode}${nationalNumber}`;
}
