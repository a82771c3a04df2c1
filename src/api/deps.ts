import type { Db } from '../db/index.js';
import type { Logger } from '../log.js';
import type { Config } from '../config/index.js';

/** What route plugins may use. Built once by the daemon; tests build their own. */
export interface ApiDeps {
  db: Db;
  config: Config;
  log: Logger;
  version: string;
  startedAt: Date;
}

export interface PluginOpts {
  deps: ApiDeps;
}
