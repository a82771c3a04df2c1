import { isIP } from 'node:net';
import { z } from 'zod';
import { redactUrl } from '../db/index.js';

/**
 * A kind of config value: a zod schema that turns the written string into the typed value, and
 * the inverse used by `muster info config`. Issue messages are phrases that follow the quoted
 * value: `'abc' is not a port (0-65535)`.
 */
export interface Kind<T> {
  schema: z.ZodType<T, string>;
  format(value: T): string;
  /** How a written value is quoted in an error (default: as written); a secret is hidden. */
  quote?(written: string): string;
}

const text = (schema: z.ZodType<string, string>): Kind<string> => ({ schema, format: (v) => v });

function checked<T>(message: string, parse: (s: string) => T | undefined, format: (v: T) => string): Kind<T> {
  return {
    schema: z.string().transform((s, ctx) => {
      const v = parse(s);
      if (v !== undefined) return v;
      ctx.issues.push({ code: 'custom', message, input: s });
      return z.NEVER;
    }),
    format,
  };
}

/**
 * A whole number (of `unit`, for the message) from `min` to `max`. Every count has a ceiling:
 * a huge value is a typo, and would hang start-up (one row per job slot) or exhaust memory.
 */
export function whole(unit: string, min: number, max: number): Kind<number> {
  const message = `is not a whole number${unit ? ` of ${unit}` : ''} (${min} to ${max})`;
  return {
    schema: z
      .string()
      .regex(/^\d{1,15}$/, message)
      .transform(Number)
      .pipe(z.number().min(min, message).max(max, message)),
    format: String,
  };
}

export const port: Kind<number> = {
  schema: z
    .string()
    .regex(/^\d{1,5}$/, 'is not a port (0-65535)')
    .transform(Number)
    .pipe(z.number().max(65535, 'is not a port (0-65535)')),
  format: String,
};

const TRUE = ['yes', 'true', '1', 'on'];
const FALSE = ['no', 'false', '0', 'off'];
export const bool = checked(
  'is not yes or no (also accepted: true/false, on/off, 1/0)',
  (s) => (TRUE.includes(s.toLowerCase()) ? true : FALSE.includes(s.toLowerCase()) ? false : undefined),
  (v) => (v ? 'yes' : 'no'),
);

export function oneOf<const T extends string>(...choices: T[]): Kind<T> {
  return checked(
    `is not one of: ${choices.join(', ')}`,
    (s) => choices.find((c) => c === s.toLowerCase()),
    (v) => v,
  );
}

const UNITS = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 } as const;
function formatSize(v: number): string {
  const unit = (['G', 'M', 'K'] as const).find((u) => v % UNITS[u] === 0);
  return unit ? `${v / UNITS[unit]}${unit}` : String(v);
}

/** Bytes up to `max`: a plain count or a number with K, M or G (powers of 1024), e.g. `16M`, `512 KiB`. */
export function size(max: number): Kind<number> {
  return checked(
    `is not a size (a byte count, or a number with K, M or G, e.g. 16M; at most ${formatSize(max)})`,
    (s) => {
      const m = /^(\d{1,12})\s*(?:([KMG])(?:i?B)?|B)?$/i.exec(s);
      const bytes = m ? Number(m[1]) * UNITS[(m[2]?.toUpperCase() ?? '') as keyof typeof UNITS] : 0;
      return bytes >= 1 && bytes <= max ? bytes : undefined;
    },
    formatSize,
  );
}

export const ipv4 = text(z.ipv4('is not an IPv4 address (a.b.c.d)'));

export const ipAddress = text(z.string().refine((s) => isIP(s) !== 0, 'is not an IP address'));

export const host = text(z.string().regex(/^[A-Za-z0-9.:-]+$/, 'is not a host name or IP address'));

/** Anything without control characters; used for file names, prefixes and domains. */
export const plain = text(z.string().regex(/^[^\p{Cc}]+$/u, 'contains control characters'));

export const name = text(z.string().regex(/^[A-Za-z0-9._-]+$/, "is not a name (letters, digits, '.', '_', '-')"));

/** A Linux interface name (IFNAMSIZ 16 incl. NUL); Perceus-era alias names like eth0:1 are kept. */
export const ifname = text(z.string().regex(/^[^\s/]{1,15}$/, "is not a network interface name (up to 15 characters, no spaces or '/')"));

/** Shown (`info config`, errors) without its password: the admin API is not the place for it. */
export const postgresUrl: Kind<string> = {
  schema: z.string().regex(/^postgres(ql)?:\/\/\S+$/, 'is not a PostgreSQL URL (postgres://user@host:5432/db)'),
  format: redactUrl,
  quote: redactUrl,
};

export function ipv4ToInt(ip: string): number {
  return ip.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
}

/** `a.b.c.d/nn` with no host bits set, so a typo like 10.0.0.5/24 is caught. */
export const subnet = checked(
  'is not a subnet (a.b.c.d/nn with the host bits zero, e.g. 10.0.0.0/24)',
  (s) => {
    if (!z.cidrv4().safeParse(s).success) return undefined;
    const [addr, bits] = s.split('/') as [string, string];
    const hostBits = 32 - Number(bits);
    return ipv4ToInt(addr) % 2 ** hostBits === 0 ? s : undefined;
  },
  (v) => v,
);

/** `a.b.c.d-e.f.g.h`, low to high. */
export const addressRange = checked(
  'is not an address range (a.b.c.d-e.f.g.h, low to high)',
  (s) => {
    const [lo, hi, extra] = s.split(/\s*-\s*/);
    const ok = (a?: string): a is string => a !== undefined && z.ipv4().safeParse(a).success;
    return ok(lo) && ok(hi) && extra === undefined && ipv4ToInt(lo) <= ipv4ToInt(hi) ? `${lo}-${hi}` : undefined;
  },
  (v) => v,
);

/** `<prefix><#…><suffix>` (Perceus's `^([^#]+)(#+)([^#]*)$`); the `#` count is the zero-pad width. */
export const NODE_NAME_TEMPLATE = /^([^#]+)(#+)([^#]*)$/;
export const nameTemplate = text(
  z.string().regex(NODE_NAME_TEMPLATE, "is not a node name template (a prefix, then one or more '#', then an optional suffix, e.g. n####)"),
);
