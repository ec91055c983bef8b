/**
 * The console's logic that needs no DOM: policy validation with the API's own schema, unblock hints, the chart's
 * buckets, line numbers for import errors. Kept apart from the screens so unit tests run it under Node
 * (test/console/logic.test.ts).
 */
import { accountPolicySchema } from '../../domain/accounts/account.js';
import { fieldProblems } from '../../domain/contract/field-problems.js';
import { ApiError, type Client, type Decision, type PolicyInput, type UnblockHint } from './api.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const money = (value: number) => value.toFixed(value !== 0 && Math.abs(value) < 0.01 ? 4 : 2);

/** Problems the API's own schema finds, as `{ field, message }` like the API's 400 details. */
export function validatePolicy(text: string): { policy?: PolicyInput; problems: { field: string; message: string }[] } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { problems: [{ field: 'policy', message: `is not valid JSON: ${error instanceof Error ? error.message : String(error)}` }] };
  }
  const result = accountPolicySchema.safeParse(parsed);
  if (result.success) return { policy: parsed as PolicyInput, problems: [] };
  // named exactly as the API's 400 would name them (the same schema, the same formatting)
  return { problems: fieldProblems(result.error, parsed, 'body') };
}

/**
 * Applies a policy hint as the API would have it: read the policy, change the one path, write it back. A `value`
 * sets the field; an `add` appends to a list field (once). A hint that is not a policy change (a credit, a review)
 * throws: only a carrier can act on it.
 */
export async function applyHint(client: Pick<Client, 'policy' | 'putPolicy'>, accountId: string, hint: UnblockHint): Promise<void> {
  if (!('path' in hint)) throw new Error('this hint is not a policy change');
  const { policy } = await client.policy(accountId);
  const next = structuredClone(policy) as Record<string, unknown>;
  const keys = hint.path.split('.');
  const last = keys.pop() ?? '';
  let target: Record<string, unknown> = next;
  for (const key of keys) {
    target[key] = { ...((target[key] as Record<string, unknown> | undefined) ?? {}) };
    target = target[key] as Record<string, unknown>;
  }
  if ('add' in hint) {
    const list = Array.isArray(target[last]) ? (target[last] as unknown[]) : [];
    target[last] = list.includes(hint.add) ? list : [...list, hint.add];
  } else target[last] = hint.value;
  await client.putPolicy(accountId, next as PolicyInput);
}

export function describeHint(hint: UnblockHint): string {
  if ('path' in hint && 'add' in hint) return `Add ${hint.add} to ${hint.path}`;
  if ('path' in hint) return `Set ${hint.path} to ${JSON.stringify(hint.value)}`;
  if (hint.action === 'credit') return `A credit of ${money(hint.amount)} (ask your carrier)`;
  return 'Ask for a review';
}

/**
 * [bucket starts (s), one series per country] for uPlot: minutes for a span under two hours, hours under two days,
 * days beyond; zero-filled, with an empty bucket either side so a single burst still has an axis.
 */
export function bucketByCountry(decisions: readonly Decision[]): { countries: string[]; data: number[][]; bucketName: string } {
  const times = decisions.map((decision) => Date.parse(decision.decidedAt)).filter(Number.isFinite);
  if (times.length === 0) return { countries: [], data: [], bucketName: 'hour' };
  const span = Math.max(...times) - Math.min(...times);
  const [size, bucketName] = span < 2 * HOUR ? [MINUTE, 'minute'] : span < 2 * DAY ? [HOUR, 'hour'] : [DAY, 'day'];
  const counts = new Map<string, Map<number, number>>();
  for (const decision of decisions) {
    const at = Date.parse(decision.decidedAt);
    if (!Number.isFinite(at)) continue;
    const bucket = Math.floor(at / size) * size;
    const country = decision.destination?.country ?? 'unknown';
    const perBucket = counts.get(country) ?? new Map<number, number>();
    perBucket.set(bucket, (perBucket.get(bucket) ?? 0) + 1);
    counts.set(country, perBucket);
  }
  const first = Math.floor(Math.min(...times) / size) * size - size;
  const last = Math.floor(Math.max(...times) / size) * size + size;
  const buckets: number[] = [];
  for (let bucket = first; bucket <= last; bucket += size) buckets.push(bucket);
  const countries = [...counts.keys()].sort();
  return {
    countries,
    bucketName,
    data: [buckets.map((bucket) => bucket / 1000), ...countries.map((country) => buckets.map((bucket) => counts.get(country)?.get(bucket) ?? 0))],
  };
}

/** `prefixes.3` in the API's answer is the 4th line of what was pasted. */
export function lineNumbered(details: readonly { field: string; message: string }[]): { field: string; message: string }[] {
  return details.map((detail) => {
    const match = /^prefixes\.(\d+)$/.exec(detail.field);
    return match ? { field: `line ${Number(match[1]) + 1}`, message: detail.message } : detail;
  });
}

/**
 * An endpoint this API does not have yet (reset and what-if come from other work): 405 from a path that exists for
 * other methods, or a 404 for the route itself: the local server's `no route ...`, API Gateway's bare
 * `{"message":"Not Found"}`. A handler's own 404 (`NOT_FOUND`, "account x does not exist") is a real answer.
 */
export function isMissingEndpoint(error: unknown): boolean {
  if (!(error instanceof ApiError)) return false;
  if (error.status === 405) return true;
  return error.status === 404 && (error.code !== 'NOT_FOUND' || /^no route /.test(error.message));
}
