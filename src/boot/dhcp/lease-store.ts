/**
 * Leases in the database (migration 000004_dhcp.sql). One row per MAC keeps its address after
 * expiry or release; the UNIQUE ip constraint settles races between servers on one database.
 */
import { sqlState, UNIQUE_VIOLATION, type Db, type Queryable } from '../../db/index.js';
import type { ClientView, Holder, Lease } from './lease-plan.js';
import { intToIp, ipToInt } from './ipv4.js';
import { poolSegment, type Subnet } from './settings.js';

interface LeaseRow {
  mac: string;
  ip: string;
  state: Lease['state'];
  expires_at: Date;
}

const LEASE_COLUMNS = `mac::text AS mac, host(ip) AS ip, state, expires_at`;

function toLease(r: LeaseRow): Lease {
  return { mac: r.mac, ip: r.ip, state: r.state, expiresAt: new Date(r.expires_at) };
}

export async function getLease(db: Queryable, mac: string): Promise<Lease | null> {
  const { rows } = await db.query<LeaseRow>(`SELECT ${LEASE_COLUMNS} FROM dhcp_leases WHERE mac = $1::macaddr`, [mac]);
  return rows[0] ? toLease(rows[0]) : null;
}

export async function listLeases(db: Queryable): Promise<Lease[]> {
  const { rows } = await db.query<LeaseRow>(`SELECT ${LEASE_COLUMNS} FROM dhcp_leases ORDER BY ip`);
  return rows.map(toLease);
}

interface ClientRow {
  kind: 'node' | 'lease' | 'holder';
  mac: string | null;
  ip: string | null;
  name: string | null;
  state: Lease['state'] | null;
  expires_at: Date | null;
  active: boolean | null;
}

/**
 * One statement per packet: the client's node (name, reservation), its lease row, and the
 * holders of every address that matters here (the packet's `asked` addresses, the reservation
 * and the lease's own address): other clients' lease rows, other nodes' reservations and live
 * declines. Holder rows come in that order so, as before, a decline or reservation on an address
 * wins over a lease row on it.
 */
const LOAD_CLIENT_SQL = `
  WITH node AS (SELECT name, ipaddr FROM nodes WHERE mac = $1::macaddr),
       mine AS (SELECT ip, state, expires_at FROM dhcp_leases WHERE mac = $1::macaddr),
       named AS (SELECT unnest($2::inet[]) AS ip UNION SELECT ipaddr FROM node WHERE ipaddr IS NOT NULL UNION SELECT ip FROM mine)
  SELECT kind, mac, ip, name, state, expires_at, active FROM (
    SELECT 0 AS rank, 'node' AS kind, NULL::text AS mac, host(ipaddr) AS ip, name, NULL::text AS state, NULL::timestamptz AS expires_at, NULL::boolean AS active FROM node
    UNION ALL SELECT 1, 'lease', $1::macaddr::text, host(ip), NULL, state, expires_at, NULL FROM mine
    UNION ALL SELECT 2, 'holder', l.mac::text, host(l.ip), NULL, NULL, NULL, (l.state <> 'released' AND l.expires_at > now())
      FROM named JOIN dhcp_leases l ON l.ip = named.ip WHERE l.mac <> $1::macaddr
    UNION ALL SELECT 3, 'holder', n.mac::text, host(n.ipaddr), NULL, NULL, NULL, true
      FROM named JOIN nodes n ON n.ipaddr = named.ip WHERE n.mac <> $1::macaddr
    UNION ALL SELECT 4, 'holder', coalesce(d.mac::text, ''), host(d.ip), NULL, NULL, NULL, true
      FROM named JOIN dhcp_declined d ON d.ip = named.ip WHERE d.until > now()
  ) AS found ORDER BY rank`;

export interface LoadedClient {
  view: ClientView;
  nodeName: string | null;
}

/** What the database says about `mac`, plus holders of the addresses the packet names (`asked`). */
export async function loadClient(db: Queryable, mac: string, asked: string[]): Promise<LoadedClient> {
  const { rows } = await db.query<ClientRow>(LOAD_CLIENT_SQL, [mac, asked]);
  let nodeName: string | null = null;
  const view: ClientView = { mac, lease: null, reservation: null, holders: new Map<string, Holder>() };
  for (const r of rows) {
    if (r.kind === 'node') {
      nodeName = r.name;
      view.reservation = r.ip;
    } else if (r.kind === 'lease') {
      view.lease = toLease({ mac, ip: r.ip!, state: r.state!, expires_at: r.expires_at! });
    } else {
      view.holders.set(r.ip!, { mac: r.mac!, active: r.active! });
    }
  }
  return { view, nodeName };
}

const UPSERT_LEASE_SQL = `
  INSERT INTO dhcp_leases (mac, ip, state, expires_at, hostname) VALUES ($1::macaddr, $2::inet, $3::text, $4, $5)
  ON CONFLICT (mac) DO UPDATE SET
    state = CASE WHEN $3::text = 'offered' AND dhcp_leases.state = 'bound' AND dhcp_leases.ip = EXCLUDED.ip
                  AND dhcp_leases.expires_at > now() THEN 'bound' ELSE EXCLUDED.state END,
    expires_at = CASE WHEN $3::text = 'offered' AND dhcp_leases.state = 'bound' AND dhcp_leases.ip = EXCLUDED.ip
                  THEN greatest(dhcp_leases.expires_at, EXCLUDED.expires_at) ELSE EXCLUDED.expires_at END,
    ip = EXCLUDED.ip,
    hostname = coalesce(EXCLUDED.hostname, dhcp_leases.hostname),
    updated_at = now()`;

