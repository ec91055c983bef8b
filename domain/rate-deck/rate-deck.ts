/**
 * The carrier's rate deck: prefix -> country, description, rate per minute. A call's destination and rate are the
 * entry with the longest prefix of its E.164 digits (+1 876 is Jamaica's entry, not the US one).
 *
 * Imports are all or nothing: `parseRateDeckCsv` reports every bad row with its line number and returns no entries
 * when any row is bad.
 */

export interface RateDeckEntry {
  readonly prefix: string;
  readonly country: string;
  readonly description: string;
  readonly ratePerMinute: number;
}

export interface RateDeckRowError {
  /** 1-based line of the file where the row starts. */
  readonly line: number;
  readonly field?: string;
  readonly message: string;
}

export type ParsedRateDeck =
  | { readonly ok: true; readonly entries: readonly RateDeckEntry[] }
  | { readonly ok: false; readonly errors: readonly RateDeckRowError[] };

export const RATE_DECK_COLUMNS = ['prefix', 'country', 'description', 'rate_per_minute'] as const;

const PREFIX_PATTERN = /^\d{1,15}$/;
const COUNTRY_PATTERN = /^[A-Z]{2}$/;
const RATE_PATTERN = /^\d+(?:\.\d{1,6})?$/;
const MAX_DESCRIPTION_LENGTH = 200;
const MAX_RATE_PER_MINUTE = 100;
// Control characters (line breaks, tabs, NUL, DEL) have no place in a description shown to customers and in logs.
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

const CHAR_0 = 48;

/**
 * Parses the CSV export of a rate deck.
 * 1. Split into records (RFC 4180: quoted fields may hold commas, doubled quotes and line breaks; CRLF or LF).
 * 2. Require the header `prefix,country,description,rate_per_minute` (trimmed, any case).
 * 3. Validate every row, collecting every problem, including prefixes listed twice.
 * 4. Any problem, or no rows at all: `ok: false` with all problems; otherwise the entries in file order.
 */
export function parseRateDeckCsv(csv: string): ParsedRateDeck {
  const records = splitCsvRecords(csv.charCodeAt(0) === 0xfeff ? csv.slice(1) : csv);
  const errors: RateDeckRowError[] = [];
  const header = records[0];
  if (header === undefined) return { ok: false, errors: [{ line: 1, message: `missing header "${RATE_DECK_COLUMNS.join(',')}"` }] };
  if (header.problem !== undefined) return { ok: false, errors: [{ line: header.line, message: header.problem }] };
  if (!isExpectedHeader(header.fields)) {
    return {
      ok: false,
      errors: [{ line: header.line, message: `header must be "${RATE_DECK_COLUMNS.join(',')}", found "${header.fields.join(',')}"` }],
    };
  }

  const rows = dropTrailingBlankRecords(records.slice(1));
  const entries: RateDeckEntry[] = [];
  const lineOfPrefix = new Map<string, number>();
  for (const record of rows) {
    const entry = validateRow(record, errors);
    if (entry === undefined) continue;
    const firstLine = lineOfPrefix.get(entry.prefix);
    if (firstLine !== undefined) {
      errors.push({
        line: record.line,
        field: 'prefix',
        message: `prefix ${entry.prefix} is listed twice, on lines ${firstLine} and ${record.line}`,
      });
      continue;
    }
    lineOfPrefix.set(entry.prefix, record.line);
    entries.push(entry);
  }
  if (rows.length === 0) errors.push({ line: header.line, message: 'the rate deck has no entries after the header' });
  return errors.length > 0 ? { ok: false, errors } : { ok: true, entries };
}

