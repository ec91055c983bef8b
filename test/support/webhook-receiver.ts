/** A webhook endpoint on 127.0.0.1 for tests: records every request and answers 500 while told to fail. */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  readonly headers: IncomingHttpHeaders;
  readonly rawBody: string;
  readonly body: { detailType: string; detail: Record<string, any> };
  readonly status: number;
}

export interface WebhookReceiver {
  readonly url: string;
  readonly received: ReceivedWebhook[];
  /** Answer the next `count` requests with 500 (Infinity: every request). */
  failNext(count: number): void;
  /** Requests answered 2xx, optionally of one detail-type. */
  delivered(detailType?: string): ReceivedWebhook[];
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  let failures = 0;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      const status = failures > 0 ? 500 : 204;
      if (failures > 0) failures -= 1;
      received.push({ headers: request.headers, rawBody, body: JSON.parse(rawBody || '{}'), status });
      response.writeHead(status);
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/tollgate`,
    received,
    failNext: (count) => {
      failures = count;
    },
    delivered: (detailType) => received.filter((hook) => hook.status < 300 && (!detailType || hook.body.detailType === detailType)),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
