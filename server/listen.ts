import type { Server } from 'node:http';
import type express from 'express';

export interface Listening {
  server: Server;
  port: number;
  close(): Promise<void>;
}

/** Listens and resolves once bound; `close` also ends idle keep-alive sockets so shutdown is prompt. */
export function listen(app: express.Express, port: number, host = '0.0.0.0'): Promise<Listening> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host);
    server.once('error', reject);
    server.once('listening', () => {
      const address = server.address();
      resolve({
        server,
        port: typeof address === 'object' && address ? address.port : port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
