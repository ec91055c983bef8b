/**
 * Issue 11, item 3: no input produces a 500. Path parameters are parsed with the same schemas as bodies and decoded
 * exactly once, page cursors are checked before they reach DynamoDB, TOLLGATE_MAX_BODY_BYTES is applied, and a
 * matrix of hostile paths and bodies against every route gets 4xx answers in the contract's error shape.
 */
import { request as httpRequest } from 'node:http';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pathParameterNames } from '../../domain/contract/path-parameters.js';
import { ROUTES, type RouteDefinition } from '../../domain/contract/routes.js';
import { countRequests } from '../../functions/adapters/dynamodb/client.js';
import { startTestStack, type TestStack } from '../support/test-stack.js';

const SAMPLE_DECK = readFileSync(new URL('../../data/ratedeck-sample.csv', import.meta.url), 'utf8');
const MAX_BODY_BYTES = 2_048;

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({ environment: { TOLLGATE_MAX_BODY_BYTES: String(MAX_BODY_BYTES) } });
  expect((await stack.call('POST', '/v1/accounts', { token: stack.adminToken, body: { accountId: 'acme', name: 'Acme', homeCountry: 'US' } })).status).toBe(201);
});

afterAll(async () => {
  await stack?.stop();
});

interface RawResponse {
  readonly status: number;
  readonly body: any;
  readonly text: string;
}

/** Sends the path byte for byte (fetch would normalise `..` and re-encode), with any body and content type. */
function rawCall(method: string, path: string, options: { body?: string | Buffer; contentType?: string; token?: string } = {}): Promise<RawResponse> {
  const url = new URL(stack.url);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { authorization: `Bearer ${options.token ?? stack.adminToken}` };
    if (options.contentType) headers['content-type'] = options.contentType;
    // Node frames a GET or DELETE body only when told its length.
    if (options.body !== undefined) headers['content-length'] = String(Buffer.byteLength(options.body));
    const outgoing = httpRequest({ host: url.hostname, port: url.port, method, path, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown;
        try {
          body = text ? JSON.parse(text) : undefined;
        } catch {
          body = text;
        }
        resolve({ status: response.statusCode ?? 0, body, text });
      });
    });
    outgoing.on('error', reject);
    outgoing.end(options.body);
  });
}

function pathWith(route: RouteDefinition, values: Readonly<Record<string, string>>): string {
  return route.path.replace(/\{([^}]+)\}/g, (_match, name: string) => values[name] ?? 'x1');
}

function expectErrorShape(response: RawResponse): void {
  expect(response.body?.error).toMatchObject({ code: expect.any(String), message: expect.any(String), details: expect.any(Array) });
}

function fieldsOf(response: RawResponse): string[] {
  return (response.body?.error?.details ?? []).map((detail: { field: string }) => detail.field);
}

const paramRoutes = ROUTES.filter((route) => pathParameterNames(route.path).length > 0);

