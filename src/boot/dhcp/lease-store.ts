/**
 * Leases in the database (migration 000004_dhcp.sql). One row per MAC keeps its address after
 * expiry or release; the UNIQUE ip constraint settles races between servers on one database.
 */
import { sqlState, UNIQUE_VIOLATION, type Db, type Queryable } from '../../db/index.js';
import { getNodeByMac } from '../../nodes/index.js';
import { storable } from '../../text.js';
import type { ClientView, Holder, Lease } from './lease-plan.js';
import { poolCandidates, type Subnet } from './settings.js';

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

/** Other clients' lease rows, other nodes' reservations and live declines on the given addresses. */
async function holdersOf(db: Queryable, mac: string, ips: string[]): Promise<Map<string, Holder>> {
  const holders = new Map<string, Holder>();
  if (ips.length === 0) return holders;
  const { rows } = await db.query<{ mac: string; ip: string; active: boolean }>(
    `SELECT mac::text AS mac, host(ip) AS ip, (state <> 'released' AND expires_at > now()) AS active
       FROM dhcp_leases WHERE ip = ANY($1::inet[]) AND mac <> $2::macaddr
     UNION ALL
     SELECT mac::text, host(ipaddr), true FROM nodes WHERE ipaddr = ANY($1::inet[]) AND mac <> $2::macaddr
     UNION ALL
     SELECT coalesce(mac::text, ''), host(ip), true FROM dhcp_declined WHERE ip = ANY($1::inet[]) AND until > now()`,
    [ips, mac],
  );
  for (const r of rows) holders.set(r.ip, { mac: r.mac, active: r.active });
  return holders;
}

export interface LoadedClient {
  view: ClientView;
  nodeName: string | null;
}

export async function loadClient(db: Queryable, mac: string, named: (reservation: string | null) => string[]): Promise<LoadedClient> {
  const [node, lease] = await Promise.all([getNodeByMac(db, mac), getLease(db, mac)]);
  const reservation = node?.ipaddr ?? null;
  const holders = await holdersOf(db, mac, [...new Set([...named(reservation), ...(lease ? [lease.ip] : [])])]);
  return { view: { mac, lease, reservation, holders }, nodeName: node?.name ?? null };
}

const HOSTNAME_MAX = 255;

/**
 * How another client's row on the address is treated: `reservation` removes it whatever its state
 * (the address is this node's), `expired` removes it only if it is still released or expired when
 * the DELETE runs (it may have been renewed since findFreeAddress chose it), null keeps it.
 */
export type Takeover = 'reservation' | 'expired' | null;

/**
 * Writes this client's lease on `ip`. An `offered` write leaves a live bound lease on the same
 * address bound (a DISCOVER must not shorten it). With a `takeover`, another client's row on the
 * address goes first. Returns false when another client holds the address (a race with another
 * server or packet, or a lease renewed just before a reclaim).
 */
export async function writeLease(
  db: Db,
  l: { mac: string; ip: string; state: 'offered' | 'bound'; expiresAt: Date; hostname: string | null; takeover: Takeover },
): Promise<boolean> {
  try {
    await db.tx(async (q) => {
      if (l.takeover) {
        // The expiry is checked by the DELETE itself: a read-then-delete would remove a lease renewed in between.
        await q.query(
          `DELETE FROM dhcp_leases WHERE ip = $1::inet AND mac <> $2::macaddr
              AND ($3::text = 'reservation' OR state = 'released' OR expires_at <= now())`,
          [l.ip, l.mac, l.takeover],
        );
      }
      await q.query(
        `INSERT INTO dhcp_leases (mac, ip, state, expires_at, hostname) VALUES ($1::macaddr, $2::inet, $3::text, $4, $5)
         ON CONFLICT (mac) DO UPDATE SET
           state = CASE WHEN $3::text = 'offered' AND dhcp_leases.state = 'bound' AND dhcp_leases.ip = EXCLUDED.ip
                         AND dhcp_leases.expires_at > now() THEN 'bound' ELSE EXCLUDED.state END,
           expires_at = CASE WHEN $3::text = 'offered' AND dhcp_leases.state = 'bound' AND dhcp_leases.ip = EXCLUDED.ip
                         THEN greatest(dhcp_leases.expires_at, EXCLUDED.expires_at) ELSE EXCLUDED.expires_at END,
           ip = EXCLUDED.ip,
           hostname = coalesce(EXCLUDED.hostname, dhcp_leases.hostname),
           updated_at = now()`,
        // The hostname is the client's option 12: any bytes, up to 255 of them in one option.
        [l.mac, l.ip, l.state, l.expiresAt, l.hostname === null ? null : storable(l.hostname, HOSTNAME_MAX)],
      );
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

/**
 * Finds a pool address with no lease row, no node reservation and no live decline, probing in
 * batches from `cursor` (kept by the caller so successive allocations do not rescan). When every
 * address has a row, the longest-expired lease of another client is reclaimed (takeover
 * `expired`, re-checked when the row is deleted).
 */
export async function findFreeAddress(db: Queryable, subnet: Subnet, cursor: { pos: number }): Promise<{ ip: string; takeover: Takeover } | null> {
  for (let probed = 0; probed < subnet.poolSize; probed += PROBE_BATCH) {
    const { ips, next } = poolCandidates(subnet, cursor.pos, Math.min(PROBE_BATCH, subnet.poolSize - probed));
    const { rows } = await db.query<{ ip: string; i: number }>(
      `SELECT c.ip, c.i::int AS i FROM unnest($1::text[]) WITH ORDINALITY AS c(ip, i)
        WHERE NOT EXISTS (SELECT 1 FROM dhcp_leases l WHERE l.ip = c.ip::inet)
          AND NOT EXISTS (SELECT 1 FROM nodes n WHERE n.ipaddr = c.ip::inet)
          AND NOT EXISTS (SELECT 1 FROM dhcp_declined d WHERE d.ip = c.ip::inet AND d.until > now())
        ORDER BY c.i LIMIT 1`,
      [ips],
    );
    if (rows[0]) {
      cursor.pos = (cursor.pos + rows[0].i) % subnet.poolSize;
      return { ip: rows[0].ip, takeover: null };
    }
    cursor.pos = next;
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
  return reclaim ? { ip: reclaim.ip, takeover: 'expired' } : null;
}
