/**
 * Untrusted text (a request line, a file name, a MAC someone typed) made safe to quote in an
 * error message or a log: cut to `max` characters, anything but printable ASCII shown as `?`.
 */
export function printable(s: string, max = 60): string {
  const cut = s.length > max ? s.slice(0, max) : s;
  return cut.replace(/[^\x20-\x7e]/g, '?') + (s.length > max ? '…' : '');
}

/**
 * C0 controls but tab, LF and CR (multi-line messages stay readable), DEL, C1 controls, and
 * UTF-16 surrogates without their partner (the only way a JS string holds invalid UTF-8).
 */
const UNSTORABLE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * Untrusted text (a DHCP hostname, a module name, a message from a node) made safe to store:
 * Postgres text refuses NUL (and jsonb refuses \u0000), and both refuse invalid UTF-8, so one
 * such byte would lose the whole row. Cut to `max` UTF-16 units; anything unstorable becomes
 * U+FFFD, so the stored value still shows that something was there.
 */
export function storable(s: string, max = 4096): string {
  return (s.length > max ? s.slice(0, max) : s).replace(UNSTORABLE, '\ufffd');
}
