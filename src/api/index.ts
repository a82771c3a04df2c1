// The admin and node HTTP APIs: what the daemon assembles.
export { ensureAdminToken } from './auth.js';
export { buildAdminApi, buildNodeApi } from './server.js';
export type { ApiDeps } from './deps.js';
export { jobsRoutes } from './jobs.js';
export { nodescriptRoutes } from './nodescripts.js';
export { filesRoutes } from './files.js';
export { TransferGate, type TransferStats } from './transfer-gate.js';
export { exportRoutes } from './exports.js';
export { dhcpRoutes } from './dhcp.js';
export { bootRoutes } from './boot.js';
