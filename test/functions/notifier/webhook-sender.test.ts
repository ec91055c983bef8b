import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebhookSender } from '../../../functions/adapters/notifications/webhook-sender.js';

let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((request, response) => {
    if (request.url === '/slow') return; // never answers
    if (request.url === '/redirect') {
      response.writeHead(302, { location: 'http://169.254.169.254/' });
      return response.end();
    }
    response.writeHead(200);
    response.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('WebhookSender', () => {
  const sender = new WebhookSender();

  it('gives up after the timeout instead of holding the consumer', async () => {
    const started = Date.now();
    await expect(sender.post({ url: `${base}/slow`, body: '{}', headers: {}, timeoutMs: 150 })).rejects.toThrow('no answer within 150 ms');
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('treats a redirect as a failure and does not follow it', async () => {
    await expect(sender.post({ url: `${base}/redirect`, body: '{}', headers: {}, timeoutMs: 1_000 })).rejects.toThrow('HTTP 302');
  });

  it('accepts a 2xx', async () => {
    await expect(sender.post({ url: `${base}/ok`, body: '{}', headers: {}, timeoutMs: 1_000 })).resolves.toEqual({ status: 200 });
  });
});
