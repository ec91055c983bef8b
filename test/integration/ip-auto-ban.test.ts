import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/test-stack.js';

const START = Date.parse('2026-03-01T12:00:00.000Z');
let nowMs = START;
const clock = { now: () => new Date(nowMs) };
const advanceMinutes = (minutes: number) => {
  nowMs += minutes * 60_000;
};

let stack: TestStack;
let switchToken: string;
let reviewerToken: string;
let callNumber = 0;

async function reportFailure(sourceIp: string, sipUsername = 'acme') {
  const response = await stack.call('POST', '/v1/auth-failures', { token: switchToken, body: { sourceIp, sipUsername } });
  expect(response.status).toBe(200);
  return response.body;
}

async function reportFailures(sourceIp: string, count: number) {
  let last: any;
  for (let index = 0; index < count; index += 1) last = await reportFailure(sourceIp, `user${index}`);
  return last;
}

async function authorizeFrom(sourceIp: string) {
  callNumber += 1;
  const body = { callId: `ban-${callNumber}`, to: '+12125550123', sourceIp, authMethod: 'ip', accountId: 'acme' };
  return (await stack.call('POST', '/v1/authorize', { token: switchToken, body })).body;
}

beforeAll(async () => {
  stack = await startTestStack({ clock, eventBaseDelayMs: 20 });
  const admin = { token: stack.adminToken };
  await stack.call('PUT', '/v1/rate-deck', { ...admin, rawBody: 'prefix,country,description,rate_per_minute\n1,US,US,0.01\n', contentType: 'text/csv' });
  await stack.call('POST', '/v1/accounts', { ...admin, body: { accountId: 'acme', name: 'Acme', homeCountry: 'US' } });
  await stack.call('PUT', '/v1/accounts/acme/policy', { ...admin, body: { allowedIps: ['198.51.100.0/24', '2001:db8::/32'] } });
  await stack.call('POST', '/v1/accounts/acme/credits', { ...admin, body: { amount: 10 } });
  switchToken = await stack.issue('switch');
  reviewerToken = await stack.issue('reviewer');
});

afterAll(async () => {
  await stack?.stop();
});

