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

/** A digest-authenticated call for acme: allowed from any address unless the address is banned. */
async function authorizeFrom(sourceIp: string) {
  callNumber += 1;
  const body = { callId: `ban-${callNumber}`, to: '+12125550123', sourceIp, authMethod: 'digest', accountId: 'acme' };
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
    for (let index = 0; index < 4; index += 1) answers.push(await reportFailure('192.0.2.4'));
    expect(answers.map((answer) => answer.failuresInWindow)).toEqual([1, 2, 3, 4]);
    expect(answers.every((answer) => answer.banned === false)).toBe(true);
  });

  it('bans after the fifth failure in ten minutes; authorize then denies SOURCE_IP_BANNED with 403', async () => {
    expect((await authorizeFrom('192.0.2.5')).decision).toBe('allow');
    const fifth = await reportFailures('192.0.2.5', 5);
    expect(fifth).toMatchObject({ banned: true, offence: 1, bannedUntil: new Date(nowMs + 3_600_000).toISOString() });

    const decision = await authorizeFrom('192.0.2.5');
    expect(decision).toMatchObject({ decision: 'deny', reason: 'SOURCE_IP_BANNED', sipCode: 403 });
  });

  it('emits IP Banned with the offence and writes a carrier audit record', async () => {
    await reportFailures('192.0.2.6', 5);
    await stack.events.settle();
    const banned = stack.events.bus.published.filter((event) => event['detail-type'] === 'IP Banned' && (event.detail as any).ip === '192.0.2.6');
    expect(banned).toHaveLength(1);
    expect(banned[0]?.detail).toMatchObject({ offence: 1, failures: 5, accountId: null });
    const audit = await stack.adapters.audit.list('carrier', 50);
    expect(audit.records.find((record) => record.action === 'ip.banned' && (record.after as any).ip === '192.0.2.6')).toMatchObject({ before: null });
  });

  it('does not count failures that fell out of the window', async () => {
    await reportFailures('192.0.2.7', 4);
    advanceMinutes(11);
    expect(await reportFailure('192.0.2.7')).toMatchObject({ banned: false, failuresInWindow: 1 });
  });

  it('lets the ban expire, then doubles it for the repeat offence', async () => {
    const ip = '192.0.2.8';
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
    for (let index = 0; index < 5; index += 1) await reportFailure(index % 2 ? '3FFF:0:0:0:0:0:0:9' : '3fff::9');
    expect((await authorizeFrom('3fff::9')).reason).toBe('SOURCE_IP_BANNED');
  });

  it('lists active bans as JSON, plain text and Kamailio htable commands', async () => {
    await reportFailures('192.0.2.10', 5);
    const json = await stack.call('GET', '/v1/bans', { token: switchToken });
    expect(json.status).toBe(200);
    expect(json.body.bans).toContainEqual(expect.objectContaining({ ip: '192.0.2.10', offence: 1, failures: 5, sipUsernames: expect.arrayContaining(['user0', 'user4']) }));
    expect(json.body.bans.map((ban: any) => ban.ip)).not.toContain('192.0.2.4');

    const text = await stack.call('GET', '/v1/bans?format=text', { token: switchToken });
    expect(text.headers.get('content-type')).toContain('text/plain');
    expect(text.text.split('\n')).toContain('192.0.2.10');

    const accept = await fetch(`${stack.url}/v1/bans`, { headers: { authorization: `Bearer ${switchToken}`, accept: 'text/plain' } });
    expect((await accept.text()).split('\n')).toContain('192.0.2.10');

    const kamailio = await stack.call('GET', '/v1/bans?format=kamailio', { token: switchToken });
    expect(kamailio.text).toMatch(/^htable\.seti ipban 192\.0\.2\.10 \d{10}$/m);
  });

  it('lifts a ban on DELETE (reviewer), audited; 404 when not banned; 400 for a non-IP', async () => {
    const ip = '192.0.2.11';
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

    const audit = await stack.adapters.audit.list('carrier', 50);
    expect(audit.records.find((record) => record.action === 'ip.unbanned')).toMatchObject({ actor: expect.stringMatching(/^reviewer:/), before: expect.objectContaining({ ip }) });
  });

  it('refuses a bad sourceIp with 400 naming it, and roles that may not report or lift', async () => {
    const bad = await stack.call('POST', '/v1/auth-failures', { token: switchToken, body: { sourceIp: '999.1.1.1' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details).toContainEqual(expect.objectContaining({ field: 'sourceIp' }));
    const customer = await stack.issue('customer', 'acme');
    expect((await stack.call('POST', '/v1/auth-failures', { token: customer, body: { sourceIp: '198.51.100.1' } })).status).toBe(403);
    expect((await stack.call('DELETE', '/v1/bans/192.0.2.5', { token: switchToken })).status).toBe(403);
  });
});

