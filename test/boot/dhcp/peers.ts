/**
 * Real DHCP peers for the tests and the bench, run inside a test LAN (test/helpers/netns.ts):
 * dnsmasq as a reference server, busybox udhcpc posing as PXE firmware or iPXE, dhclient, and a
 * tap that records what crosses a UDP port.
 */
import { chmod, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import type { Lan } from '../../helpers/netns.js';

/** Firmware poses for udhcpc: the options real ROMs send (../shared/reference/real-peers.md). */
export const POSES = {
  bios: ['-V', 'PXEClient:Arch:00000:UNDI:002001', '-x', '0x5d:0000', '-x', '0x5e:010201'],
  uefi: ['-V', 'PXEClient:Arch:00007:UNDI:003000', '-x', '0x5d:0007', '-x', '0x5e:010300'],
  // iPXE: user class as the bare string "iPXE" plus its option 175 (sub-option 19 = HTTP support).
  ipxe: ['-V', 'PXEClient:Arch:00000:UNDI:002001', '-x', '0x4d:69505845', '-x', '0xaf:130101'],
  plain: [],
} as const;
export type Pose = keyof typeof POSES;

/** Which Debian package provides each tool, for skip messages. */
const TOOLS: Record<string, string> = { busybox: 'busybox', dhclient: 'isc-dhcp-client', dnsmasq: 'dnsmasq-base', perfdhcp: 'kea-admin' };

export async function missingTools(...names: (keyof typeof TOOLS)[]): Promise<string | null> {
  for (const n of names) {
    const found = await execa('sh', ['-c', `command -v ${n}`], { reject: false });
    if (found.exitCode !== 0) return `${n} is not installed (Debian package ${TOOLS[n]})`;
  }
  return null;
}

export interface ClientResult {
  ip: string | null;
  siaddr: string | null;
  bootfile: string | null;
  serverId: string | null;
}

/** A udhcpc/dhclient hook script that appends the env it got to `out` as one JSON line. */
async function reportScript(dir: string, out: string, vars: Record<string, string>): Promise<string> {
  const path = join(dir, 'report.sh');
  const fields = Object.entries(vars)
    .map(([k, v]) => `\\"${k}\\":\\"$${v}\\"`)
    .join(',');
  await writeFile(path, `#!/bin/sh\necho "{\\"event\\":\\"$1$reason\\",${fields}}" >> ${out}\n`);
  await chmod(path, 0o755);
  return path;
}

function lastBound(text: string, bound: string[]): Record<string, string> | null {
  const lines = text
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, string>);
  return lines.filter((l) => bound.includes(l.event!)).at(-1) ?? null;
}

const orNull = (s: string | undefined) => (s ? s : null);

/** Runs udhcpc once (`-q`: exit after a lease) in a host's namespace and reports what it got. */
export async function udhcpc(lan: Lan, host: string, pose: Pose, extra: string[] = []): Promise<ClientResult> {
  const dir = await mkdtemp(join(tmpdir(), 'muster-udhcpc-'));
  const out = join(dir, 'out.jsonl');
  await writeFile(out, '');
  const script = await reportScript(dir, out, { ip: 'ip', siaddr: 'siaddr', boot_file: 'boot_file', bootfile: 'bootfile', serverid: 'serverid' });
  await lan
    .run(host, ['busybox', 'udhcpc', '-i', 'eth0', '-f', '-q', '-n', '-t', '4', '-T', '1', '-O', '67', '-s', script, ...POSES[pose], ...extra], {
      timeoutMs: 20_000,
    })
    .catch(() => undefined);
  const got = lastBound(await readFile(out, 'utf8'), ['bound', 'renew']);
  return {
    ip: orNull(got?.ip),
    siaddr: orNull(got?.siaddr),
    bootfile: orNull(got?.bootfile) ?? orNull(got?.boot_file),
    serverId: orNull(got?.serverid),
  };
}

/** Runs dhclient once (`-1`) with a config that asks for next-server and the boot file name. */
export async function dhclient(lan: Lan, host: string, conf: string[] = []): Promise<ClientResult> {
  const dir = await mkdtemp(join(tmpdir(), 'muster-dhclient-'));
  const out = join(dir, 'out.jsonl');
  await writeFile(out, '');
  const script = await reportScript(dir, out, {
    ip: 'new_ip_address',
    bootfile: 'new_filename',
    serverid: 'new_dhcp_server_identifier',
    next: 'new_next_server',
  });
  await writeFile(join(dir, 'dhclient.conf'), ['request subnet-mask, routers, domain-name-servers, bootfile-name;', ...conf].join('\n') + '\n');
  await lan
    .run(host, ['dhclient', '-1', '-d', '-v', '-cf', join(dir, 'dhclient.conf'), '-sf', script, '-lf', join(dir, 'leases'), '-pf', join(dir, 'pid'), 'eth0'], {
      timeoutMs: 30_000,
    })
    .catch(() => undefined);
  const got = lastBound(await readFile(out, 'utf8'), ['BOUND', 'RENEW', 'REBOOT']);
  return { ip: orNull(got?.ip), siaddr: null, bootfile: orNull(got?.bootfile), serverId: orNull(got?.serverid) };
}

