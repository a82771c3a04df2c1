export { startDhcpServer, type DhcpServer, type DhcpServerOptions } from './server.js';
export { dhcpOptionsFromConfig } from './from-config.js';
export { decode, encode, type DhcpPacket, type DecodeResult } from './codec.js';
export { chooseBoot, DEFAULT_BOOT, type BootConfig, type BootChoice } from './bootfile.js';
export { listLeases } from './lease-store.js';
export type { SeenServer } from './foreign-servers.js';
export type { Lease } from './lease-plan.js';