describe('IP auto-ban spares known peers', () => {
  const admin = () => ({ token: stack.adminToken });
  const published = (detailType: string, match: (detail: any) => boolean) =>
    stack.events.bus.published.filter((event) => event['detail-type'] === detailType && match(event.detail)).map((event) => event.detail as any);

  async function createAccount(accountId: string, allowedIps: string[]) {
    expect((await stack.call('POST', '/v1/accounts', { ...admin(), body: { accountId, name: accountId, homeCountry: 'US' } })).status).toBe(201);
    expect((await stack.call('PUT', `/v1/accounts/${accountId}/policy`, { ...admin(), body: { allowedIps } })).status).toBe(200);
    expect((await stack.call('POST', `/v1/accounts/${accountId}/credits`, { ...admin(), body: { amount: 10 } })).status).toBe(200);
  }

  async function openReviewOf(accountId: string) {
    const queue = await stack.call('GET', '/v1/reviews?status=open', { token: reviewerToken });
    return queue.body.reviews.find((review: { accountId: string }) => review.accountId === accountId);
  }

  async function isListedAsBanned(ip: string) {
    return (await stack.call('GET', '/v1/bans?format=text', { token: switchToken })).text.split('\n').includes(ip);
  }

  /** The peer index is cached for 10 s (TOLLGATE_PEER_INDEX_CACHE_SECONDS): let a policy change reach it. */
  function outlastPeerIndexCache() {
    nowMs += 11_000;
  }

  it("never bans an IP inside an active account's allowed CIDR: records the failures, opens a review with the evidence", async () => {
    const ip = '198.51.100.20';
    const answers = [];
    for (let index = 0; index < 7; index += 1) answers.push(await reportFailure(ip, `ext${100 + index}`));

    expect(answers.every((answer) => answer.banned === false)).toBe(true);
    expect(answers[4]).toMatchObject({ knownPeerOf: ['acme'], flagged: true, failuresInWindow: 5, threshold: 5 });
    expect(await isListedAsBanned(ip)).toBe(false);
    const call = await stack.call('POST', '/v1/authorize', { token: switchToken, body: { callId: `peer-${ip}`, to: '+12125550123', sourceIp: ip, authMethod: 'ip', accountId: 'acme' } });
    expect(call.body).toMatchObject({ decision: 'allow' });

    await stack.events.settle();
    const flagged = published('Known Peer Auth Failures', (detail) => detail.ip === ip);
    expect(flagged).toHaveLength(1);
    expect(flagged[0]).toMatchObject({
      accountId: 'acme',
      evidence: { rule: 'known-peer-auth-failures', ip, allowedEntry: '198.51.100.0/24', failures: 5, threshold: 5, window: { seconds: 600 } },
    });
    // the five reports share one instant of the test clock, so their order within it is the ids'
    expect([...flagged[0].evidence.sipUsernames].sort()).toEqual(['ext100', 'ext101', 'ext102', 'ext103', 'ext104']);
    const review = await openReviewOf('acme');
    expect(review).toMatchObject({ sourceIps: [ip], destinations: [] });
    expect(review.evidence[0]).toMatchObject({ kind: 'known-peer-auth-failures', ip, evidence: { failures: 5, allowedEntry: '198.51.100.0/24' } });
    expect(published('Account Flagged For Review', (detail) => detail.accountId === 'acme')[0]).toMatchObject({ reviewId: review.reviewId, evidence: { rule: 'known-peer-auth-failures', ip } });
    const audit = await stack.adapters.audit.list('carrier', 50);
    expect(audit.records.find((record) => record.action === 'ip.ban-withheld' && (record.after as any).ip === ip)).toMatchObject({ after: { knownPeerOf: [{ accountId: 'acme', allowedEntry: '198.51.100.0/24' }] } });
  });

  it('flags the account once per window while the failures go on, and again in the next window', async () => {
    const ip = '198.51.100.21';
    for (let index = 0; index < 12; index += 1) await reportFailure(ip);
    await stack.events.settle();
    expect(published('Known Peer Auth Failures', (detail) => detail.ip === ip)).toHaveLength(1);

    advanceMinutes(11);
    const answers = [];
    for (let index = 0; index < 5; index += 1) answers.push(await reportFailure(ip));
    await stack.events.settle();

    expect(answers[4]).toMatchObject({ banned: false, flagged: true });
    expect(published('Known Peer Auth Failures', (detail) => detail.ip === ip)).toHaveLength(2);
    const review = await openReviewOf('acme');
    expect(review.evidence.filter((entry: any) => entry.ip === ip)).toHaveLength(2);
    expect(review.sourceIps).toContain(ip);
  });

  it('flags every active account that allows the IP (a shared PBX host)', async () => {
    await createAccount('acme-east', ['198.51.100.77']);
    outlastPeerIndexCache();
    const ip = '198.51.100.77';

    const fifth = await reportFailures(ip, 5);
    await stack.events.settle();

    expect(fifth).toMatchObject({ banned: false, knownPeerOf: expect.arrayContaining(['acme', 'acme-east']) });
    expect(published('Known Peer Auth Failures', (detail) => detail.ip === ip).map((detail) => detail.accountId).sort()).toEqual(['acme', 'acme-east']);
    expect(await openReviewOf('acme-east')).toMatchObject({ sourceIps: [ip] });
  });

  it('protects an IP only while its account is active: once a reviewer suspends it, the next failure bans the IP', async () => {
    await createAccount('wobbly', ['203.0.113.64/26']);
    outlastPeerIndexCache();
    const ip = '203.0.113.70';
    expect(await reportFailures(ip, 5)).toMatchObject({ banned: false, knownPeerOf: ['wobbly'] });
    await stack.events.settle();
    const review = await openReviewOf('wobbly');
    const resolved = await stack.call('POST', `/v1/reviews/${review.reviewId}/resolve`, { token: reviewerToken, body: { action: 'suspend', note: 'PBX compromised, customer unreachable' } });
    expect(resolved.status).toBe(200);

    const next = await reportFailure(ip);

    expect(next).toMatchObject({ banned: true, offence: 1 });
    expect(await isListedAsBanned(ip)).toBe(true);
  });

  it('protects an address added to a policy once the peer index cache has expired', async () => {
    await createAccount('mover', ['203.0.113.1']);
    outlastPeerIndexCache();
    const ip = '203.0.113.150';
    expect((await stack.call('PUT', '/v1/accounts/mover/policy', { ...admin(), body: { allowedIps: ['203.0.113.1', ip] } })).status).toBe(200);
    outlastPeerIndexCache();

    expect(await reportFailures(ip, 5)).toMatchObject({ banned: false, knownPeerOf: ['mover'] });
    expect(await isListedAsBanned(ip)).toBe(false);
  });

  it('stops protecting an address removed from a policy at once, whatever the cache holds', async () => {
    await createAccount('leaver', ['203.0.113.200']);
    outlastPeerIndexCache();
    const ip = '203.0.113.200';
    expect(await reportFailures(ip, 5)).toMatchObject({ banned: false, knownPeerOf: ['leaver'] });
    expect((await stack.call('PUT', '/v1/accounts/leaver/policy', { ...admin(), body: { allowedIps: ['203.0.113.201'] } })).status).toBe(200);

    expect(await reportFailure(ip)).toMatchObject({ banned: true });
  });
});

