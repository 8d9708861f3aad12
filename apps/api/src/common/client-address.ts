import type { IncomingMessage } from 'node:http';
import proxyaddr from 'proxy-addr';

/** Whether the hop at `index` (0 = the peer of the socket) with `address` is a proxy whose X-Forwarded-For is believed. */
export type TrustProxy = (address: string, index: number) => boolean;

/**
 * TRUST_PROXY as a trust function: empty trusts nobody (the socket's peer is the client); a number trusts that
 * many hops; otherwise addresses, CIDR ranges or the names `loopback`, `linklocal`, `uniquelocal`, comma-separated.
 * Express gets the same function (`trust proxy`), so HTTP routes and socket handshakes agree on who the client is.
 */
export function trustProxy(value: string): TrustProxy {
  const setting = value.trim();
  if (setting === '') return () => false;
  if (/^\d+$/.test(setting)) {
    const hops = Number(setting);
    return (_address, index) => index < hops;
  }
  return proxyaddr.compile(setting.split(',').map((entry) => entry.trim()));
}

/** The client's address for a raw request (a socket.io handshake), as `request.ip` is for a route. */
export function clientAddress(request: IncomingMessage, trust: TrustProxy): string {
  if (!request.socket.remoteAddress) return 'unknown';
  return proxyaddr(request, trust);
}
