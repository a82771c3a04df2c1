import { readFile } from 'node:fs/promises';
import { Command } from 'commander';
import { MusterError } from '../../errors.js';
import { parseMac } from '../../nodes/index.js';
import { verb } from '../select.js';
import type { ApiNode } from '../format.js';

interface NewNode {
  mac: string;
  name?: string;
}

/**
 * `node add NODEID [HOSTNAME]` (Perceus), or `node add --file FILE` with one `NODEID [HOSTNAME]`
 * per line for bulk registration: all nodes are added or none.
 */
export function command(product: string): Command {
  return verb('add', 'Add a node by its NodeID (MAC address)', product, async (cli, args, cmd) => {
    const file = cmd.opts<{ file?: string }>().file;
    const wanted: NewNode[] = file ? await readNodeFile(file) : [];
    if (args[0] !== undefined) wanted.push(args[1] === undefined ? { mac: parseMac(args[0]) } : { mac: parseMac(args[0]), name: args[1] });
    if (wanted.length === 0) throw new MusterError('REQUEST_INVALID', 'name a NodeID (MAC address) to add, or --file FILE');
    const client = await cli.client();
    const { nodes } = await client.post<{ nodes: ApiNode[] }>('/nodes', { nodes: wanted });
    if (cli.g.json) return cli.json(nodes);
    for (const n of nodes) cli.info(`Node '${n.name}' has been added to ${product} (${n.mac.toUpperCase()})`);
  })
    .argument('[nodeid]', 'MAC address: aa:bb:cc:dd:ee:ff, AA-BB-…, aabb.ccdd.eeff, aabbccddeeff or 01-aa-…')
    .argument('[hostname]', 'name; default: the next free name of the Node Name template')
    .option('-f, --file <file>', "add every 'NODEID [HOSTNAME]' line of FILE ('#' comments)");
}

async function readNodeFile(path: string): Promise<NewNode[]> {
  const text = await readFile(path, 'utf8').catch((err: Error) => {
    throw new MusterError('REQUEST_INVALID', `cannot read ${path}: ${err.message}`);
  });
  const out: NewNode[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) return;
    const [id, name, extra] = line.split(/\s+/);
    if (extra !== undefined) throw new MusterError('REQUEST_INVALID', `${path}:${i + 1}: expected 'NODEID [HOSTNAME]', got '${line}'`);
    try {
      out.push(name === undefined ? { mac: parseMac(id!) } : { mac: parseMac(id!), name });
    } catch (err) {
      throw new MusterError('MAC_INVALID', `${path}:${i + 1}: ${(err as Error).message}`);
    }
  });
  return out;
}
