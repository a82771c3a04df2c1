import { mkdir } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { loadConfig, type LoadConfigOptions, type Config } from './config/index.js';
import { openDb, type Db } from './db/index.js';
import { createLogger, type Logger } from './log.js';
import { ensureAdminToken } from './api/index.js';
import { buildAdminApi, buildNodeApi } from './api/index.js';
import type { ApiDeps } from './api/index.js';
import { publishRuntime } from './runtime.js';
import { startQueue } from './queue/index.js';
import { jobsRoutes } from './api/index.js';
import { takeNodeTasks } from './queue/index.js';
import { nodescriptServiceFromConfig } from './nodescripts/index.js';
import { startProvisiondServer } from './nodescripts/index.js';
import { installDefaultTree, writePerceusConf } from './nodescripts/index.js';
import { nodescriptRoutes } from './api/index.js';
import { filesRoutes, TransferGate } from './api/index.js';
import { addEvent, pruneEvents } from './events/index.js';
import { ensureBootFiles } from './images/index.js';
import { startTimeoutSweep } from './nodes/index.js';
import { startExportWriter } from './exports/index.js';
import { exportRoutes } from './api/index.js';
import { dhcpRoutes } from './api/index.js';
import { bootRoutes } from './api/index.js';
import { unknownBootenv } from './boot/ipxe/index.js';
import { populateTftpRoot, startTftpServer, type TftpServer } from './boot/tftp/index.js';
import { dhcpOptionsFromConfig, startDhcpServer, type DhcpServer } from './boot/dhcp/index.js';
import { VERSION } from './version.js';
import { MusterError } from './errors.js';
import { getImage, reapAbandonedImports } from './images/index.js';
import { listenFailed, type Listener } from './listen-error.js';

const JOB_GRACE_MS = 10_000;
const EVENT_PRUNE_MS = 3600_000;

export interface DaemonOptions extends LoadConfigOptions {
  log?: Logger;
}

export interface Daemon {
  config: Config;
  db: Db;
  log: Logger;
  token: string;
  /** http://host:port of the admin API (prefix /api/v1) and of the node-facing server, connectable from this host. */
  apiUrl: string;
  httpUrl: string;
  /** host:port each of them is bound to (0.0.0.0: every IPv4 address). */
  bound: { api: string; http: string };
  ports: { provisiond: number; tftp: number; dhcp: number };
  close(): Promise<void>;
}

/** Cleanups run in reverse start order; the first error is kept, the rest still run. */
class Releasers {
  private list: Array<[string, () => Promise<void>]> = [];
  add(name: string, fn: () => Promise<void>): void {
    this.list.push([name, fn]);
  }
  async run(log: Logger): Promise<void> {
    let first: unknown;
    for (const [name, fn] of this.list.reverse()) {
      try {
        await fn();
      } catch (err) {
        log.error({ err }, `stopping ${name} failed`);
        first ??= err;
      }
    }
    this.list = [];
    if (first) throw first;
  }
}

/**
 * Starts muster: config → statedir → database (+ migrations) → job queue → nodescripts (987) →
 * TFTP → node HTTP → DHCP → admin API → export files → runtime file. Any failure stops what
 * already started; close() stops everything in reverse order.
 */
