import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { MusterError } from '../../errors.js';
import { parseMac } from '../../nodes/index.js';
import { inBatches } from '../batches.js';
import { foldNames, verb } from '../select.js';
import type { ApiNode } from '../format.js';

interface NewNode {
  mac: string;
  name?: string;
}

/** Beyond this many nodes, one summary line instead of a line per node (all with -v). */
export const PER_NODE_LINES = 20;

/**
 * `node add NODEID [HOSTNAME]` (Perceus), or `node add --file FILE` with one `NODEID [HOSTNAME]`
 * per line for bulk registration. The whole file is checked first; then it is sent in batches
 * (batches.ts), each added all or none.
 */
export function command(product: string): Command {
  return verb('add', 'Add a node by its NodeID (MAC address)', product, async (cli, args, cmd) => {
    const file = cmd.opts<{ file?: string }>().file;
    const wanted: Sourced[] = file ? await readNodeFile(file) : [];
    if (args[0] !== undefined) {
      const mac = parseMac(args[0]);
      wanted.push({ node: args[1] === undefined ? { mac } : { mac, name: args[1] }, where: 'the command line' });
    }
    if (wanted.length === 0) throw new MusterError('REQUEST_INVALID', 'name a NodeID (MAC address) to add, or --file FILE');
    refuseRepeats(wanted);
    const client = await cli.client();
    const nodes = await inBatches(
      cli,
      'adding nodes',
      'added',
      wanted.map((w) => w.node),
      async (batch) => (await client.post<{ nodes: ApiNode[] }>('/nodes', { nodes: batch })).nodes,
    );
    if (cli.g.json) return cli.json(nodes);
    if (nodes.length > PER_NODE_LINES && !cli.g.verbose) return cli.info(`${nodes.length} nodes added: ${foldNames(nodes.map((n) => n.name))}`);
    for (const n of nodes) cli.info(`Node '${n.name}' has been added to ${product} (${n.mac.toUpperCase()})`);
  })
    .argument('[nodeid]', 'MAC address: aa:bb:cc:dd:ee:ff, AA-BB-…, aabb.ccdd.eeff, aabbccddeeff or 01-aa-…')
    .argument('[hostname]', 'name; default: the next free name of the Node Name template')
    .option('-f, --file <file>', "add every 'NODEID [HOSTNAME]' line of FILE ('#' comments)");
}

/** A node to add and where it was given (`FILE:LINE`), for messages. */
interface Sourced {
  node: NewNode;
  where: string;
}

/** A NodeID or name given twice is refused before anything is sent (a batch sees only its own). */
function refuseRepeats(wanted: Sourced[]): void {
  const macs = new Map<string, string>();
  const names = new Map<string, string>();
  for (const { node, where } of wanted) {
    const mac = macs.get(node.mac);
    if (mac !== undefined) throw new MusterError('NODE_EXISTS', `${where}: NodeID ${node.mac.toUpperCase()} is listed twice (also at ${mac}); nothing added`);
    macs.set(node.mac, where);
    if (node.name === undefined) continue;
    const name = names.get(node.name);
    if (name !== undefined) throw new MusterError('NAME_TAKEN', `${where}: node name '${node.name}' is listed twice (also at ${name}); nothing added`);
    names.set(node.name, where);
  }
}

async function readNodeFile(path: string): Promise<Sourced[]> {
  const text = await readFile(path, 'utf8').catch((err: Error) => {
    throw new MusterError('REQUEST_INVALID', `cannot read ${path}: ${err.message}`);
  });
  const out: Sourced[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) return;
    const where = `${path}:${i + 1}`;
    const [id, name, extra] = line.split(/\s+/);
    if (extra !== undefined) throw new MusterError('REQUEST_INVALID', `${where}: expected 'NODEID [HOSTNAME]', got '${line}'`);
    let mac: string;
    try {
      mac = parseMac(id!);
    } catch (err) {
      throw new MusterError('MAC_INVALID', `${where}: ${(err as Error).message}`);
    }
    out.push({ node: name === undefined ? { mac } : { mac, name }, where });
  });
  return out;
}
