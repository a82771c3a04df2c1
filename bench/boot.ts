/**
 * Network boot benchmarks, one after the other (root; both need their Debian peers):
 *   DHCP: perfdhcp DORA rate against muster and dnsmasq in the same run (bench/dhcp.ts)
 *   TFTP: 100 concurrent clients against muster and tftpd-hpa in the same run (bench/tftp.ts)
 * npm run bench -- boot
 */
import { execa } from 'execa';

for (const name of ['dhcp', 'tftp']) {
  process.stdout.write(`== ${name}\n`);
  await execa('node', ['--import', 'tsx', new URL(`${name}.ts`, import.meta.url).pathname], { stdio: 'inherit' });
}
