import { readdirSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';

/**
 * What this daemon knows of its host's processes, from /proc (Linux). A job's process group is
 * recorded as its leader's pid and start time, so that a daemon on the same host can tell, after
 * its owner died, whether the group still runs, and a pid reused since is not mistaken for it.
 */

export interface HostIdentity {
  /** the machine (/etc/machine-id, else the host name), or what the operator configured */
  host: string;
  /** this boot of it: after a reboot no process of an earlier boot survives */
  bootId: string;
}

function readTrimmed(path: string): string | null {
  try {
    return readFileSync(path, 'utf8').trim() || null;
  } catch {
    return null;
  }
}

export function hostIdentity(host?: string): HostIdentity {
  return {
    host: host ?? readTrimmed('/etc/machine-id') ?? hostname(),
    bootId: readTrimmed('/proc/sys/kernel/random/boot_id') ?? 'unknown',
  };
}

interface ProcStat {
  state: string;
  pgrp: number;
  /** clock ticks after boot */
  start: number;
}

/** Fields of /proc/<pid>/stat after the command name (which may hold spaces and parentheses). */
function procStat(pid: number): ProcStat | null {
  const text = readTrimmed(`/proc/${pid}/stat`);
  const rest = text?.slice(text.lastIndexOf(')') + 2).split(' ');
  if (!rest || rest.length < 20) return null;
  return { state: rest[0]!, pgrp: Number(rest[2]), start: Number(rest[19]) };
}

/** The start time of a live process, or null when there is none (a zombie counts as gone). */
export function processStart(pid: number): number | null {
  const s = procStat(pid);
  return s && s.state !== 'Z' ? s.start : null;
}

/**
 * The live members of the process group a leader with this pid and start time made. A leader pid
 * now held by a later process means the group is gone (Linux does not reuse a pid while a group
 * of that number has members).
 */
export function groupMembers(pgid: number, leaderStart: number): number[] {
  const leader = procStat(pgid);
  if (leader && leader.start !== leaderStart) return [];
  const members: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = procStat(Number(name));
    if (s && s.pgrp === pgid && s.state !== 'Z') members.push(Number(name));
  }
  return members;
}

/** Kills what is left of a recorded process group and waits (up to waitMs) until none is left. */
export async function killGroup(pgid: number, leaderStart: number, waitMs = 5000): Promise<boolean> {
  const end = Date.now() + waitMs;
  for (;;) {
    if (groupMembers(pgid, leaderStart).length === 0) return true;
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
}
