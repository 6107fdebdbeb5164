// A loopback TCP proxy in front of a registry. Stopping it cuts every open connection and
// refuses new ones: to a client, the registry went down mid-request. (Verdaccio itself is not
// crash-consistent under SIGKILL: a kill between writing a tarball and its metadata leaves a
// version that can be neither read nor published again, which no client could repair.)

import net from 'node:net';

export interface Proxy {
  port: number;
  url: string;
  stop(): Promise<void>;
}

export function startProxy(targetPort: number, listenPort = 0): Promise<Proxy> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => socket.destroy());
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(listenPort, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      resolve({
        port,
        url: `http://127.0.0.1:${port}/`,
        stop: () =>
          new Promise<void>((done) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}
