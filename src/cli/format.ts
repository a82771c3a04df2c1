import { naturalCompare } from '../hostlist/index.js';

/** A node as the admin API sends it (dates as ISO strings). */
export interface ApiNode {
  mac: string;
  name: string;
  group: string;
  vnfs: string;
  enabled: boolean;
  debug: number;
  desc: string;
  bootenv: string;
  status: string | null;
  ipaddr: string | null;
  observedIpaddr: string | null;
  observedAt: string | null;
  lastcontact: string | null;
  timedOutAt: string | null;
  lastExit: number | null;
  lastReport: string | null;
  vnfsBoot: string | null;
  vnfsBooted: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface ApiSelection {
  nodes: ApiNode[];
  missing: string[];
}

/** printf's `%-W.Ps`: left-aligned in W columns, cut at P characters. */
function col(s: string, width: number, cut = width): string {
  return s.slice(0, cut).padEnd(width);
}

const UNDEF = '(undefined)';

/** Perceus sorts status/summary/show output by group, then hostname. */
export function byGroupThenName(nodes: ApiNode[]): ApiNode[] {
  return [...nodes].sort((a, b) => naturalCompare(a.group, b.group) || naturalCompare(a.name, b.name));
}

/** HH:MM:SS since `iso` (hours not capped), as Perceus's `node status`. */
export function sinceContact(iso: string | null, now: number): string {
  if (!iso) return UNDEF;
  const s = Math.max(0, Math.floor((now - Date.parse(iso)) / 1000));
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(Math.floor(s / 3600))}:${two(Math.floor((s % 3600) / 60))}:${two(s % 60)}`;
}

/**
 * The status column's address: where the node last came from (Perceus's ipaddr), else the one
 * set for it; `!` marks a node that came from an address other than the one set.
 */
export function shownAddress(n: Pick<ApiNode, 'ipaddr' | 'observedIpaddr'>): string {
  if (n.observedIpaddr === null) return n.ipaddr ?? UNDEF;
  return n.ipaddr !== null && n.ipaddr !== n.observedIpaddr ? `${n.observedIpaddr}!` : n.observedIpaddr;
}

/** The last state a node asked for, or 'timed out' (the Perceus guide's word) once silent past `node timeout`. */
function shownStatus(n: Pick<ApiNode, 'status' | 'timedOutAt'>): string {
  return n.timedOutAt !== null ? 'timed out' : (n.status ?? UNDEF);
}

export function statusTable(nodes: ApiNode[], now = Date.now()): string[] {
  const head = 'HostName             Status         IP Address             Last Contact';
  return [
    head,
    '-'.repeat(79),
    ...byGroupThenName(nodes).map((n) =>
      `${col(n.name, 20)} ${col(shownStatus(n), 14)} ${col(shownAddress(n), 22)} ${col(sinceContact(n.lastcontact, now), 17)}`.trimEnd(),
    ),
  ];
}

export function summaryTable(nodes: ApiNode[]): string[] {
  return [
    'HostName             GroupName    Enabled   Vnfs',
    ...byGroupThenName(nodes).map((n) => `${col(n.name, 20)} ${col(n.group, 16)} ${col(n.enabled ? 'yes' : 'no', 3)}   ${n.vnfs}`.trimEnd()),
  ];
}

const epoch = (iso: string | null) => (iso ? String(Math.floor(Date.parse(iso) / 1000)) : '');

/** `<host>: <field>=<value>` lines, fields in alphabetical order, as Perceus's `node show`. */
export function showLines(nodes: ApiNode[]): string[] {
  const out: string[] = [];
  for (const n of byGroupThenName(nodes)) {
    const fields: Array<[string, string]> = [
      ['bootenv', n.bootenv],
      ['debug', String(n.debug)],
      ['desc', n.desc],
      ['enabled', n.enabled ? '1' : '0'],
      ['group', n.group],
      ['hostname', n.name],
      ['ipaddr', n.ipaddr ?? ''],
      ['lastcontact', epoch(n.lastcontact)],
      ['lastexit', n.lastExit === null ? '' : String(n.lastExit)],
      ['lastreport', epoch(n.lastReport)],
      ['observedat', epoch(n.observedAt)],
      ['observedipaddr', n.observedIpaddr ?? ''],
      ['status', n.status ?? ''],
      ['vnfs', n.vnfs],
      ['vnfsbooted', n.vnfsBooted ?? ''],
    ];
    out.push(`${n.name}: nodeid=${n.mac.toUpperCase()}`);
    for (const [k, v] of fields) out.push(`${n.name}: ${k}=${v}`);
  }
  return out;
}

/** The list shown before a destructive verb asks for confirmation. */
export function confirmList(nodes: ApiNode[]): string {
  const rows = byGroupThenName(nodes).map((n) => `   ${n.name.padEnd(20)} ${n.group.padEnd(20)} ${n.mac.toUpperCase()}`);
  return ['   Hostname             Group                NodeID', ...rows].join('\n');
}