describe('IP auto-ban over HTTP', () => {
  it('counts failures below the threshold without banning', async () => {
    const answers = [];
    for (let index = 0; index < 4; index += 1) answers.push(await reportFailure('198.51.100.4'));
    expect(answers.map((answer) => answer.failuresInWindow)).toEqual([1, 2, 3, 4]);
    expect(answers.every((answer) => answer.banned === false)).toBe(true);
  });

  it('bans after the fifth failure in ten minutes; authorize then denies SOURCE_IP_BANNED with 403', async () => {
    expect((await authorizeFrom('198.51.100.5')).decision).toBe('allow');
    const fifth = await reportFailures('198.51.100.5', 5);
    expect(fifth).toMatchObject({ banned: true, offence: 1, bannedUntil: new Date(nowMs + 3_600_000).toISOString() });

    const decision = await authorizeFrom('198.51.100.5');
    expect(decision).toMatchObject({ decision: 'deny', reason: 'SOURCE_IP_BANNED', sipCode: 403 });
  });

  it('emits IP Banned with the offence and writes a carrier audit record', async () => {
    await reportFailures('198.51.100.6', 5);
    await stack.events.settle();
    const banned = stack.events.bus.published.filter((event) => event['detail-type'] === 'IP Banned' && (event.detail as any).ip === '198.51.100.6');
    expect(banned).toHaveLength(1);
    expect(banned[0]?.detail).toMatchObject({ offence: 1, failures: 5, accountId: null });
    const audit = await stack.deps.audit.list('carrier', 50);
    expect(audit.records.find((record) => record.action === 'ip.banned' && (record.after as any).ip === '198.51.100.6')).toMatchObject({ before: null });
  });

  it('does not count failures that fell out of the window', async () => {
    await reportFailures('198.51.100.7', 4);
    advanceMinutes(11);
    expect(await reportFailure('198.51.100.7')).toMatchObject({ banned: false, failuresInWindow: 1 });
  });

  it('lets the ban expire, then doubles it for the repeat offence', async () => {
    const ip = '198.51.100.8';
    await reportFailures(ip, 5);
    advanceMinutes(61);
    expect((await authorizeFrom(ip)).reason).not.toBe('SOURCE_IP_BANNED');
    // The failures that earned the first ban do not count towards the second.
    expect(await reportFailure(ip)).toMatchObject({ banned: false, failuresInWindow: 1 });

    const second = await reportFailures(ip, 4);
    expect(second).toMatchObject({ banned: true, offence: 2, bannedUntil: new Date(nowMs + 2 * 3_600_000).toISOString() });
    expect((await authorizeFrom(ip)).reason).toBe('SOURCE_IP_BANNED');
  });

  it('bans an IPv6 source whatever its spelling', async () => {
    for (let index = 0; index < 5; index += 1) await reportFailure(index % 2 ? '2001:DB8:0:0:0:0:0:9' : '2001:db8::9');
    expect((await authorizeFrom('2001:db8::9')).reason).toBe('SOURCE_IP_BANNED');
  });

  it('lists active bans as JSON, plain text and Kamailio htable commands', async () => {
    await reportFailures('198.51.100.10', 5);
    const json = await stack.call('GET', '/v1/bans', { token: switchToken });
    expect(json.status).toBe(200);
    expect(json.body.bans).toContainEqual(expect.objectContaining({ ip: '198.51.100.10', offence: 1, failures: 5, sipUsernames: expect.arrayContaining(['user0', 'user4']) }));
    expect(json.body.bans.map((ban: any) => ban.ip)).not.toContain('198.51.100.4');

    const text = await stack.call('GET', '/v1/bans?format=text', { token: switchToken });
    expect(text.headers.get('content-type')).toContain('text/plain');
    expect(text.text.split('\n')).toContain('198.51.100.10');

    const accept = await fetch(`${stack.url}/v1/bans`, { headers: { authorization: `Bearer ${switchToken}`, accept: 'text/plain' } });
    expect((await accept.text()).split('\n')).toContain('198.51.100.10');

    const kamailio = await stack.call('GET', '/v1/bans?format=kamailio', { token: switchToken });
    expect(kamailio.text).toMatch(/^htable\.seti ipban 198\.51\.100\.10 \d{10}$/m);
  });

  it('lifts a ban on DELETE (reviewer), audited; 404 when not banned; 400 for a non-IP', async () => {
    const ip = '198.51.100.11';
    await reportFailures(ip, 5);
    const lifted = await stack.call('DELETE', `/v1/bans/${ip}`, { token: reviewerToken });
    expect(lifted.status).toBe(200);
    expect(lifted.body).toMatchObject({ ip, lifted: true, liftedBy: expect.stringMatching(/^reviewer:/) });
    expect((await authorizeFrom(ip)).reason).not.toBe('SOURCE_IP_BANNED');
    expect((await stack.call('GET', '/v1/bans?format=text', { token: switchToken })).text.split('\n')).not.toContain(ip);

    expect((await stack.call('DELETE', `/v1/bans/${ip}`, { token: reviewerToken })).status).toBe(404);
    const bad = await stack.call('DELETE', '/v1/bans/not-an-ip', { token: reviewerToken });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].field).toBe('ip');

    const audit = await stack.deps.audit.list('carrier', 50);
    expect(audit.records.find((record) => record.action === 'ip.unbanned')).toMatchObject({ actor: expect.stringMatching(/^reviewer:/), before: expect.objectContaining({ ip }) });
  });

  it('refuses a bad sourceIp with 400 naming it, and roles that may not report or lift', async () => {
    const bad = await stack.call('POST', '/v1/auth-failures', { token: switchToken, body: { sourceIp: '999.1.1.1' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details).toContainEqual(expect.objectContaining({ field: 'sourceIp' }));
    const customer = await stack.issue('customer', 'acme');
    expect((await stack.call('POST', '/v1/auth-failures', { token: customer, body: { sourceIp: '198.51.100.1' } })).status).toBe(403);
    expect((await stack.call('DELETE', '/v1/bans/198.51.100.5', { token: switchToken })).status).toBe(403);
  });
});