/**
 * Writes this client's lease on `ip`. An `offered` write leaves a live bound lease on the same
 * address bound (a DISCOVER must not shorten it). With `takeover`, another client's row on the
 * address goes first (reservations and reclaimed expired leases). Returns false when another
 * client holds the address (a race with another server or packet).
 */
export async function writeLease(
  db: Db,
  l: { mac: string; ip: string; state: 'offered' | 'bound'; expiresAt: Date; hostname: string | null; takeover: boolean },
): Promise<boolean> {
  const upsert = (q: Queryable) => q.query(UPSERT_LEASE_SQL, [l.mac, l.ip, l.state, l.expiresAt, l.hostname]);
  try {
    // The common case is one statement; only a takeover needs the DELETE beside it, atomically.
    if (!l.takeover) await upsert(db);
    else
      await db.tx(async (q) => {
        await q.query(`DELETE FROM dhcp_leases WHERE ip = $1::inet AND mac <> $2::macaddr`, [l.ip, l.mac]);
        await upsert(q);
      });
    return true;
  } catch (err) {
    if (sqlState(err) === UNIQUE_VIOLATION) return false;
    throw err;
  }
}

/** RELEASE, or the client took another server's offer: the row stays so the address comes back to it. */
export async function releaseLease(db: Queryable, mac: string, onlyOffered: boolean): Promise<void> {
  await db.query(
    `UPDATE dhcp_leases SET state = 'released', expires_at = now(), updated_at = now()
      WHERE mac = $1::macaddr AND ($2::boolean = false OR state = 'offered')`,
    [mac, onlyOffered],
  );
}

/** DECLINE: the address is in use by someone unknown; keep it out of the pool until `until`. */
export async function declineAddress(db: Db, mac: string, ip: string, until: Date): Promise<void> {
  await db.tx(async (q) => {
    await q.query(`DELETE FROM dhcp_leases WHERE mac = $1::macaddr`, [mac]);
    await q.query(
      `INSERT INTO dhcp_declined (ip, mac, until) VALUES ($1::inet, $2::macaddr, $3)
       ON CONFLICT (ip) DO UPDATE SET mac = EXCLUDED.mac, until = EXCLUDED.until`,
      [ip, mac, until],
    );
  });
}

const PROBE_BATCH = 256;

/** Addresses in [first, last] that have a lease row, a node reservation or a live decline. */
async function takenBetween(db: Queryable, first: number, last: number): Promise<Set<number>> {
  // Index range scans: the cost follows the rows found, not the window size, so a window past
  // the last allocation (the usual case) costs three empty probes.
  const { rows } = await db.query<{ ip: string }>(
    `SELECT host(ip) AS ip FROM dhcp_leases WHERE ip BETWEEN $1::inet AND $2::inet
     UNION ALL SELECT host(ipaddr) FROM nodes WHERE ipaddr BETWEEN $1::inet AND $2::inet
     UNION ALL SELECT host(ip) FROM dhcp_declined WHERE ip BETWEEN $1::inet AND $2::inet AND until > now()`,
    [intToIp(first), intToIp(last)],
  );
  return new Set(rows.map((r) => ipToInt(r.ip)!));
}

/**
 * Finds a pool address with no lease row, no node reservation and no live decline, probing
 * windows of consecutive addresses from `cursor` (kept by the caller so successive allocations
 * do not rescan). When every address has a row, the longest-expired lease of another client is
 * reclaimed (takeover).
 */
export async function findFreeAddress(
  db: Queryable,
  subnet: Subnet,
  cursor: { pos: number },
): Promise<{ ip: string; takeover: boolean } | null> {
  for (let probed = 0; probed < subnet.poolSize; ) {
    const { first, count } = poolSegment(subnet, cursor.pos, Math.min(PROBE_BATCH, subnet.poolSize - probed));
    const taken = await takenBetween(db, first, first + count - 1);
    for (let k = 0; k < count; k++) {
      if (taken.has(first + k)) continue;
      cursor.pos = (cursor.pos + k + 1) % subnet.poolSize;
      return { ip: intToIp(first + k), takeover: false };
    }
    cursor.pos = (cursor.pos + count) % subnet.poolSize;
    probed += count;
  }
  const { rows } = await db.query<{ ip: string }>(
    `SELECT host(l.ip) AS ip FROM dhcp_leases l
      WHERE l.expires_at < now() AND l.ip <<= $1::inet
        AND NOT EXISTS (SELECT 1 FROM nodes n WHERE n.ipaddr = l.ip)
        AND NOT EXISTS (SELECT 1 FROM dhcp_declined d WHERE d.ip = l.ip AND d.until > now())
      ORDER BY l.expires_at LIMIT 64`,
    [subnet.cidr],
  );
  const reclaim = rows.find((r) => subnet.inPool(r.ip));
  return reclaim ? { ip: reclaim.ip, takeover: true } : null;
}
