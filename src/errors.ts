/**
 * The single table of muster's error codes. Codes are stable: never renamed, never reused.
 * A retired code stays here marked retired. docs/errors.md lists every code (a test enforces it).
 *
 * Exit codes by class (CLI): 1 runtime failure, 2 bad usage/input, 3 not found, 4 conflict.
 */
export type ErrorClass = 'runtime' | 'input' | 'notfound' | 'conflict' | 'auth' | 'unavailable';

const CLASS: Record<ErrorClass, { http: number; exit: number }> = {
  runtime: { http: 500, exit: 1 },
  input: { http: 400, exit: 2 },
  notfound: { http: 404, exit: 3 },
  conflict: { http: 409, exit: 4 },
  auth: { http: 401, exit: 2 },
  unavailable: { http: 503, exit: 1 },
};

export const ERROR_CODES = {
  CONFIG_INVALID: 'input',
  CONFIG_UNREADABLE: 'runtime',
  DB_UNREACHABLE: 'unavailable',
  DB_LOCKED: 'conflict',
  DB_BUSY: 'unavailable',
  SCHEMA_TOO_NEW: 'runtime',
  MAC_INVALID: 'input',
  NAME_INVALID: 'input',
  NODE_EXISTS: 'conflict',
  NAME_TAKEN: 'conflict',
  NAMES_EXHAUSTED: 'conflict',
  NODE_NOT_FOUND: 'notfound',
  GROUP_NOT_FOUND: 'notfound',
  SET_KEY_INVALID: 'input',
  SET_VALUE_INVALID: 'input',
  PATTERN_INVALID: 'input',
  PATTERN_TOO_LARGE: 'input',
  REQUEST_INVALID: 'input',
  AUTH_REQUIRED: 'auth',
  DAEMON_UNREACHABLE: 'unavailable',
  CONFIRMATION_REQUIRED: 'input',
  STATE_INVALID: 'input',
  MODULE_FAILED: 'runtime',
  MODULE_TIMEOUT: 'runtime',
  MODULE_OUTPUT_TOO_LARGE: 'runtime',
  SPAWN_FAILED: 'runtime',
  NODE_REQUEST_INVALID: 'input',
  FILE_PATH_INVALID: 'input',
  FILE_NOT_FOUND: 'notfound',
  JIG_UNKNOWN: 'input',
  JIG_ARGS_INVALID: 'input',
  JOB_NOT_FOUND: 'notfound',
  JOB_FINISHED: 'conflict',
  JOB_ACTIVE: 'conflict',
  JOB_NOT_RUNNING: 'conflict',
  JOB_NOT_RELEASABLE: 'conflict',
  NODE_TASK_NOT_PENDING: 'conflict',
  ROUTE_NOT_FOUND: 'notfound',
  JOB_WAIT_TIMEOUT: 'runtime',
  INTERNAL: 'runtime',
  TFTP_ROOT_INVALID: 'runtime',
  TFTP_LISTEN_FAILED: 'runtime',
  DHCP_LISTEN_FAILED: 'runtime',
  LISTEN_FAILED: 'runtime',
  MODULE_NAME_INVALID: 'input',
  MODULE_NOT_INSTALLED: 'notfound',
  MODULE_INSTALLED: 'conflict',
  MODULE_ARCHIVE_INVALID: 'input',
  MODULE_ROLE_INVALID: 'input',
  MODULE_ROLE_CONFLICT: 'conflict',
  MODULE_HOOK_FAILED: 'runtime',
  IMAGE_INVALID: 'input',
  IMAGE_KERNEL_NOT_FOUND: 'input',
  IMAGE_NAME_INVALID: 'input',
  IMAGE_NOT_FOUND: 'notfound',
  IMAGE_EXISTS: 'conflict',
  IMAGE_BUSY: 'conflict',
  IMAGE_IN_USE: 'conflict',
  IMAGE_SOURCE_NOT_FOUND: 'notfound',
  IMAGE_SOURCE_INVALID: 'input',
  IMAGE_SOURCE_UNSAFE: 'input',
  IMAGE_IMPORT_ABORTED: 'runtime',
  IMAGE_IMPORT_FAILED: 'runtime',
  IMAGE_EXPORT_FAILED: 'runtime',
  IMAGE_BUSYBOX_NOT_FOUND: 'input',
} as const satisfies Record<string, ErrorClass>;

export type ErrorCode = keyof typeof ERROR_CODES;

export class MusterError extends Error {
  readonly code: ErrorCode;
  readonly details: unknown;
  constructor(code: ErrorCode, message: string, opts: { cause?: unknown; details?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'MusterError';
    this.code = code;
    this.details = opts.details;
  }
  get httpStatus(): number {
    return CLASS[ERROR_CODES[this.code]].http;
  }
  get exitCode(): number {
    return CLASS[ERROR_CODES[this.code]].exit;
  }
}

export function isMusterError(e: unknown): e is MusterError {
  return e instanceof MusterError;
}

export function httpStatusOf(code: ErrorCode): number {
  return CLASS[ERROR_CODES[code]].http;
}

export function exitCodeOf(code: ErrorCode): number {
  return CLASS[ERROR_CODES[code]].exit;
}

export function isErrorCode(s: string): s is ErrorCode {
  return Object.hasOwn(ERROR_CODES, s);
}
