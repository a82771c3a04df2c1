import type { Db } from '../db/index.js';
import type { Logger } from '../log.js';
import type { Config } from '../config/index.js';
import type { TransferGate } from './transfer-gate.js';

/** What route plugins may use. Built once by the daemon; tests build their own. */
export interface ApiDeps {
  db: Db;
  config: Config;
  log: Logger;
  version: string;
  startedAt: Date;
  /** the node HTTP server's bound on image downloads, for `info system` */
  imageTransfers?: TransferGate;
}

export interface PluginOpts {
  deps: ApiDeps;
}
