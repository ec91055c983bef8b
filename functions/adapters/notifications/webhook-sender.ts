/**
 * POSTs a signed webhook. Anything but a 2xx within the timeout is a failure the caller retries; redirects are not
 * followed (the signature is for the URL the customer configured, and following could lead anywhere).
 */
export interface WebhookRequest {
  readonly url: string;
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
}

export class WebhookDeliveryError extends Error {}

export class WebhookSender {
  async post(request: WebhookRequest): Promise<{ status: number }> {
    let response: Response;
    try {
      response = await fetch(request.url, {
        method: 'POST',
        body: request.body,
        headers: { 'content-type': 'application/json', 'user-agent': 'Tollgate-Webhooks/1', ...request.headers },
        redirect: 'manual',
        signal: AbortSignal.timeout(request.timeoutMs),
      });
    } catch (error) {
      const timedOut = (error as { name?: string }).name === 'TimeoutError';
      throw new WebhookDeliveryError(timedOut ? `no answer within ${request.timeoutMs} ms` : `request failed: ${String((error as Error).message ?? error)}`);
    }
    // The body is not needed; release the connection.
    await response.body?.cancel().catch(() => undefined);
    if (response.status < 200 || response.status >= 300) throw new WebhookDeliveryError(`answered HTTP ${response.status}`);
    return { status: response.status };
  }
}
