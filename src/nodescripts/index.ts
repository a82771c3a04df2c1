// Perceus-compatible nodescripts: the tree, rendering, the provisiond wire protocol, delivery.
export { nodescriptServiceFromConfig } from './from-config.js';
export { startProvisiondServer } from './provisiond-server.js';
export { installDefaultTree } from './install.js';
export { writePerceusConf } from './perceus-compat.js';
export type { NodescriptService, ScriptReply } from './service.js';
export { written } from './delivery.js';
export { recordReport } from './report.js';
export { isValidComponent, isValidState } from './tree.js';
export { errorScript, KEEPALIVE, withKeepalive } from './framing.js';
export { simulate } from './simulate.js';
export { moduleEnv } from './env.js';
