/**
 * What the authorization path costs per call attempt, from the units the code spends (functions/adapters/dynamodb/
 * authorization-store.ts) and us-east-1 list prices. Pure arithmetic, no AWS call: docs/deploy.md ("What it costs")
 * quotes the table `costTable()` renders, and test/infra/cost-model.test.ts checks the two are the same.
 *
 * Per attempt on a warm process (the account copy younger than TOLLGATE_ACCOUNT_CACHE_SECONDS):
 * - allowed, or an attempt to an unusual destination: PutItem of the decision (`CALL#<callId>`, 1 WRU per KB) with
 *   its `gsi1` copy (another WRU per KB of what gsi1 projects), and UpdateItem of the account item (billed on the
 *   larger of the item before and after: 1 WRU per KB of the whole item, which grows with the live calls it holds);
 * - denied by policy: the same PutItem and gsi1 copy, and a strongly consistent GetItem of the account (1 RRU per 4 KB).
 * A cold process reads the account once per TOLLGATE_ACCOUNT_CACHE_SECONDS (60 s) and alias: well under 0.1% of
 * attempts at 10/s and above, left out.
 */
import { TABLE_SCHEMA, type GlobalSecondaryIndex } from '../domain/contract/table-schema.js';

/** us-east-1 list prices, USD. */
export const PRICES = {
  httpApiPerMillion: 1.0,
  lambdaPerGbSecond: 0.0000133334,
  lambdaPerMillionRequests: 0.2,
  dynamoPerMillionWrites: 0.625,
  dynamoPerMillionReads: 0.125,
  dynamoStoragePerGbMonth: 0.25,
  pitrPerGbMonth: 0.2,
  dynamoExportPerGb: 0.1,
  s3PerGbMonth: 0.023,
  logsIngestionPerGb: 0.5,
  eventBridgePerMillion: 1.0,
} as const;

/**
 * Item sizes in bytes as DynamoDB bills them, measured on the local stack with `npx tsx bench/item-sizes.ts` (an
 * account with its policy, counters and 10 live calls; a decision with its rule and destination).
 */
export const MEASURED_BYTES = {
  decision: 856,
  /** The decision's gsi1 copy projecting every attribute (before), and only `record` (after); +100 bytes index overhead. */
  decisionIndexCopyAll: 956,
  decisionIndexCopyRecordOnly: 927,
  /** 612 bytes with no live call, 721 with one: about 86 bytes per live call (100 live calls: ~9.2 KB, 10 WRU a write). */
  account: 1495,
} as const;

export interface CostScenario {
  readonly label: string;
  readonly decisionRetentionDays: number;
  /** Bytes of the decision's gsi1 copy. */
  readonly decisionIndexCopyBytes: number;
  /** Full table export to S3 every this many days, kept `exportKeepDays`; undefined: no export. */
  readonly exportEveryDays?: number;
  readonly exportKeepDays?: number;
}

/** Shared assumptions (the same before and after). */
export const ASSUMPTIONS = {
  /** authorize: 1,024 MB billed 25 ms on average (one DynamoDB round, warm). */
  authorizeGbSeconds: 1.024 * 0.025,
  /** The authorizer's cache (10 s per Authorization header) answers all but ~1% of a busy switch's requests; a miss is 512 MB for 20 ms and one consistent read. */
  authorizerMissShare: 0.01,
  authorizerGbSeconds: 0.512 * 0.02,
  deniedShare: 0.05,
  /** Authorize's decision line, Lambda's start/report lines, the API access log line. */
  logKbPerAttempt: 1.5,
  /** A DynamoDB export is gzip-compressed DynamoDB JSON: about half the item bytes. */
  exportCompression: 0.5,
} as const;

const KB = 1024;
const GB = 1024 ** 3;
const DAYS_PER_MONTH = 30;
/** Attempts per month at one attempt per second (30 days). */
export const ATTEMPTS_PER_MONTH_AT_ONE_PER_SECOND = 2_592_000;

