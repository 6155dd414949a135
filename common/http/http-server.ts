import type { Server } from 'node:http';
import type { Express } from 'express';

/** Starts an express app on host:port; resolves once it listens, with a clean close(). */
export function listen(
  app: Express,
  port: number,
  host: string,
): Promise<{ server: Server; close: () => Promise<void>; port: number }> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host);
    server.once('error', reject);
    server.once('listening', () => {
      const addr = server.address();
      const bound = typeof addr === 'object' && addr ? addr.port : port;
      resolve({
        server,
        port: bound,
        close: () =>
          new Promise<void>((res) => {
            server.close(() => res());
            server.closeAllConnections();
          }),
      });
    });
  });
}
