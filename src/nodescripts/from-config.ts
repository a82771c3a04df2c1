import type { Config } from '../config/index.js';
import type { Db } from '../db/index.js';
import type { Logger } from '../log.js';
import { NodescriptService, type NodescriptServiceOptions } from './service.js';

/** The daemon's NodescriptService, built from muster.conf; one instance serves HTTP and 987. */
export function nodescriptServiceFromConfig(
  deps: { db: Db; config: Config; log: Logger },
  hooks: Pick<NodescriptServiceOptions, 'appendForState'> = {},
): NodescriptService {
  const c = deps.config;
  return new NodescriptService({
    db: deps.db,
    log: deps.log.child({ mod: 'nodescripts' }),
    concurrency: c.moduleConcurrency,
    defaults: c.defaults,
    render: {
      statedir: c.statedir,
      limits: { timeoutMs: c.moduleTimeout * 1000, outputLimit: c.moduleOutputLimit },
      failurePolicy: c.moduleFailure,
      vnfs: { vnfsMethod: c.vnfsMethod, vnfsMaster: c.vnfsMaster ?? '', vnfsPrefix: c.vnfsPrefix },
    },
    ...hooks,
  });
}