describe('path parameters are parsed with the body schemas, before anything reaches DynamoDB', () => {
  const longIdCases = paramRoutes.flatMap((route) => pathParameterNames(route.path).map((name) => ({ route, name })));

  it.each(longIdCases)('a 3,000-character {$name} on $route.method $route.path is a 400 naming it', async ({ route, name }) => {
    const counter = countRequests(stack.runtime.client);
    counter.reset();

    const response = await rawCall(route.method, pathWith(route, { accountId: 'acme', [name]: 'a'.repeat(3_000) }), { body: '{}', contentType: 'application/json' });

    expect(response.status).toBe(400);
    expect(fieldsOf(response)).toContain(name);
    expect(counter.total()).toBe(0);
  });

  it('a callId longer than the authorize body allows is refused on the completion route', async () => {
    const response = await rawCall('POST', `/v1/calls/${'c'.repeat(257)}/completed`, { body: JSON.stringify({ durationSeconds: 1, endedAt: '2026-11-25T12:00:00Z' }), contentType: 'application/json' });

    expect(response.status).toBe(400);
    expect(response.body.error.details).toEqual([{ field: 'callId', message: expect.any(String) }]);
  });

  it('a callId that is valid in a body (here "a@b%c") is valid in the path, decoded once', async () => {
    const response = await rawCall('POST', '/v1/calls/a%40b%25c/completed', { body: JSON.stringify({ durationSeconds: 1, endedAt: '2026-11-25T12:00:00Z' }), contentType: 'application/json' });

    expect(response.status).toBe(404);
    expect(response.body.error.message).toContain('a@b%c');
  });

  it('a destination of %2525 is decoded once to "%25" and refused by name, not decoded again into a URIError', async () => {
    const response = await rawCall('DELETE', '/v1/accounts/acme/blocked-destinations/%2525');

    expect(response.status).toBe(400);
    expect(fieldsOf(response)).toEqual(['destination']);
  });

  it.each(['%E0%A4%A', '%', '%zz', 'ok%'])('malformed percent-encoding %s is a 400 naming the parameter', async (segment) => {
    const response = await rawCall('GET', `/v1/accounts/${segment}`);

    expect(response.status).toBe(400);
    expectErrorShape(response);
    expect(fieldsOf(response)).toEqual(['accountId']);
  });

  it('an unknown review id or a non-IP ban is a 400 naming the field', async () => {
    const review = await rawCall('POST', '/v1/reviews/..%2F..%2Fadmin/resolve', { body: JSON.stringify({ action: 'clear', note: 'x' }), contentType: 'application/json' });
    const ban = await rawCall('DELETE', '/v1/bans/999.1.1.1');

    expect([review.status, fieldsOf(review)]).toEqual([400, ['reviewId']]);
    expect([ban.status, fieldsOf(ban)]).toEqual([400, ['ip']]);
  });
});

describe('page cursors are checked before they reach DynamoDB', () => {
  const cursorOf = (key: unknown) => Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
  const listings = ['/v1/accounts/acme/decisions', '/v1/accounts/acme/audit', '/v1/reviews?status=open'];
  const forged: Array<{ why: string; cursor: string }> = [
    { why: 'empty', cursor: '' },
    { why: 'not base64url', cursor: '!!!!' },
    { why: 'not JSON', cursor: Buffer.from('{"pk":', 'utf8').toString('base64url') },
    { why: 'an array', cursor: cursorOf(['pk']) },
    { why: 'empty key values', cursor: cursorOf({ pk: '', sk: '', gsi1pk: 'DECISIONS#acme', gsi1sk: '' }) },
    { why: 'a sort key over DynamoDB’s limit', cursor: cursorOf({ pk: 'CALL#x', sk: 'DECISION', gsi1pk: 'DECISIONS#acme', gsi1sk: 'x'.repeat(1_100) }) },
    { why: 'a review key in the decision index', cursor: cursorOf({ pk: 'REVIEW#r1', sk: 'REVIEW', gsi1pk: 'DECISIONS#acme', gsi1sk: '2026' }) },
    { why: 'another account’s partition', cursor: cursorOf({ pk: 'AUDIT#globex', sk: '2026' }) },
    { why: 'numbers for keys', cursor: cursorOf({ pk: 1, sk: 2 }) },
  ];
  const cases = listings.flatMap((path) => forged.map((entry) => ({ path, ...entry })));

  it.each(cases)('$path with a cursor that is $why → 400 naming cursor', async ({ path, cursor }) => {
    const separator = path.includes('?') ? '&' : '?';

    const response = await rawCall('GET', `${path}${separator}cursor=${encodeURIComponent(cursor)}`);

    expect(response.status).toBe(400);
    expect(fieldsOf(response)).toEqual(['cursor']);
  });
});

