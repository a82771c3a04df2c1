import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('./worker-process.ts', import.meta.url));

export interface Daemon {
  child: ChildProcess;
  /** SIGTERM, then the stats it printed. */
  stop(): Promise<Record<string, number>>;
}

/** Starts worker-process.ts and waits for its `ready`. */
export async function startDaemon(url: string, workers: number, cap: number, leaseSeconds: number): Promise<Daemon> {
  const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT, url, String(workers), String(cap), String(leaseSeconds)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (d: string) => (out += d));
  const deadline = Date.now() + 30_000;
  while (!out.includes('ready\n')) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`worker process did not start: ${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return {};
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
      const last = out.trim().split('\n').pop() ?? '{}';
      return last.startsWith('{') ? (JSON.parse(last) as Record<string, number>) : {};
    },
  };
}