describe('GET /v1/bans/{ip}: why an IP is banned', () => {
  it('shows each failure with its time and username, the window, the threshold, and when the ban ends', async () => {
    const ip = '192.0.2.30';
    const times: string[] = [];
    for (let index = 0; index < 5; index += 1) {
      advanceMinutes(1);
      times.push(new Date(nowMs).toISOString());
      await reportFailure(ip, `10${index}`);
    }

    const explained = await stack.call('GET', `/v1/bans/${ip}`, { token: reviewerToken });

    expect(explained.status).toBe(200);
    expect(explained.body).toEqual({
      ip,
      banned: true,
      ban: {
        bannedAt: times[4],
        bannedUntil: new Date(nowMs + 3_600_000).toISOString(),
        offence: 1,
        accountId: null,
        threshold: 5,
        window: { seconds: 600, firstFailureAt: times[0], lastFailureAt: times[4] },
        failureCount: 5,
        failures: times.map((at, index) => ({ at, sipUsername: `10${index}` })),
        lifted: null,
      },
      knownPeer: null,
    });
  });

  it('names who lifted the ban, from the audit record of the lift', async () => {
    const ip = '192.0.2.31';
    await reportFailures(ip, 5);
    const lifted = await stack.call('DELETE', `/v1/bans/${ip}`, { token: reviewerToken });
    expect(lifted.status).toBe(200);

    const explained = await stack.call('GET', `/v1/bans/${ip}`, { token: stack.adminToken });

    expect(explained.body).toMatchObject({ banned: false, ban: { lifted: { at: lifted.body.liftedAt, by: lifted.body.liftedBy, auditRecordId: expect.any(String) } } });
    const audit = await stack.adapters.audit.get('carrier', lifted.body.liftedAt, explained.body.ban.lifted.auditRecordId);
    expect(audit).toMatchObject({ action: 'ip.unbanned', actor: expect.stringMatching(/^reviewer:/), before: expect.objectContaining({ ip }) });
  });

  it("shows a known peer's withheld ban and the accounts that protect it", async () => {
    const ip = '198.51.100.40';
    await reportFailures(ip, 5);

    const explained = await stack.call('GET', `/v1/bans/${ip}`, { token: reviewerToken });

    expect(explained.status).toBe(200);
    expect(explained.body).toMatchObject({ ip, banned: false, ban: null, knownPeer: { accountIds: ['acme'], failures: 5, banWithheldAt: new Date(nowMs).toISOString() } });
  });

  it('answers 404 for an IP with no record, 400 for a non-IP, 403 to a switch or a customer', async () => {
    expect((await stack.call('GET', '/v1/bans/192.0.2.250', { token: reviewerToken })).status).toBe(404);
    const bad = await stack.call('GET', '/v1/bans/not-an-ip', { token: reviewerToken });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].field).toBe('ip');
    expect((await stack.call('GET', '/v1/bans/192.0.2.30', { token: switchToken })).status).toBe(403);
    expect((await stack.call('GET', '/v1/bans/192.0.2.30', { token: await stack.issue('customer', 'acme') })).status).toBe(403);
  });
});

