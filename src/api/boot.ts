import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { bootScriptFor, chainScript, type BootContext } from '../boot/ipxe/index.js';
import type { Db } from '../db/index.js';
import { addEvent } from '../events/index.js';
import { currentRevision } from '../images/index.js';
import { getNodeByMac, parseMac, recordVnfsBoot, type Node } from '../nodes/index.js';

export interface BootRoutesOptions {
  db: Db;
  statedir: string;
  kernelArgs: string;
  /** Seconds between a booted node's `ready` check-ins (muster.ready= for the overlay). */
  readyInterval?: number;
}

const IPXE = 'text/plain; charset=utf-8';

/**
 * iPXE over HTTP. The script is chosen from the node's bootenv at the moment it asks, so
 * `muster node set bootenv local …` takes effect on the next boot with no regeneration step.
 * URLs in the script use the address the request came in on: the node reached us there.
 */
/** The revision a vnfs-booting node gets, read when its script is asked for. */
async function vnfsFor(db: Db, node: Node | null): Promise<BootContext['vnfs']> {
  if (!node?.enabled || node.bootenv !== 'vnfs' || node.vnfs === '') return null;
  const rev = await currentRevision(db, node.vnfs);
  return rev ? { revision: rev.revision, kernelArgs: rev.kernelArgs } : null;
}

export function bootRoutes(opts: BootRoutesOptions): (app: FastifyInstance) => Promise<void> {
  const context = (req: FastifyRequest): Omit<BootContext, 'template'> => ({
    addr: (req.socket.localAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
    httpPort: req.socket.localPort ?? 80,
    kernelArgs: opts.kernelArgs,
    ...(opts.readyInterval === undefined ? {} : { readyInterval: opts.readyInterval }),
  });
  return async (app) => {
    app.get('/boot.ipxe', async (req, reply) => reply.type(IPXE).send(chainScript(context(req))));
    app.get(
      '/boot/:mac',
      { schema: { summary: "The node's iPXE script, from its bootenv", params: z.object({ mac: z.string().max(64) }) } },
      async (req, reply) => {
        // hexhyp (aa-bb-…), colons, %3A (iPXE URL-encodes ${net0/mac} in paths): all one MAC.
        const mac = parseMac((req.params as { mac: string }).mac);
        const node = await getNodeByMac(opts.db, mac);
        const vnfs = await vnfsFor(opts.db, node);
        const script = await bootScriptFor(node, { ...context(req), vnfs }, opts.statedir);
        // The revision named in the script is now being booted: it is kept until the node reports from it.
        if (node && vnfs) await recordVnfsBoot(opts.db, node.mac, `${node.vnfs}@${vnfs.revision}`);
        await addEvent(opts.db, {
          kind: 'boot.script',
          node: node?.name ?? null,
          mac,
          message: `iPXE script (${node ? `bootenv ${node.bootenv}` : 'unregistered: discovery'}) sent to ${req.ip}`,
          data: { bootenv: node?.bootenv ?? 'discovery', ip: req.ip },
        });
        return reply.type(IPXE).send(script);
      },
    );
  };
}
