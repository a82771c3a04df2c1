/**
 * Replies to clients without an address go to 255.255.255.255 (RFC 2131 §4.1 without ARP
 * injection). Node's dgram has no SO_BINDTODEVICE, and a wildcard socket needs a route for
 * 255.255.255.255 (a default route will do): on a boot LAN without one every such send fails
 * with ENETUNREACH. Linux routes a limited broadcast out of the interface that owns the socket's
 * source address even when the routing table is empty (ip_route_output_key: "user can direct
 * multicasts and limited broadcast via necessary interface"), so these replies leave from a
 * socket bound to the server's own address — which also makes them leave by the boot NIC on a
 * master with several. Measured in namespaces with only the connected /24, and with the main
 * table flushed: bound socket → delivered; wildcard socket → ENETUNREACH.
 *
 * The socket is connected to 255.255.255.255:<client port>, so it never receives anything (a
 * connected UDP socket only takes its peer's datagrams) and cannot take unicast meant for another
 * DHCP server sharing the port, such as the site's dnsmasq beside muster in proxy mode.
 */
import { createSocket, type Socket } from 'node:dgram';
import { LIMITED_BROADCAST } from './reply.js';

export interface BroadcastSender {
  send(packet: Buffer, done: (err: Error | null) => void): void;
  close(): Promise<void>;
}

export type BroadcastSetup =
  /** Bound to the server address: works without any route. */
  | { ok: true; sender: BroadcastSender }
  /** Not bound (`why`); `routed` says whether the wildcard socket has a route to broadcast by. */
  | { ok: false; why: string; routed: boolean };

const errCode = (err: unknown) => (err as NodeJS.ErrnoException).code ?? (err as Error).message;

/** A UDP socket bound to host:port, broadcast enabled and connected to 255.255.255.255:peerPort. */
function connectedBroadcastSocket(host: string, port: number, peerPort: number): Promise<Socket> {
  const sock = createSocket({ type: 'udp4', reuseAddr: true });
  return new Promise((resolve, reject) => {
    const fail = (err: Error) => {
      sock.close();
      reject(err);
    };
    sock.once('error', fail);
    sock.bind(port, host, () => {
      sock.setBroadcast(true);
      // A failed connect (no route) is passed to this callback, not emitted.
      sock.connect(peerPort, LIMITED_BROADCAST, (err?: Error) => {
        sock.removeListener('error', fail);
        if (err) fail(err);
        else resolve(sock);
      });
    });
  });
}

/**
 * Opens the broadcast sender from `serverAddress`:`port`, or says why it cannot and whether
 * a wildcard socket on `host` could broadcast instead (probed with connect(), which looks up
 * the route without sending anything).
 */
export async function openBroadcastSender(o: { serverAddress: string; host: string; port: number; clientPort: number }): Promise<BroadcastSetup> {
  let why: string;
  try {
    const sock = await connectedBroadcastSocket(o.serverAddress, o.port, o.clientPort);
    sock.on('error', () => undefined); // send errors reach each send's callback
    return {
      ok: true,
      sender: {
        send: (packet, done) => sock.send(packet, (err) => done(err ?? null)),
        close: () => new Promise<void>((r) => sock.close(() => r())),
      },
    };
  } catch (err) {
    why = `binding ${o.serverAddress}:${o.port} failed with ${errCode(err)}`;
  }
  try {
    const probe = await connectedBroadcastSocket(o.host, 0, o.clientPort);
    probe.close();
    return { ok: false, why, routed: true };
  } catch {
    return { ok: false, why, routed: false };
  }
}

/** The one start-up warning for a sender that could not be bound, or null when there is nothing to say. */
export function broadcastWarning(setup: BroadcastSetup): string | null {
  if (setup.ok) return null;
  const fix = `set 'dhcp server address' to this host's address on the boot LAN (muster then needs no route)`;
  if (setup.routed) {
    return `DHCP: ${setup.why}, so replies to clients without an address follow the route to 255.255.255.255 and may leave by another NIC; ${fix}`;
  }
  return (
    `DHCP: replies to clients without an address cannot be sent: ${setup.why} and there is no route to 255.255.255.255 ` +
    `(a boot LAN without a default route); ${fix}, or add one: ip route add 255.255.255.255 dev <boot NIC>. Relayed clients are not affected`
  );
}
