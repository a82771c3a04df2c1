/**
 * Runs muster's DHCP server in a child process, so a test can start it inside a network
 * namespace: `ip netns exec <ns> node --import tsx serve.ts '<json>'`. The JSON is
 * { statedir, ...DhcpServerOptions without db/log }; the PGlite data dir is statedir/pgdata.
 * Prints `ready` once listening; each `stats` line on stdin gets one JSON line back
 * ({ stats, seenServers }); SIGTERM closes it.
 */
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { pino } from 'pino';
import { startDhcpServer, type DhcpServerOptions } from '../../../src/boot/dhcp/index.js';
import { openPglite } from '../../../src/db/index.js';

const { statedir, ...opts } = JSON.parse(process.argv[2]!) as { statedir: string } & Omit<DhcpServerOptions, 'db' | 'log'>;
const db = await openPglite(join(statedir, 'pgdata'));
const server = await startDhcpServer({ ...opts, db, log: pino({ level: process.env.MUSTER_LOG ?? 'warn' }, pino.destination({ dest: 2, sync: true })) });
process.stdout.write('ready\n');

createInterface({ input: process.stdin }).on('line', (line) => {
  if (line.trim() === 'stats') process.stdout.write(JSON.stringify({ stats: server.stats(), seenServers: server.seenServers() }) + '\n');
});
process.on('SIGTERM', () => {
  void server
    .close()
    .then(() => db.close())
    .then(() => process.exit(0));
});