describe('TOLLGATE_MAX_BODY_BYTES is applied wherever a body is read', () => {
  const bodyRoutes = ROUTES.filter((route) => (route.method === 'POST' || route.method === 'PUT') && route.maxBodyBytes === undefined);

  it.each(bodyRoutes)('$method $path refuses a body over the configured limit with 413', async (route) => {
    const body = JSON.stringify({ padding: 'p'.repeat(MAX_BODY_BYTES) });

    const response = await rawCall(route.method, pathWith(route, { accountId: 'acme' }), { body, contentType: 'application/json' });

    expect(response.status).toBe(413);
    expect(response.body.error).toEqual({ code: 'PAYLOAD_TOO_LARGE', message: expect.stringContaining(String(MAX_BODY_BYTES)), details: [{ field: 'body', message: expect.any(String) }] });
  });

  it('keeps the rate deck’s own, larger limit for a bulk import', async () => {
    expect(Buffer.byteLength(SAMPLE_DECK)).toBeGreaterThan(MAX_BODY_BYTES);

    const response = await stack.call('PUT', '/v1/rate-deck', { token: stack.adminToken, rawBody: SAMPLE_DECK, contentType: 'text/csv' });

    expect(response.status).toBe(200);
  });
});

describe('a matrix of hostile paths and bodies against every route: no 500, always the error shape', () => {
  const hostileSegments = [
    'a'.repeat(3_000),
    encodeURIComponent('ünïcødé☎🙂'),
    '%E2%80%AE', // right-to-left override
    '%25',
    '%2525',
    '%E0%A4%A',
    '%',
    '..',
    '%2E%2E',
    '.',
    '%00',
    'a%00b',
    '%2F',
    '%20',
    '-1',
    '1e309',
    'null',
    '%7B%7D',
  ];
  const hostileBodies: Array<{ body: string | Buffer; contentType?: string }> = [
    { body: 'x'.repeat(100_000), contentType: 'application/json' },
    { body: '[]', contentType: 'application/json' },
    { body: '[{"accountId":"acme"}]', contentType: 'application/json' },
    { body: '"acme"', contentType: 'application/json' },
    { body: '12', contentType: 'application/json' },
    { body: 'null', contentType: 'application/json' },
    { body: '{"amount":"50","durationSeconds":"60","prefixes":"881","role":1,"action":["clear"]}', contentType: 'application/json' },
    { body: '{"accountId":"acme","name":"A","homeCountry":"US","amount":1e400}', contentType: 'application/json' },
    { body: '{', contentType: 'application/json' },
    { body: '\u0000', contentType: 'application/json' },
    { body: 'accountId=acme&name=A', contentType: 'application/x-www-form-urlencoded' },
    { body: 'prefix,country\n1,US', contentType: 'text/csv' },
    { body: Buffer.from([0xff, 0xfe, 0x00, 0x80]), contentType: 'application/octet-stream' },
    { body: '{"accountId":"acme"}' },
  ];
  const protectedRoutes = ROUTES.filter((route) => route.access !== 'public');

  it.each(protectedRoutes)('$method $path', async (route) => {
    const failures: string[] = [];
    const check = async (label: string, response: RawResponse) => {
      if (response.status >= 500) failures.push(`${label} → ${response.status} ${response.text.slice(0, 200)}`);
      else if (response.status >= 400 && !(response.body?.error && typeof response.body.error.code === 'string' && Array.isArray(response.body.error.details))) {
        failures.push(`${label} → ${response.status} without the error shape: ${response.text.slice(0, 200)}`);
      }
    };
    const names = pathParameterNames(route.path);
    for (const segment of names.length > 0 ? hostileSegments : []) {
      for (const name of names) {
        const path = pathWith(route, { accountId: 'acme', [name]: segment });
        await check(`path ${path.slice(0, 80)}`, await rawCall(route.method, path, { body: '{}', contentType: 'application/json' }));
      }
    }
    if (route.method === 'POST' || route.method === 'PUT') {
      for (const { body, contentType } of hostileBodies) {
        const response = await rawCall(route.method, pathWith(route, { accountId: 'acme' }), { body, ...(contentType ? { contentType } : {}) });
        await check(`body ${String(body).slice(0, 40)} (${contentType ?? 'no content type'})`, response);
      }
    }

    expect(failures).toEqual([]);
  });
});
