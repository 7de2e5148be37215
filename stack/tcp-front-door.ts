import net from 'node:net';
import { freePort } from './ports.js';

/**
 * One address in front of several Temporal frontends, as a production cluster has a load balancer
 * in front of its nodes: each client connection goes to the next frontend that accepts it, and
 * when a node dies its connections close, the clients reconnect and land on a live one. Plain TCP
 * (gRPC over HTTP/2 passes through untouched); for the tests and `npm run temporal:cluster`.
 */
export interface FrontDoor {
  address: string;
  close(): Promise<void>;
}

function connectFirst(upstreams: string[], start: number, index = 0): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const target = upstreams[(start + index) % upstreams.length] ?? '';
    const [host, port] = [target.slice(0, target.lastIndexOf(':')), Number(target.split(':').pop())];
    const socket = net.connect({ host, port });
    socket.once('connect', () => {
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', (error) => {
      socket.destroy();
      if (index + 1 >= upstreams.length) reject(error);
      else connectFirst(upstreams, start, index + 1).then(resolve, reject);
    });
  });
}

/** `port` 0 (the default) takes a free one. */
export async function startFrontDoor(upstreams: string[], port = 0): Promise<FrontDoor> {
  const listenOn = port || (await freePort());
  const open = new Set<net.Socket>();
  let next = 0;
  const server = net.createServer((client) => {
    open.add(client);
    client.once('close', () => open.delete(client));
    client.on('error', () => client.destroy());
    client.pause();
    const start = next++ % upstreams.length;
    connectFirst(upstreams, start).then(
      (upstream) => {
        open.add(upstream);
        upstream.once('close', () => {
          open.delete(upstream);
          client.destroy();
        });
        upstream.on('error', () => upstream.destroy());
        client.once('close', () => upstream.destroy());
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
      },
      () => client.destroy(), // no frontend up: the client retries, as it would against a dead LB target
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listenOn, '127.0.0.1', () => resolve());
  });
  return {
    address: `127.0.0.1:${listenOn}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
