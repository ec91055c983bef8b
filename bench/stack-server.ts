/**
 * The local stack in its own process for the benchmark, so that its memory and CPU are its own. Started by
 * bench/stack-bench.ts with an IPC channel; it uses a DynamoDB the parent started (no Java of its own) and
 * counts the authorize path's DynamoDB requests with the SDK middleware (functions/adapters/dynamodb/client.ts).
 *
 * Messages in: `count-reset`, `count-read`, `usage`, `stop`. Messages out: `ready` {url}, then one answer per message.
 */
import { countRequests } from '../functions/adapters/dynamodb/client.js';
import { startLocalStack } from '../functions/local/local-stack.js';

export type ServerRequest = { readonly type: 'count-reset' | 'count-read' | 'usage' | 'stop' };
export type ServerMessage =
  | { readonly type: 'ready'; readonly url: string }
  | { readonly type: 'count-reset' }
  | { readonly type: 'count-read'; readonly counts: Record<string, number>; readonly steps: string[][] }
  | { readonly type: 'usage'; readonly rssBytes: number; readonly peakRssBytes: number; readonly cpuMicros: number }
  | { readonly type: 'stop' }
  | { readonly type: 'error'; readonly message: string };

async function main(): Promise<void> {
  const endpoint = process.env.BENCH_DYNAMODB_ENDPOINT;
  const tableName = process.env.BENCH_TABLE_NAME;
  const adminToken = process.env.BENCH_ADMIN_TOKEN;
  if (!endpoint || !tableName || !adminToken) throw new Error('BENCH_DYNAMODB_ENDPOINT, BENCH_TABLE_NAME and BENCH_ADMIN_TOKEN are required');
  const stack = await startLocalStack({ port: 0, dynamoEndpoint: endpoint, tableName, adminToken });
  // In AWS the table's stream is read by its own function, not by the process that authorizes: leave it out here.
  await stack.events.poller.stop();
  const counter = countRequests(stack.runtime.client);

  // resourceUsage().maxRSS is the kernel's high-water mark; sampling as well guards against platforms reporting 0.
  let sampledPeak = process.memoryUsage().rss;
  const sampler = setInterval(() => (sampledPeak = Math.max(sampledPeak, process.memoryUsage().rss)), 100);
  sampler.unref();

  const send = (message: ServerMessage) => process.send?.(message);
  process.on('message', (request: ServerRequest) => {
    switch (request.type) {
      case 'count-reset':
        counter.reset();
        return send({ type: 'count-reset' });
      case 'count-read':
        return send({ type: 'count-read', counts: Object.fromEntries(counter.counts), steps: counter.steps.map((step) => [...step]) });
      case 'usage': {
        const rssBytes = process.memoryUsage().rss;
        sampledPeak = Math.max(sampledPeak, rssBytes);
        const { user, system } = process.cpuUsage();
        return send({ type: 'usage', rssBytes, peakRssBytes: Math.max(sampledPeak, process.resourceUsage().maxRSS * 1024), cpuMicros: user + system });
      }
      case 'stop':
        clearInterval(sampler);
        void stack.stop().finally(() => {
          send({ type: 'stop' });
          process.disconnect?.();
        });
    }
  });
  send({ type: 'ready', url: stack.url });
}

main().catch((error: unknown) => {
  process.send?.({ type: 'error', message: String(error) });
  process.exitCode = 1;
  process.disconnect?.();
});
