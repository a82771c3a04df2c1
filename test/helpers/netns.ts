/**
 * A test LAN built from network namespaces: one namespace holds a bridge ("the switch"), each
 * host is its own namespace joined to the bridge by a veth pair whose host end is `eth0`.
 * Addresses are a private /24 that exists only inside these namespaces; no default route.
 *
 *   const lan = await createLan({ subnet: '10.77.0', hosts: { srv: 1, cli: null } });
 *   await lan.run('srv', ['ip', 'addr']);              // runs to completion, returns stdout
 *   const p = lan.spawn('cli', ['busybox', 'udhcpc', …]); // tracked, killed by PID on destroy
 *   await lan.addTap('tap0');                           // a tap on the bridge, for QEMU…
 *   const vm = lan.spawnOnSwitch(['qemu-system-x86_64', …]); // …which runs where the tap is, tracked too
 *   await lan.destroy();                               // kills tracked PIDs, deletes the namespaces
 *
 * Needs root (or CAP_NET_ADMIN) and iproute2; `netnsUnavailable()` says why not, for test skips.
 */
import { execa, type ResultPromise } from 'execa';

export interface LanHost {
  ns: string;
  /** `<subnet>.<n>` when the host has a static address, else null (a DHCP client). */
  ip: string | null;
}

export interface Lan {
  /** The namespace holding the bridge `br0` (and taps). */
  switchNs: string;
  hosts: Record<string, LanHost>;
  /** Runs a command in a host's namespace; rejects on a non-zero exit. Returns stdout. */
  run(host: string, argv: string[], opts?: { timeoutMs?: number }): Promise<string>;
  /** Starts a long-running command in a host's namespace; destroy() kills it by PID. */
  spawn(host: string, argv: string[]): ResultPromise<{ reject: false; all: true }>;
  /** Adds a tap device on the bridge; QEMU using it must run in `switchNs` (spawnOnSwitch). */
  addTap(name: string): Promise<void>;
  /** Like spawn, in the switch namespace (where the taps are). */
  spawnOnSwitch(argv: string[]): ResultPromise<{ reject: false; all: true }>;
  destroy(): Promise<void>;
}

/** Null when namespaces can be created here, else the reason (for `{ skip }`). */
export async function netnsUnavailable(): Promise<string | null> {
  if (process.getuid?.() !== 0) return 'network namespaces need root (CAP_NET_ADMIN)';
  const probe = `mt${process.pid}probe`;
  try {
    await execa('ip', ['netns', 'add', probe]);
    await execa('ip', ['netns', 'del', probe]);
    return null;
  } catch (err) {
    return `cannot create a network namespace (iproute2 missing or no privilege): ${(err as Error).message.split('\n')[0]}`;
  }
}

let lanSeq = 0;

/**
 * Routes of a host with a static address: `broadcast` (the default) adds a route for
 * 255.255.255.255 out of eth0 beside the connected /24 (peers that send limited broadcasts from a
 * wildcard socket need it; muster does not, see src/boot/dhcp/broadcast.ts); `connected`
 * keeps only the kernel's connected /24 (a boot LAN without a default route); `none` flushes the
 * main table, so not even the /24 is routed (only the kernel's local table remains).
 */
export type LanRoutes = 'broadcast' | 'connected' | 'none';

/**
 * Builds the LAN. `hosts` maps a short host name (≤ 8 chars) to the last octet of its static
 * address in `subnet` (three octets, e.g. '10.77.0'), or null for an unconfigured client.
 */
export async function createLan(opts: { subnet: string; hosts: Record<string, number | null>; routes?: LanRoutes }): Promise<Lan> {
  const id = `m${process.pid}x${lanSeq++}`;
  const switchNs = `${id}-lan`;
  const hosts: Record<string, LanHost> = {};
  const created: string[] = [];
  const children: ResultPromise<{ reject: false; all: true }>[] = [];
  const ip = (...args: string[]) => execa('ip', args);

  const destroy = async (): Promise<void> => {
    for (const c of children) {
      if (c.pid === undefined || c.exitCode !== null) continue;
      try {
        process.kill(c.pid, 'SIGKILL');
      } catch {
        // already gone: it exited between the check and the kill
      }
    }
    await Promise.all(children.map((c) => c.catch(() => undefined)));
    for (const ns of created.reverse()) await ip('netns', 'del', ns).catch(() => undefined);
  };

  try {
    await ip('netns', 'add', switchNs);
    created.push(switchNs);
    await ip('-n', switchNs, 'link', 'add', 'name', 'br0', 'type', 'bridge');
    await ip('-n', switchNs, 'link', 'set', 'br0', 'up');
    for (const [name, octet] of Object.entries(opts.hosts)) {
      const ns = `${id}-${name}`;
      await ip('netns', 'add', ns);
      created.push(ns);
      await ip('-n', switchNs, 'link', 'add', 'name', `v-${name}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
      await ip('-n', switchNs, 'link', 'set', `v-${name}`, 'master', 'br0', 'up');
      await ip('-n', ns, 'link', 'set', 'lo', 'up');
      await ip('-n', ns, 'link', 'set', 'eth0', 'up');
      const addr = octet === null ? null : `${opts.subnet}.${octet}`;
      if (addr) {
        await ip('-n', ns, 'addr', 'add', `${addr}/24`, 'brd', '+', 'dev', 'eth0');
        const routes = opts.routes ?? 'broadcast';
        if (routes === 'broadcast') await ip('-n', ns, 'route', 'add', '255.255.255.255/32', 'dev', 'eth0');
        if (routes === 'none') await ip('-n', ns, 'route', 'flush', 'table', 'main');
      }
      hosts[name] = { ns, ip: addr };
    }
  } catch (err) {
    await destroy();
    throw err;
  }

  const nsOf = (host: string): string => {
    const h = hosts[host];
    if (!h) throw new Error(`no host '${host}' on this LAN (have: ${Object.keys(hosts).join(', ')})`);
    return h.ns;
  };

  // `ip netns exec` execs the command, so the child's PID is the command's own: kill by PID works.
  const spawnIn = (ns: string, argv: string[]) => {
    const child = execa('ip', ['netns', 'exec', ns, ...argv], { reject: false, all: true });
    children.push(child);
    return child;
  };

  return {
    switchNs,
    hosts,
    async run(host, argv, o = {}) {
      const r = await execa('ip', ['netns', 'exec', nsOf(host), ...argv], { timeout: o.timeoutMs ?? 30_000 });
      return r.stdout;
    },
    spawn: (host, argv) => spawnIn(nsOf(host), argv),
    spawnOnSwitch: (argv) => spawnIn(switchNs, argv),
    async addTap(name) {
      await ip('-n', switchNs, 'tuntap', 'add', 'dev', name, 'mode', 'tap');
      await ip('-n', switchNs, 'link', 'set', name, 'master', 'br0', 'up');
    },
    destroy,
  };
}
