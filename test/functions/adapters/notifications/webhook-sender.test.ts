import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebhookTargetRefusedError } from '../../../../domain/notifications/ports.js';
import { WebhookSender, type HostResolver } from '../../../../functions/adapters/notifications/webhook-sender.js';

let server: Server;
let port: number;
let base: string;
const hostsSeen: string[] = [];

const localRules = { allowPrivateTargets: true, requireHttps: false };
const strictRules = { allowPrivateTargets: false, requireHttps: false };

beforeAll(async () => {
  server = createServer((request, response) => {
    hostsSeen.push(request.headers.host ?? '');
    if (request.url === '/slow') return; // never answers
    if (request.url === '/redirect') {
      response.writeHead(302, { location: 'http://169.254.169.254/' });
      return response.end();
    }
    response.writeHead(200);
    response.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** A DNS table: each name resolves to the listed addresses; counts lookups. */
function table(entries: Record<string, string[]>): HostResolver & { lookups: string[] } {
  const lookups: string[] = [];
  const resolver = async (hostname: string) => {
    lookups.push(hostname);
    const addresses = entries[hostname];
    if (!addresses) throw new Error(`ENOTFOUND ${hostname}`);
    return addresses.map((address) => ({ address, family: address.includes(':') ? (6 as const) : (4 as const) }));
  };
  return Object.assign(resolver, { lookups });
}

describe('WebhookSender', () => {
  const sender = new WebhookSender();

  it('gives up after the timeout instead of holding the consumer', async () => {
    const started = Date.now();
    await expect(sender.post({ url: `${base}/slow`, body: '{}', headers: {}, timeoutMs: 150, rules: localRules })).rejects.toThrow('no answer within 150 ms');
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('treats a redirect as a failure and does not follow it', async () => {
    await expect(sender.post({ url: `${base}/redirect`, body: '{}', headers: {}, timeoutMs: 1_000, rules: localRules })).rejects.toThrow('HTTP 302');
  });

  it('accepts a 2xx', async () => {
    await expect(sender.post({ url: `${base}/ok`, body: '{}', headers: {}, timeoutMs: 1_000, rules: localRules })).resolves.toEqual({ status: 200 });
  });
});

describe('WebhookSender against server-side request forgery', () => {
  it('refuses a name that resolves to a private address, without connecting', async () => {
    const sender = new WebhookSender(table({ 'hooks.customer.example': ['10.0.0.7'] }));

    await expect(sender.post({ url: 'http://hooks.customer.example/x', body: '{}', headers: {}, timeoutMs: 1_000, rules: strictRules })).rejects.toThrow(WebhookTargetRefusedError);
  });

  it('refuses a name when any one of its addresses is not public', async () => {
    const sender = new WebhookSender(table({ 'hooks.customer.example': ['8.8.8.8', '::ffff:127.0.0.1'] }));

    await expect(sender.post({ url: 'http://hooks.customer.example/x', body: '{}', headers: {}, timeoutMs: 1_000, rules: strictRules })).rejects.toThrow(/ipv4Mapped/);
  });

  it('refuses an IP literal and a localhost name again at delivery (a URL stored before the rules)', async () => {
    const sender = new WebhookSender(table({}));

    await expect(sender.post({ url: `${base}/ok`, body: '{}', headers: {}, timeoutMs: 1_000, rules: strictRules })).rejects.toThrow(WebhookTargetRefusedError);
    await expect(sender.post({ url: `http://localhost:${port}/ok`, body: '{}', headers: {}, timeoutMs: 1_000, rules: strictRules })).rejects.toThrow(WebhookTargetRefusedError);
  });

  it('refuses plain http where https is required', async () => {
    const sender = new WebhookSender(table({ 'hooks.customer.example': ['8.8.8.8'] }));

    await expect(sender.post({ url: 'http://hooks.customer.example/x', body: '{}', headers: {}, timeoutMs: 1_000, rules: { allowPrivateTargets: false, requireHttps: true } })).rejects.toThrow(/https/);
  });

  it('connects to the address it checked, resolving the name once (no second lookup to rebind)', async () => {
    // The system resolver does not know this name: only the checked address can have been used.
    const resolver = table({ 'rebind.customer.example': ['127.0.0.1'] });
    const sender = new WebhookSender(resolver);

    const answer = await sender.post({ url: `http://rebind.customer.example:${port}/ok`, body: '{}', headers: {}, timeoutMs: 1_000, rules: localRules });

    expect(answer).toEqual({ status: 200 });
    expect(resolver.lookups).toEqual(['rebind.customer.example']);
    expect(hostsSeen.at(-1)).toBe(`rebind.customer.example:${port}`);
  });
});
