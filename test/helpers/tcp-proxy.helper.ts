import net from 'node:net';

/**
 * A loopback TCP proxy in front of a real store, to play its outages without touching the store:
 * `closed` refuses connections (the store is not started: ECONNREFUSED), `stalled` accepts them
 * and passes nothing either way (the store is SIGSTOPped), `open` forwards.
 */
export type ProxyMode = 'closed' | 'stalled' | 'open';

export async function startTcpProxy(target: { host: string; port: number }, mode: ProxyMode) {
  const port = await freePort();
  const sockets = new Set<net.Socket>();
  let current: ProxyMode = 'closed';
  let server: net.Server | undefined;

  const onConnection = (client: net.Socket) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => undefined);
    if (current === 'stalled') {
      client.pause();
      return;
    }
    const upstream = net.connect(target.port, target.host);
    sockets.add(upstream);
    upstream.on('close', () => (sockets.delete(upstream), client.destroy()));
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  };

  async function set(next: ProxyMode): Promise<void> {
    if (next === current) return;
    if (next === 'closed' || current === 'closed') for (const s of sockets) s.destroy();
    if (next === 'stalled')
      for (const s of sockets) {
        s.unpipe(); // held, unanswered
        s.pause();
      }
    if (next === 'closed' && server) {
      const s = server;
      server = undefined;
      await new Promise<void>((r) => s.close(() => r()));
    } else if (next !== 'closed' && !server) {
      server = net.createServer(onConnection);
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject);
        server!.listen(port, '127.0.0.1', () => resolve());
      });
    }
    if (next === 'open' && current === 'stalled') for (const s of sockets) s.destroy();
    current = next;
  }

  await set(mode);
  return {
    port,
    url: `127.0.0.1:${port}`,
    set,
    mode: () => current,
    close: () => set('closed'),
  };
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}