/** The CSV form of a deck, quoting only where needed; `parseRateDeckCsv` reads it back to the same entries. */
export function serializeRateDeckCsv(entries: readonly RateDeckEntry[]): string {
  const lines = [RATE_DECK_COLUMNS.join(',')];
  for (const entry of entries) {
    lines.push([entry.prefix, entry.country, entry.description, formatRate(entry.ratePerMinute)].map(quoteCsvField).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

/**
 * An immutable, versioned deck answering longest-prefix lookups without allocating: prefixes live in a digit trie
 * packed into typed arrays (10 child slots per node), walked once along the dialled digits.
 */
export class RateDeck {
  readonly version: string;
  readonly size: number;
  private readonly all: readonly RateDeckEntry[];
  /** children[node * 10 + digit]: index of the child node, 0 for none (node 0 is the root, never a child). */
  private readonly children: Int32Array;
  /** entryAt[node]: index into `all` of the entry whose prefix ends at this node, -1 for none. */
  private readonly entryAt: Int32Array;

  /** @throws RangeError when a prefix is not 1-15 digits or is listed twice (parseRateDeckCsv reports those as rows). */
  constructor(entries: readonly RateDeckEntry[], version: string) {
    this.version = version;
    this.all = Object.freeze([...entries]);
    this.size = this.all.length;
    const trie = buildTrie(this.all);
    this.children = trie.children;
    this.entryAt = trie.entryAt;
  }

  /** The entry with the longest prefix of `digits` (E.164 without `+`), or undefined when no prefix matches. */
  lookup(digits: string): RateDeckEntry | undefined {
    let node = 0;
    let best = -1;
    for (let i = 0; i < digits.length; i += 1) {
      const digit = digits.charCodeAt(i) - CHAR_0;
      if (digit < 0 || digit > 9) break;
      node = this.children[node * 10 + digit] ?? 0;
      if (node === 0) break;
      const entry = this.entryAt[node] ?? -1;
      if (entry >= 0) best = entry;
    }
    return best >= 0 ? this.all[best] : undefined;
  }

  entries(): readonly RateDeckEntry[] {
    return this.all;
  }
}

function buildTrie(entries: readonly RateDeckEntry[]): { children: Int32Array<ArrayBuffer>; entryAt: Int32Array<ArrayBuffer> } {
  let children = new Int32Array(10 * 256);
  let entryAt = new Int32Array(256).fill(-1);
  let nodes = 1;
  entries.forEach((entry, index) => {
    if (!PREFIX_PATTERN.test(entry.prefix)) throw new RangeError(`rate deck prefix "${entry.prefix}" is not 1-15 digits`);
    let node = 0;
    for (let i = 0; i < entry.prefix.length; i += 1) {
      const slot = node * 10 + (entry.prefix.charCodeAt(i) - CHAR_0);
      let child = children[slot] ?? 0;
      if (child === 0) {
        if (nodes === entryAt.length) {
          children = grow(children, children.length * 2, 0);
          entryAt = grow(entryAt, entryAt.length * 2, -1);
        }
        child = nodes;
        nodes += 1;
        children[slot] = child;
      }
      node = child;
    }
    if ((entryAt[node] ?? -1) >= 0) throw new RangeError(`rate deck prefix ${entry.prefix} is listed twice`);
    entryAt[node] = index;
  });
  return { children: children.slice(0, nodes * 10), entryAt: entryAt.slice(0, nodes) };
}

function grow(array: Int32Array<ArrayBuffer>, length: number, fill: number): Int32Array<ArrayBuffer> {
  const grown = new Int32Array(length).fill(fill);
  grown.set(array);
  return grown;
}

// ---- rows -------------------------------------------------------------------------------------------------------

interface CsvRecord {
  readonly line: number;
  readonly fields: readonly string[];
  readonly problem?: string;
}

function isExpectedHeader(fields: readonly string[]): boolean {
  return fields.length === RATE_DECK_COLUMNS.length && RATE_DECK_COLUMNS.every((column, i) => fields[i]?.trim().toLowerCase() === column);
}

function isBlank(record: CsvRecord): boolean {
  return record.problem === undefined && record.fields.length === 1 && record.fields[0]?.trim() === '';
}

function dropTrailingBlankRecords(records: readonly CsvRecord[]): readonly CsvRecord[] {
  let end = records.length;
  while (end > 0 && isBlank(records[end - 1] as CsvRecord)) end -= 1;
  return records.slice(0, end);
}

function validateRow(record: CsvRecord, errors: RateDeckRowError[]): RateDeckEntry | undefined {
  const { line } = record;
  if (record.problem !== undefined) {
    errors.push({ line, message: record.problem });
    return undefined;
  }
  if (isBlank(record)) {
    errors.push({ line, message: 'empty row; only trailing blank lines are allowed' });
    return undefined;
  }
  if (record.fields.length !== RATE_DECK_COLUMNS.length) {
    errors.push({ line, message: `expected ${RATE_DECK_COLUMNS.length} fields, found ${record.fields.length}` });
    return undefined;
  }
  const [prefix, country, description, rate] = record.fields.map((field) => field.trim()) as [string, string, string, string];
  const before = errors.length;
  if (!PREFIX_PATTERN.test(prefix)) {
    errors.push({ line, field: 'prefix', message: `prefix must be 1-15 digits, found "${prefix}"` });
  }
  if (!COUNTRY_PATTERN.test(country)) {
    errors.push({ line, field: 'country', message: `country must be an ISO 3166-1 alpha-2 code in upper case, found "${country}"` });
  }
  if (description.length === 0) {
    errors.push({ line, field: 'description', message: 'description must not be empty' });
  } else if (description.length > MAX_DESCRIPTION_LENGTH) {
    errors.push({ line, field: 'description', message: `description must be at most ${MAX_DESCRIPTION_LENGTH} characters, found ${description.length}` });
  } else if (CONTROL_CHARACTERS.test(description)) {
    errors.push({ line, field: 'description', message: 'description must not contain line breaks or other control characters' });
  }
  const ratePerMinute = Number(rate);
  if (!RATE_PATTERN.test(rate)) {
    errors.push({ line, field: 'rate_per_minute', message: `rate_per_minute must be a non-negative decimal with at most 6 decimals, found "${rate}"` });
  } else if (ratePerMinute > MAX_RATE_PER_MINUTE) {
    errors.push({ line, field: 'rate_per_minute', message: `rate_per_minute must be at most ${MAX_RATE_PER_MINUTE}, found ${rate}` });
  }
  return errors.length === before ? { prefix, country, description, ratePerMinute } : undefined;
}

function formatRate(rate: number): string {
  // Rates carry at most 6 decimals; toFixed avoids exponent notation (1e-7) and trimming keeps "0.0045" readable.
  return rate.toFixed(6).replace(/\.?0+$/, '');
}

function quoteCsvField(value: string): string {
  if (!/[",\r\n]/.test(value)) return value;
  return `"${value.replace(/"/g, '""')}"`;
}

// ---- RFC 4180 records -------------------------------------------------------------------------------------------

/**
 * Splits CSV text into records of raw fields, each with the line it starts on. A quoted field may contain commas,
 * doubled quotes and line breaks. A quote inside an unquoted field, text after a closing quote, or a quote never
 * closed is recorded as the record's problem.
 */
function splitCsvRecords(text: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let line = 1;
  let recordLine = 1;
  let problem: string | undefined;
  let i = 0;

  const endRecord = (): void => {
    fields.push(field);
    records.push(problem === undefined ? { line: recordLine, fields } : { line: recordLine, fields, problem });
    fields = [];
    field = '';
    problem = undefined;
  };

  while (i < text.length) {
    const char = text[i];
    if (char === '"' && field.trim() === '') {
      const closed = readQuoted(text, i + 1);
      line += closed.lineBreaks;
      if (closed.end < 0) {
        problem ??= 'a quoted field is never closed';
        field = closed.value;
        i = text.length;
        break;
      }
      field = closed.value;
      i = closed.end;
      // After the closing quote only spaces may come before the next comma or line end.
      while (i < text.length && (text[i] === ' ' || text[i] === '\t')) i += 1;
      const next = text[i];
      if (next !== undefined && next !== ',' && next !== '\r' && next !== '\n') {
        problem ??= 'unexpected text after a closing quote';
        while (i < text.length && text[i] !== ',' && text[i] !== '\r' && text[i] !== '\n') i += 1;
      }
      continue;
    }
    if (char === ',') {
      fields.push(field);
      field = '';
      i += 1;
    } else if (char === '\r' || char === '\n') {
      i += char === '\r' && text[i + 1] === '\n' ? 2 : 1;
      endRecord();
      line += 1;
      recordLine = line;
    } else {
      if (char === '"') problem ??= 'a quote inside an unquoted field; quote the whole field and double inner quotes';
      field += char;
      i += 1;
    }
  }
  // A final line without a line break is still a record; a file ending in a line break adds none.
  if (i > 0 && (field !== '' || fields.length > 0 || problem !== undefined || !endsWithLineBreak(text))) endRecord();
  return records;
}

function endsWithLineBreak(text: string): boolean {
  const last = text.charCodeAt(text.length - 1);
  return last === 10 || last === 13;
}

/** Reads a quoted field's content from just after its opening quote. `end` is past the closing quote, or -1. */
function readQuoted(text: string, start: number): { value: string; end: number; lineBreaks: number } {
  let value = '';
  let lineBreaks = 0;
  let i = start;
  while (i < text.length) {
    const char = text[i];
    if (char === '"') {
      if (text[i + 1] === '"') {
        value += '"';
        i += 2;
        continue;
      }
      return { value, end: i + 1, lineBreaks };
    }
    if (char === '\n' || (char === '\r' && text[i + 1] !== '\n')) lineBreaks += 1;
    value += char;
    i += 1;
  }
  return { value, end: -1, lineBreaks };
}
