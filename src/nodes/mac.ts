import { MusterError } from '../errors.js';
import { printable } from '../text.js';

/**
 * Parses a MAC address in any common spelling and returns it canonical: lower-case,
 * colon-separated (`aa:bb:cc:dd:ee:ff`). Accepts `aa:bb:..`, `AA-BB-..`, `aabb.ccdd.eeff`,
 * bare hex, the pxelinux/Perceus `01-aa-..` / `01:aa:..` form, and `%3A` (URL-encoded colons).
 */
export function parseMac(input: string): string {
  const mac = spelledMac(input);
  if (mac === null) {
    throw new MusterError(
      'MAC_INVALID',
      `'${printable(input)}' is not a MAC address; write it as aa:bb:cc:dd:ee:ff (also accepted: AA-BB-CC-DD-EE-FF, aabb.ccdd.eeff, aabbccddeeff, 01-aa-bb-cc-dd-ee-ff)`,
    );
  }
  const why = notANic(mac);
  if (why) throw new MusterError('MAC_INVALID', `${macNodeId(mac)} cannot be a NodeID: it is ${why}`);
  return mac;
}

/** parseMac without the error: null for anything parseMac refuses. */
export function tryParseMac(input: string): string | null {
  const mac = spelledMac(input);
  return mac === null || notANic(mac) ? null : mac;
}

/**
 * Why a well-formed MAC is never a network card's own address (and so never a NodeID): the
 * broadcast address, all zeros (an unset address), or a group address (I/G bit, the lowest bit
 * of the first octet, set: multicast). A node with such an id would collide with every other.
 */
function notANic(mac: string): string | null {
  if (mac === 'ff:ff:ff:ff:ff:ff') return 'the broadcast address';
  if (mac === '00:00:00:00:00:00') return 'all zeros (an unset address)';
  if ((Number.parseInt(mac.slice(0, 2), 16) & 1) === 1) return 'a multicast (group) address: the lowest bit of its first octet is set';
  return null;
}

/** The canonical spelling of a MAC in any accepted form, or null. */
function spelledMac(input: string): string | null {
  let s = input.trim().replace(/%3a/gi, ':');
  if (s.length > 40) return null;
  let groups: string[] | null = null;
  if (/^[0-9a-f]{12}$/i.test(s)) {
    groups = s.match(/../g);
  } else if (/^[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4}$/i.test(s)) {
    groups = s.replace(/\./g, '').match(/../g);
  } else {
    // pxelinux / Perceus ARP-type prefix: 01-aa-bb-... or 01:aa:bb:...
    if (/^01[:-]([0-9a-f]{2}[:-]){5}[0-9a-f]{2}$/i.test(s)) s = s.slice(3);
    const m = /^([0-9a-f]{1,2})([:-])([0-9a-f]{1,2})\2([0-9a-f]{1,2})\2([0-9a-f]{1,2})\2([0-9a-f]{1,2})\2([0-9a-f]{1,2})$/i.exec(s);
    if (m) groups = [m[1]!, m[3]!, m[4]!, m[5]!, m[6]!, m[7]!].map((g) => g.padStart(2, '0'));
  }
  if (groups?.length !== 6) return null;
  return groups.join(':').toLowerCase();
}

/** `aa-bb-cc-dd-ee-ff`: iPXE's ${net0/mac:hexhyp}, pxelinux file names. */
export function macHexhyp(mac: string): string {
  return mac.replace(/:/g, '-');
}

/** The Perceus NodeID spelling: upper-case, colon-separated. */
export function macNodeId(mac: string): string {
  return mac.toUpperCase();
}
