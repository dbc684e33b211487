// A TCP proxy in front of a chat node that a test can cut, as a network failure would: every connection through it
// ends at once, without a WebSocket close frame (the client sees 1006), and while it refuses, new ones end as they
// open.

import net from "node:net";

/**
 * @param {string} target the node's http:// address
 * @returns {Promise<{ url: string, cut(): void, refuse(refusing: boolean): void, close(): Promise<void> }>}
 */
export async function startProxy(target) {
  const { hostname, port } = new URL(target);
  /** @type {Set<net.Socket>} */
  const sockets = new Set();
  let refusing = false;
  const server = net.createServer((client) => {
    if (refusing) {
      client.destroy();
      return;
    }
    const upstream = net.connect(Number(port), hostname);
    sockets.add(client);
    sockets.add(upstream);
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    for (const socket of [client, upstream]) {
      socket.on("error", end);
      socket.on("close", end);
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = /** @type {net.AddressInfo} */ (server.address());
  return {
    url: `http://127.0.0.1:${address.port}`,
    cut() {
      for (const socket of sockets) socket.destroy();
      sockets.clear();
    },
    refuse(value) {
      refusing = value;
    },
    close() {
      this.cut();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