/**
 * dnsmasq as a plain DHCP server (no DNS) on the host's LAN, optionally with a boot file.
 * Returns the child wrapped: a bare execa child is a thenable and awaiting it waits for exit.
 */
export async function startDnsmasq(lan: Lan, host: string, range: string, extra: string[] = []) {
  const dir = await mkdtemp(join(tmpdir(), 'muster-dnsmasq-'));
  const child = lan.spawn(host, [
    'dnsmasq',
    '--no-daemon',
    '--port=0',
    '--user=root',
    '--no-resolv',
    '--no-hosts',
    '--no-ping',
    // bind-interfaces makes dnsmasq set SO_REUSEADDR on port 67, so muster (proxy) and the
    // recorder can share the port; without it dnsmasq holds 67 alone.
    '--bind-interfaces',
    '--interface=eth0',
    `--dhcp-leasefile=${join(dir, 'leases')}`,
    `--pid-file=${join(dir, 'pid')}`,
    `--dhcp-range=${range}`,
    ...extra,
  ]);
  // Its start-up log names the DHCP range once its sockets are bound: ready from then on.
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`dnsmasq did not start within 10 s: ${out}`)), 10_000);
    child.all?.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('DHCP, IP range')) {
        clearTimeout(timer);
        resolve();
      }
    });
    void child.then(() => reject(new Error(`dnsmasq exited at start: ${out}`)));
  });
  return { child };
}

/**
 * Records every UDP datagram arriving on `port` in a host's namespace (a wildcard socket with
 * SO_REUSEADDR, so it sits beside a server on the same port). `packets()` returns them as hex.
 */
export function startRecorder(lan: Lan, host: string, port: number) {
  const src = `const s=require('dgram').createSocket({type:'udp4',reuseAddr:true});
s.on('message',(m)=>process.stdout.write(m.toString('hex')+'\\n'));s.bind(${port},'0.0.0.0',()=>process.stdout.write('ready\\n'));`;
  const child = lan.spawn(host, [process.execPath, '-e', src]);
  const lines: string[] = [];
  child.stdout!.setEncoding('utf8');
  let partial = '';
  const ready = new Promise<void>((resolve) =>
    child.stdout!.on('data', (chunk: string) => {
      partial += chunk;
      const parts = partial.split('\n');
      partial = parts.pop()!;
      for (const l of parts) l === 'ready' ? resolve() : lines.push(l);
    }),
  );
  return { ready, packets: () => [...lines], stop: () => child.kill('SIGKILL') };
}

/** Reads a child's stdout as lines; `next()` resolves with the next line (or rejects on timeout). */
function lineReader(stream: NodeJS.ReadableStream) {
  const queued: string[] = [];
  const waiting: ((l: string) => void)[] = [];
  let partial = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    partial += chunk;
    const parts = partial.split('\n');
    partial = parts.pop()!;
    for (const l of parts) (waiting.shift() ?? ((x: string) => queued.push(x)))(l);
  });
  return (timeoutMs: number) =>
    new Promise<string>((resolve, reject) => {
      const l = queued.shift();
      if (l !== undefined) return resolve(l);
      const timer = setTimeout(() => reject(new Error(`no output within ${timeoutMs} ms`)), timeoutMs);
      waiting.push((x) => {
        clearTimeout(timer);
        resolve(x);
      });
    });
}

/**
 * Starts muster's DHCP server (serve.ts) in a host's namespace on a PGlite statedir. Stopping
 * and starting again on the same statedir is a daemon restart.
 */
export async function startMuster(lan: Lan, host: string, opts: Record<string, unknown>) {
  const child = lan.spawn(host, [process.execPath, '--import', 'tsx', join(import.meta.dirname, 'serve.ts'), JSON.stringify(opts)]);
  const next = lineReader(child.stdout!);
  const first = await next(30_000).catch(async (err: Error) => {
    child.kill('SIGKILL');
    throw new Error(`muster DHCP did not start: ${err.message}\n${(await child).all}`);
  });
  if (first !== 'ready') throw new Error(`muster DHCP said '${first}' instead of ready`);
  return {
    async report(): Promise<{ stats: Record<string, number>; seenServers: { server: string; offers: number; leasesAddresses: boolean }[] }> {
      child.stdin!.write('stats\n');
      return JSON.parse(await next(5_000));
    },
    async stop(): Promise<string> {
      child.kill('SIGTERM');
      return (await child).all ?? '';
    },
  };
}