export interface CostLine {
  readonly line: string;
  /** USD per million attempts. */
  readonly perMillion: number;
}

export function writeUnits(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / KB));
}

export function readUnits(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / (4 * KB)));
}

/** DynamoDB units one attempt spends, on average over allowed and denied attempts. */
export function unitsPerAttempt(scenario: CostScenario): { writes: number; reads: number } {
  const decisionWrites = writeUnits(MEASURED_BYTES.decision) + writeUnits(scenario.decisionIndexCopyBytes);
  const allowed = 1 - ASSUMPTIONS.deniedShare;
  return {
    writes: decisionWrites + allowed * writeUnits(MEASURED_BYTES.account),
    reads: ASSUMPTIONS.deniedShare * readUnits(MEASURED_BYTES.account) + ASSUMPTIONS.authorizerMissShare,
  };
}

/** Each line per million attempts. */
export function costLines(scenario: CostScenario): CostLine[] {
  const million = 1_000_000;
  const units = unitsPerAttempt(scenario);
  const retentionMonths = scenario.decisionRetentionDays / DAYS_PER_MONTH;
  const storedGb = (MEASURED_BYTES.decision + scenario.decisionIndexCopyBytes) / GB;
  const lines: CostLine[] = [
    { line: 'HTTP API request', perMillion: PRICES.httpApiPerMillion },
    { line: 'authorize Lambda (0.0256 GB-s + request)', perMillion: ASSUMPTIONS.authorizeGbSeconds * PRICES.lambdaPerGbSecond * million + PRICES.lambdaPerMillionRequests },
    {
      line: 'authorizer Lambda (1% of requests)',
      perMillion: ASSUMPTIONS.authorizerMissShare * (ASSUMPTIONS.authorizerGbSeconds * PRICES.lambdaPerGbSecond * million + PRICES.lambdaPerMillionRequests),
    },
    { line: `DynamoDB writes (${round(units.writes, 2)} WRU)`, perMillion: units.writes * PRICES.dynamoPerMillionWrites },
    { line: `DynamoDB reads (${round(units.reads, 2)} RRU)`, perMillion: units.reads * PRICES.dynamoPerMillionReads },
    {
      line: `decision storage, ${scenario.decisionRetentionDays} days (table + gsi1, PITR)`,
      perMillion: (storedGb * PRICES.dynamoStoragePerGbMonth + (MEASURED_BYTES.decision / GB) * PRICES.pitrPerGbMonth) * retentionMonths * million,
    },
  ];
  if (scenario.exportEveryDays && scenario.exportKeepDays) {
    // Every export copies the decisions alive at that moment: each decision is in retention / interval exports.
    const exportsPerDecision = scenario.decisionRetentionDays / scenario.exportEveryDays;
    const exportedGb = (exportsPerDecision * MEASURED_BYTES.decision) / GB;
    lines.push({
      line: `export to S3 every ${scenario.exportEveryDays} days, kept ${scenario.exportKeepDays} days`,
      perMillion:
        (exportedGb * PRICES.dynamoExportPerGb + exportedGb * ASSUMPTIONS.exportCompression * PRICES.s3PerGbMonth * (scenario.exportKeepDays / DAYS_PER_MONTH)) * million,
    });
  }
  lines.push(
    { line: 'CloudWatch Logs ingestion (1.5 KB)', perMillion: ((ASSUMPTIONS.logKbPerAttempt * KB) / GB) * PRICES.logsIngestionPerGb * million },
    { line: 'EventBridge (0.05 `Call Denied` events)', perMillion: ASSUMPTIONS.deniedShare * PRICES.eventBridgePerMillion },
  );
  return lines;
}

export function totalPerMillion(scenario: CostScenario): number {
  return costLines(scenario).reduce((sum, line) => sum + line.perMillion, 0);
}

/** The floor: the HTTP API request, one authorize invocation and one write unit, nothing else. */
export function floorPerMillion(): number {
  return PRICES.httpApiPerMillion + ASSUMPTIONS.authorizeGbSeconds * PRICES.lambdaPerGbSecond * 1_000_000 + PRICES.lambdaPerMillionRequests + PRICES.dynamoPerMillionWrites;
}

