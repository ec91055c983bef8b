/**
 * POSTs a signed webhook. Anything but a 2xx within the timeout is a failure the caller retries; redirects are not
 * followed (the signature is for the URL the customer configured, and following could lead anywhere).
 *
 * Server-side request forgery: the URL was checked when it was set, but a host name can resolve to anything, and
 * differently on the next lookup (DNS rebinding). So each delivery
 *  1. checks the URL again with the same rules (domain/notifications/webhook-url.ts),
 *  2. resolves the host once, every address (`dns.lookup` with `all: true`), and refuses the delivery if any of them
 *     is not public (unless the stage allows private targets),
 *  3. connects to the first checked address itself: the HTTP client is handed that address instead of resolving the
 *     name again, while the Host header and TLS (SNI, certificate check) still use the name.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { WebhookTargetRefusedError, type WebhookPoster, type WebhookRequest } from '../../../domain/notifications/ports.js';
import { nonPublicRange, webhookHost, webhookUrlProblem, type WebhookTargetRules } from '../../../domain/notifications/webhook-url.js';

export interface ResolvedAddress {
  readonly address: string;
  readonly family: 4 | 6;
}

/** Every address a host name resolves to; the system resolver in production, a table in tests. */
export type HostResolver = (hostname: string) => Promise<readonly ResolvedAddress[]>;

export const systemResolver: HostResolver = async (hostname) => {
  const addresses = await dnsLookup(hostname, { all: true, verbatim: true });
  return addresses.map((entry) => ({ address: entry.address, family: entry.family === 6 ? 6 : 4 }));
};

/** A failure a retry can fix (timeout, refused connection, 5xx); a refused target is the domain's WebhookTargetRefusedError. */
export class WebhookDeliveryError extends Error {}

export class WebhookSender implements WebhookPoster {
  constructor(private readonly resolveHost: HostResolver = systemResolver) {}

  async post(request: WebhookRequest): Promise<{ status: number }> {
    const deadline = AbortSignal.timeout(request.timeoutMs);
    const url = new URL(request.url);
    const target = await this.checkedAddress(url, request.rules, deadline, request.timeoutMs);
    let response: IncomingMessage;
    try {
      response = await send(url, target, request, deadline);
    } catch (error) {
      const timedOut = deadline.aborted || (error as { name?: string }).name === 'AbortError';
      throw new WebhookDeliveryError(timedOut ? `no answer within ${request.timeoutMs} ms` : `request failed: ${String((error as Error).message ?? error)}`);
    }
    // The body is not needed; release the connection.
    response.resume();
    const status = response.statusCode ?? 0;
    if (status < 200 || status >= 300) throw new WebhookDeliveryError(`answered HTTP ${status}`);
    return { status };
  }

  /** Steps 1 and 2: the address to connect to, after checking the URL and every address its host resolves to. */
  private async checkedAddress(url: URL, rules: WebhookTargetRules, deadline: AbortSignal, timeoutMs: number): Promise<ResolvedAddress> {
    const problem = webhookUrlProblem(url.href, rules);
    if (problem) throw new WebhookTargetRefusedError(`webhook URL ${problem}`);
    const host = webhookHost(url);
    const literal = isIP(host);
    let addresses: readonly ResolvedAddress[];
    if (literal) addresses = [{ address: host, family: literal === 6 ? 6 : 4 }];
    else {
      try {
        addresses = await withDeadline(this.resolveHost(host), deadline);
      } catch (error) {
        if (deadline.aborted) throw new WebhookDeliveryError(`no answer within ${timeoutMs} ms (resolving ${host})`);
        throw new WebhookDeliveryError(`cannot resolve ${host}: ${String((error as Error).message ?? error)}`);
      }
    }
    const first = addresses[0];
    if (!first) throw new WebhookDeliveryError(`${host} resolves to no address`);
    if (!rules.allowPrivateTargets) {
      const refused = addresses.flatMap((entry) => {
        const range = nonPublicRange(entry.address);
        return range ? [`${entry.address} (${range})`] : [];
      });
      if (refused.length > 0) throw new WebhookTargetRefusedError(`webhook host ${host} resolves to a non-public address: ${refused.join(', ')}`);
    }
    return first;
  }
}

/** Step 3: the request goes to `target`, whatever the name would resolve to now. */
function send(url: URL, target: ResolvedAddress, request: WebhookRequest, signal: AbortSignal): Promise<IncomingMessage> {
  const pinnedLookup: LookupFunction = (_hostname, options, callback) => {
    if (options.all) callback(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  };
  const client = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const outgoing = client(
      url,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'Tollgate-Webhooks/1', 'content-length': String(Buffer.byteLength(request.body)), ...request.headers },
        lookup: pinnedLookup,
        signal,
      },
      resolve,
    );
    outgoing.on('error', reject);
    outgoing.end(request.body);
  });
}

function withDeadline<T>(work: Promise<T>, deadline: AbortSignal): Promise<T> {
  return new Promise((resolve, reject) => {
    const abort = () => reject(deadline.reason);
    if (deadline.aborted) return abort();
    deadline.addEventListener('abort', abort, { once: true });
    work.then(resolve, reject).finally(() => deadline.removeEventListener('abort', abort));
  });
}