export async function startDaemon(opts: DaemonOptions = {}): Promise<Daemon> {
  const { config, warnings } = await loadConfig(opts);
  const releasePinnedPort = await pinEphemeralHttpPort(config);
  const log = opts.log ?? createLogger(config.logLevel);
  for (const w of warnings) log.warn(w);
  const rel = new Releasers();
  rel.add('pinned http port', releasePinnedPort);
  try {
    await mkdir(config.statedir, { recursive: true, mode: 0o755 });
    // For Perceus's Perl modules (Perceus::Config), before any module or job can run.
    await writePerceusConf(config);
    // New nodes get it: a typo must stop the daemon, not every new node's first boot.
    const badBootenv = await unknownBootenv(config.statedir, config.defaults.bootenv);
    if (badBootenv !== null) throw new MusterError('CONFIG_INVALID', `'default bootenv': ${badBootenv}`);
    const db = await openDb({ databaseUrl: config.databaseUrl, statedir: config.statedir, poolMax: config.databasePoolSize });
    rel.add('database', () => db.close());
    log.info({ backend: db.kind, statedir: config.statedir }, 'database ready');
    const reaped = await reapAbandonedImports({ db, statedir: config.statedir });
    if (reaped > 0) log.warn(`${reaped} VNFS import(s) left by a stopped daemon marked failed`);
    if (config.defaults.vnfs !== '' && (await getImage(db, config.defaults.vnfs)) === null) {
      log.warn(
        `'vnfs name' is ${config.defaults.vnfs}, which is not in the image library: new nodes cannot boot it until 'muster vnfs import SRC ${config.defaults.vnfs}'`,
      );
    }
    const queue = await startQueue({
      db,
      workers: config.queueWorkers,
      concurrency: config.queueConcurrency,
      leaseSeconds: config.jobLeaseSeconds,
      ...(config.hostId === undefined ? {} : { hostId: config.hostId }),
      log,
      statedir: config.statedir,
      jigContext: { perceus: { VNFSMETHOD: config.vnfsMethod, VNFSMASTER: config.vnfsMaster ?? '', VNFSPREFIX: config.vnfsPrefix } },
    });
    // Running jobs get a grace period to finish; the rest are released for another daemon.
    rel.add('queue', () => queue.stop({ graceMs: JOB_GRACE_MS }));
    const token = await ensureAdminToken(config.statedir);
    const imageTransfers = new TransferGate(config.httpImageTransfers);
    const deps: ApiDeps = { db, config, log, version: VERSION, startedAt: new Date(), imageTransfers };

    if (await installDefaultTree(config.statedir)) log.info('installed the default nodescripts tree');
    // Missing discovery/overlay files are built in the background; nodes asking meanwhile are told why.
    const bootFilesBuilt = ensureBootFiles(config.statedir, async (e) => {
      log[e.level === 'error' ? 'error' : 'info']({ kind: e.kind }, e.message);
      await addEvent(db, e).catch((err: unknown) => log.warn({ err }, 'could not record a boot files event'));
    });
    rel.add('boot files build', () => bootFilesBuilt);
    // Tasks queued for a node with the `node` jig ride along in its next `ready` script.
    const master = config.dhcpServerAddress ? `http://${config.dhcpServerAddress}:${config.httpPort}` : undefined;
    const nodescripts = nodescriptServiceFromConfig(deps, {
      appendForState: (node, state) => (state === 'ready' ? takeNodeTasks(db, node.mac, { master }) : Promise.resolve({ text: '' })),
    });
    const provisiond = await startProvisiondServer({
      service: nodescripts,
      log: log.child({ mod: 'provisiond' }),
      port: config.provisiondPort,
      host: config.listen,
      maxConnections: config.provisiondConnections,
      maxConnectionsPerPeer: config.provisiondConnectionsPerPeer,
    });
    rel.add('provisiond', () => provisiond.close());

    const tftpRoot = config.tftpRoot;
    let tftp: TftpServer | null = null;
    if (config.tftpEnabled) {
      await populateTftpRoot(tftpRoot, config.ipxeDir, log.child({ mod: 'tftp' }));
      tftp = await startTftpServer({
        root: tftpRoot,
        host: config.listen,
        port: config.tftpPort,
        maxTransfers: config.tftpMaxTransfers,
        maxTransfersPerClient: config.tftpMaxTransfersPerClient,
        maxTimeout: config.tftpMaxTimeout,
        maxBlksize: config.tftpMaxBlksize,
        log,
      });
      rel.add('tftp', () => tftp!.close());
    }

    const http = await buildNodeApi(deps, [
      nodescriptRoutes({ service: nodescripts }),
      // /files/{vnfs,files,bootenvs}/… from statedir, and /files/tftp/… (UEFI HTTP boot) from the TFTP root
      filesRoutes({ statedir: config.statedir, folders: ['vnfs', 'files', 'bootenvs'], dirs: { tftp: tftpRoot }, imageTransfers }),
      // A booted node checks in at half the node timeout (Perceus: 300 s of 600), so a live one never times out.
      bootRoutes({
        db,
        statedir: config.statedir,
        kernelArgs: config.bootKernelArgs.join(','),
        readyInterval: Math.max(1, Math.floor(config.nodeTimeout / 2)),
      }),
    ]);
    await releasePinnedPort();
    const httpAt = await listen(http, { what: 'node HTTP', host: config.listen, port: config.httpPort, portKey: 'http port', addressKey: 'listen address' });
    rel.add('node http', () => http.close());

    let dhcp: DhcpServer | null = null;
    if (config.dhcpMode !== 'off') {
      dhcp = await startDhcpServer(dhcpOptionsFromConfig(config, { db, log, httpPort: config.httpPort }));
      rel.add('dhcp', () => dhcp!.close());
    }

    const admin = await buildAdminApi(deps, token, [jobsRoutes, exportRoutes, dhcpRoutes(dhcp)]);
    const apiAt = await listen(admin, { what: 'admin API', host: config.apiAddress, port: config.apiPort, portKey: 'api port', addressKey: 'api address' });
    rel.add('admin api', () => admin.close());
    if (!isLoopback(config.apiAddress)) {
      log.warn(
        `admin API listens on ${apiAt.bound}, not only on loopback: its bearer token travels in plain HTTP, ` +
          `so anyone who can watch that network can take it and run jobs on every node; ` +
          `use 'api address = 127.0.0.1' or put a TLS proxy in front of it`,
      );
    }

    if (config.exportFiles.length > 0) {
      const exports = await startExportWriter({
        db,
        log: log.child({ mod: 'exports' }),
        dir: join(config.statedir, 'exports'),
        formats: config.exportFiles,
        domain: config.dhcpDomain,
      });
      rel.add('export files', () => exports.close());
    }

    const prune = setInterval(() => {
      pruneEvents(db, config.eventRetentionDays).catch((err: unknown) => log.warn({ err }, 'pruning old events failed'));
    }, EVENT_PRUNE_MS);
    prune.unref();
    rel.add('event pruning', async () => clearInterval(prune));
    rel.add('node timeout sweep', startTimeoutSweep(db, config.nodeTimeout, log));

    const ports = { provisiond: provisiond.port, tftp: tftp?.port ?? 0, dhcp: dhcp ? config.dhcpPort : 0 };
    const [apiUrl, httpUrl] = [apiAt.url, httpAt.url];
    const bound = { api: apiAt.bound, http: httpAt.bound };
    const unpublish = await publishRuntime({
      pid: process.pid,
      api: apiUrl,
      http: httpUrl,
      bound,
      statedir: config.statedir,
      startedAt: deps.startedAt.toISOString(),
      ports,
    });
    rel.add('runtime file', unpublish);
    log.info({ api: apiUrl, http: httpUrl, bound, version: VERSION }, 'muster daemon started');
    let closing: Promise<void> | null = null;
    return {
      config,
      db,
      log,
      token,
      apiUrl,
      httpUrl,
      bound,
      ports,
      close: () => (closing ??= rel.run(log).then(() => log.info('muster daemon stopped'))),
    };
  } catch (err) {
    await rel.run(log).catch(() => undefined);
    throw err;
  }
}

