import { readFile } from 'node:fs/promises';
import { tryParseMac } from '../nodes/index.js';
import { plainAddress } from './env.js';

/**
 * The MAC of a directly connected IPv4 peer from the kernel's ARP table — Perceus's fallback
 * when a request carries no `nodeid=`. Null when there is no complete entry.
 */
export async function arpLookup(ip: string | null, table = '/proc/net/arp'): Promise<string | null> {
  const addr = plainAddress(ip);
  if (!addr) return null;
  const text = await readFile(table, 'utf8').catch(() => '');
  for (const line of text.split('\n').slice(1)) {
    const [entryIp, , flags, hw] = line.trim().split(/\s+/);
    // flags 0x2 = ATF_COM: the entry is complete
    if (entryIp === addr && flags !== undefined && (Number.parseInt(flags, 16) & 0x2) !== 0 && hw) return tryParseMac(hw);
  }
  return null;
}
