import { loadConfig, type LoadConfigOptions } from '../config/index.js';
import { checkDatabase, redactUrl } from '../db/index.js';

/**
 * `muster daemon --check`: loads the configuration exactly as the daemon would and, with a
 * DATABASE_URL, connects to it once — the two things that otherwise fail only at start. Binds
 * no port and writes nothing. A bad config throws CONFIG_INVALID (exit 2), an unreachable
 * database DB_UNREACHABLE (exit 1); warnings go to stderr and do not fail the check.
 */
export async function checkDaemon(opts: LoadConfigOptions): Promise<void> {
  const { config, warnings } = await loadConfig(opts);
  for (const w of warnings) process.stderr.write(`muster: warning: ${w}\n`);
  if (config.databaseUrl) await checkDatabase(config.databaseUrl);
  const database = config.databaseUrl ? `database ${redactUrl(config.databaseUrl)} reachable` : 'embedded database';
  process.stdout.write(`muster daemon --check: configuration valid; statedir ${config.statedir}, ${database}\n`);
}
