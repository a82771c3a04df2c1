import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { listLeases, type DhcpServer } from '../boot/dhcp/index.js';
import type { PluginOpts } from './deps.js';

const DhcpInfo = z.object({
  mode: z.enum(['off', 'full', 'proxy']),
  stats: z.record(z.string(), z.number()),
  seenServers: z.array(
    z.object({
      server: z.string(),
      offers: z.number().int(),
      leasesAddresses: z.boolean(),
      bootfile: z.string().nullable(),
      firstSeen: z.date(),
      lastSeen: z.date(),
    }),
  ),
  leases: z.array(z.object({ mac: z.string(), ip: z.string(), state: z.string(), expiresAt: z.date() })),
});

/** /api/v1/info/dhcp: what `muster info dhcp` shows — counters, other servers seen, leases. */
export function dhcpRoutes(dhcp: DhcpServer | null): (app: FastifyInstance, opts: PluginOpts) => Promise<void> {
  return async (app, { deps }) => {
    app.get('/info/dhcp', { schema: { summary: 'DHCP counters, other DHCP servers seen on the segment, leases', response: { 200: DhcpInfo } } }, async () => ({
      mode: deps.config.dhcpMode,
      stats: dhcp?.stats() ?? {},
      seenServers: dhcp?.seenServers() ?? [],
      leases: await listLeases(deps.db),
    }));
  };
}
