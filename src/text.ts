/**
 * Untrusted text (a request line, a file name, a MAC someone typed) made safe to quote in an
 * error message or a log: cut to `max` characters, anything but printable ASCII shown as `?`.
 */
export function printable(s: string, max = 60): string {
  const cut = s.length > max ? s.slice(0, max) : s;
  return cut.replace(/[^\x20-\x7e]/g, '?') + (s.length > max ? '…' : '');
}