/**
 * Listens and says where: `bound` is the address as bound (`0.0.0.0:8988`), `url` one a client
 * on this host can connect to (a wildcard address is not connectable everywhere: its loopback).
 */
async function listen(app: FastifyInstance, l: Listener): Promise<{ url: string; bound: string }> {
  const { host, port } = l;
  await app.listen({ host, port }).catch((err: unknown) => {
    throw listenFailed('LISTEN_FAILED', l, err);
  });
  const addr = app.server.address();
  const at = typeof addr === 'object' && addr ? addr.port : port;
  const bracket = (h: string) => (h.includes(':') ? `[${h}]` : h);
  const connectable = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return { url: `http://${bracket(connectable)}:${at}`, bound: `${bracket(host)}:${at}` };
}

/** 127.0.0.0/8, ::1 and their IPv4-mapped form: reachable only from this host. */
function isLoopback(address: string): boolean {
  const v4 = address.replace(/^::ffff:/i, '');
  return /^127\.\d+\.\d+\.\d+$/.test(v4) || address === '::1';
}

/**
 * `http port = 0` (tests) means any free port; but nodes must be told the real one (in
 * VNFSMASTER, DHCP boot URLs) before the server starts, so pick it now. The probe keeps the
 * port until the server is about to listen: a closed probe's port was taken by outgoing
 * connections (EADDRINUSE at start on a busy machine). Returns the release (idempotent).
 */
async function pinEphemeralHttpPort(config: Config): Promise<() => Promise<void>> {
  if (config.httpPort !== 0) return async () => undefined;
  const probe = createServer();
  await new Promise<void>((resolve, reject) => probe.once('error', reject).listen(0, config.listen, resolve));
  const port = (probe.address() as AddressInfo).port;
  config.httpPort = port;
  if (config.vnfsMaster?.endsWith(':0')) config.vnfsMaster = `${config.vnfsMaster.slice(0, -2)}:${port}`;
  let closed: Promise<void> | null = null;
  return () => (closed ??= new Promise<void>((resolve) => probe.close(() => resolve())));
}
