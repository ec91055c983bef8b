/**
 * A minimal keep-alive HTTP client for the benchmark and the simulator: node:http with a fixed number of sockets,
 * JSON in and out, and the time of each exchange from first byte sent to last byte read.
 */
import { Agent, request as httpRequest } from 'node:http';

/** How often a 503 answer is retried before the replay gives up on the request. */
const UNAVAILABLE_RETRIES = 3;

export interface HttpAnswer {
  readonly status: number;
  readonly text: string;
  readonly ms: number;
}

export interface SendOptions {
  readonly contentType?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export class HttpClient {
  private readonly agent: Agent;
  private readonly origin: URL;

  constructor(
    baseUrl: string,
    private readonly token: string | undefined,
    connections = 1,
  ) {
    this.origin = new URL(baseUrl);
    this.agent = new Agent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections });
  }

  async send(method: string, path: string, body?: string, options: SendOptions = {}): Promise<HttpAnswer> {
    try {
      return await this.exchange(method, path, body, options);
    } catch (error) {
      // The server closed an idle kept-alive socket just as this request went out on it (node's documented race):
      // the request never reached a handler, so it is sent again once, on a fresh socket.
      if ((error as { reusedSocketReset?: boolean }).reusedSocketReset) return this.exchange(method, path, body, options);
      throw error;
    }
  }

  private exchange(method: string, path: string, body: string | undefined, options: SendOptions): Promise<HttpAnswer> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string | number> = { ...options.headers };
      if (this.token) headers.authorization = `Bearer ${this.token}`;
      if (body !== undefined) {
        headers['content-type'] = options.contentType ?? 'application/json';
        headers['content-length'] = Buffer.byteLength(body);
      }
      const started = process.hrtime.bigint();
      const req = httpRequest(
        { agent: this.agent, hostname: this.origin.hostname, port: this.origin.port, method, path, headers },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () =>
            resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), ms: Number(process.hrtime.bigint() - started) / 1e6 }),
          );
          response.on('error', reject);
        },
      );
      req.on('error', (error: NodeJS.ErrnoException) => {
        reject(req.reusedSocket && error.code === 'ECONNRESET' ? Object.assign(error, { reusedSocketReset: true }) : error);
      });
      req.end(body);
    });
  }

  /** JSON request; throws unless the status is the expected one. */
  async json<T = Record<string, unknown>>(
    method: string,
    path: string,
    body: unknown,
    options: SendOptions & { readonly expected?: readonly number[] } = {},
  ): Promise<T> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    let answer = await this.send(method, path, payload, options);
    // A switch retries a report the API could not take (503: the database did not answer in time, as happens on a
    // shared machine under load); every report (interim, completed, auth failure) is idempotent.
    for (let retry = 1; answer.status === 503 && retry <= UNAVAILABLE_RETRIES; retry += 1) {
      await new Promise((resolve) => setTimeout(resolve, 250 * retry));
      answer = await this.send(method, path, payload, options);
    }
    const allowed = options.expected ?? [200, 201];
    if (!allowed.includes(answer.status)) throw new Error(`${method} ${path} answered ${answer.status}: ${answer.text.slice(0, 500)}`);
    return (answer.text ? JSON.parse(answer.text) : undefined) as T;
  }

  close(): void {
    this.agent.destroy();
  }
}