describe('GET /v1/audit: the carrier-scope audit', () => {
  it('lists bans, lifts and withheld bans to an admin, newest first, in pages', async () => {
    const [peerIp, attackerIp] = ['198.51.100.41', '192.0.2.40'];
    advanceMinutes(1);
    await reportFailures(peerIp, 5);
    advanceMinutes(1);
    await reportFailures(attackerIp, 5);
    advanceMinutes(1);
    await stack.call('DELETE', `/v1/bans/${attackerIp}`, { token: reviewerToken });

    const first = await stack.call('GET', '/v1/audit?limit=3', { token: stack.adminToken });

    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ scope: 'carrier', nextCursor: expect.any(String) });
    expect(first.body.records.map((record: any) => [record.action, record.after.ip])).toEqual([
      ['ip.unbanned', attackerIp],
      ['ip.banned', attackerIp],
      ['ip.ban-withheld', peerIp],
    ]);
    expect(first.body.records[0]).toMatchObject({ scope: 'carrier', actor: expect.stringMatching(/^reviewer:/), before: { ip: attackerIp } });
    const next = await stack.call('GET', `/v1/audit?limit=200&cursor=${first.body.nextCursor}`, { token: stack.adminToken });
    expect(next.status).toBe(200);
    expect(next.body.records.map((record: any) => record.after.ip)).not.toContain(attackerIp);
    expect(next.body.records.map((record: any) => record.after.ip)).not.toContain(peerIp);
  });

  it('refuses a reviewer, a switch and a customer; a foreign cursor is a 400', async () => {
    for (const token of [reviewerToken, switchToken, await stack.issue('customer', 'acme')]) {
      expect((await stack.call('GET', '/v1/audit', { token })).status).toBe(403);
    }
    const accountPage = await stack.call('GET', '/v1/accounts/acme/audit?limit=1', { token: stack.adminToken });
    const foreign = await stack.call('GET', `/v1/audit?cursor=${accountPage.body.nextCursor}`, { token: stack.adminToken });
    expect(foreign.status).toBe(400);
    expect(foreign.body.error.details[0].field).toBe('cursor');
  });
});
