/**
 * Runs muster's TFTP server in a child process, so a test can start it inside a network
 * namespace: `ip netns exec <ns> node --import tsx serve.ts '<json>'`, the JSON being
 * TftpServerOptions without log. Prints `ready <port>` once listening; SIGTERM closes it.
 */
import { silentLogger } from '../../../src/log.js';
import { startTftpServer, type TftpServerOptions } from '../../../src/boot/tftp/server.js';

const opts = JSON.parse(process.argv[2]!) as Omit<TftpServerOptions, 'log'>;
const server = await startTftpServer({ ...opts, log: silentLogger() });
process.stdout.write(`ready ${server.port}\n`);
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