/** Before: 90-day decisions in prod, gsi1 projecting every attribute, no export. */
export const BEFORE: CostScenario = { label: 'before', decisionRetentionDays: 90, decisionIndexCopyBytes: MEASURED_BYTES.decisionIndexCopyAll };

/** After: the schema's gsi1 projection, `decisionRetentionDays` in the table, the weekly export kept 90 days. */
export function afterScenario(decisionRetentionDays: number, exportEveryDays: number, exportKeepDays: number): CostScenario {
  const index: GlobalSecondaryIndex = TABLE_SCHEMA.globalSecondaryIndexes[0];
  const projection = index.projection;
  return {
    label: 'after',
    decisionRetentionDays,
    decisionIndexCopyBytes: projection === 'ALL' ? MEASURED_BYTES.decisionIndexCopyAll : MEASURED_BYTES.decisionIndexCopyRecordOnly,
    exportEveryDays,
    exportKeepDays,
  };
}

export const RATES_PER_SECOND = [10, 100, 1_000] as const;

function round(value: number, digits: number): number {
  return Math.round(value * 10 ** digits) / 10 ** digits;
}

function dollars(value: number, digits: number): string {
  return `$${value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })}`;
}

/** A monthly figure: cents below $10, whole dollars above. */
function monthly(value: number): string {
  return dollars(value, value < 10 ? 2 : 0);
}

/** The markdown table docs/deploy.md quotes: each line per million attempts and per month at 10, 100 and 1,000/s. */
export function costTable(scenario: CostScenario): string {
  const header = `| per month | per million attempts | ${RATES_PER_SECOND.map((rate) => `${rate.toLocaleString('en-US')} attempts/s (${round((rate * ATTEMPTS_PER_MONTH_AT_ONE_PER_SECOND) / 1e6, 1).toLocaleString('en-US')} M)`).join(' | ')} |`;
  const rule = `| --- | ---: | ${RATES_PER_SECOND.map(() => '---:').join(' | ')} |`;
  const row = (label: string, perMillion: number, bold = false) => {
    const cells = [dollars(perMillion, 3), ...RATES_PER_SECOND.map((rate) => monthly((perMillion * rate * ATTEMPTS_PER_MONTH_AT_ONE_PER_SECOND) / 1e6))];
    return `| ${bold ? `**${label}**` : label} | ${cells.map((cell) => (bold ? `**${cell}**` : cell)).join(' | ')} |`;
  };
  return [
    header,
    rule,
    ...costLines(scenario).map((line) => row(line.line, line.perMillion)),
    row('total', totalPerMillion(scenario), true),
    row('floor (HTTP API + one invocation + one write)', floorPerMillion()),
  ].join('\n');
}

/** Before and after side by side, per million attempts and per month at 1,000/s, against the floor. */
export function comparisonTable(before: CostScenario, after: CostScenario): string {
  const atThousand = (perMillion: number) => monthly((perMillion * 1_000 * ATTEMPTS_PER_MONTH_AT_ONE_PER_SECOND) / 1e6);
  const row = (label: string, perMillion: number) => `| ${label} | ${dollars(perMillion, 3)} | ${atThousand(perMillion)} | ${round(perMillion / floorPerMillion(), 2)}× |`;
  return [
    '| | per million attempts | per month at 1,000/s | × floor |',
    '| --- | ---: | ---: | ---: |',
    row(`before: decisions ${before.decisionRetentionDays} days in the table, gsi1 projecting all, no export`, totalPerMillion(before)),
    row(`after: ${after.decisionRetentionDays} days in the table, gsi1 projecting what its listings read, export every ${after.exportEveryDays ?? '-'} days kept ${after.exportKeepDays ?? '-'}`, totalPerMillion(after)),
    row('floor: HTTP API + one authorize invocation + one write unit', floorPerMillion()),
  ].join('\n');
}
