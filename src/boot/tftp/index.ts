/** Read-only TFTP server for the iPXE binaries, and the step that fills its root. */
export { startTftpServer, type TftpServer, type TftpServerOptions, type TftpStats } from './server.js';
export { populateTftpRoot, IPXE_BINARIES, type PopulateReport } from './populate.js';
