/**
 * A TCP proxy in front of the run's shared DynamoDB Local that a test can freeze (connections stay open and
 * nothing moves, as with a database that stops answering: SIGSTOP), thaw (everything held moves on, late) or kill
 * (connections reset and new ones refused). The shared database itself is never touched, so other test files go on.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface FreezableProxy {
  readonly endpoint: string;
  freeze(): void;
  thaw(): void;
  kill(): void;
  revive(): void;
  close(): Promise<void>;
}

export async function startFreezableProxy(target: string): Promise<FreezableProxy> {
  const { hostname, port } = new URL(target);
  const pairs = new Set<[Socket, Socket]>();
  /**
   * Bytes read while frozen, delivered in order on thaw; a request whose client gave up meanwhile is still delivered
   * (as a stopped database finds it in its socket buffer when it resumes), then its connection is closed.
   */
  const held: Array<{ to: Socket; chunk?: Buffer }> = [];
  let frozen = false;
  let dead = false;
  const forward = (from: Socket, to: Socket) =>
    from.on('data', (chunk: Buffer) => {
      if (frozen || held.length > 0) held.push({ to, chunk });
      else if (!to.destroyed) to.write(chunk);
    });
  const server: Server = createServer((client) => {
    if (dead) return client.destroy();
    const upstream = connect(Number(port), hostname);
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    forward(client, upstream);
    forward(upstream, client);
    const forget = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    const clientGone = () => {
      if (!frozen) return forget();
      pairs.delete(pair);
      held.push({ to: upstream });
    };
    client.on('error', clientGone).on('close', clientGone);
    upstream.on('error', forget).on('close', forget);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const listening = typeof address === 'object' && address ? address.port : 0;
  const eachSocket = (action: (socket: Socket) => void) => {
    for (const pair of pairs) for (const socket of pair) action(socket);
  };
  return {
    endpoint: `http://127.0.0.1:${listening}`,
    freeze() {
      frozen = true;
    },
    thaw() {
      frozen = false;
      for (const { to, chunk } of held.splice(0)) {
        if (to.destroyed) continue;
        if (chunk) to.write(chunk);
        else to.end();
      }
    },
    kill() {
      dead = true;
      eachSocket((socket) => socket.destroy());
    },
    revive() {
      dead = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        eachSocket((socket) => socket.destroy());
        server.close(() => resolve());
      }),
  };
}
