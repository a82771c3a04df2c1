/**
 * A process that takes the embedded-DB lock on command, for tests racing two processes:
 * stdin `go` → tries once, prints `won` or `locked <error code>`; `release` → prints `released`.
 */
import { createInterface } from 'node:readline';
import { acquireLock, type Lock } from '../../src/db/lock.js';
import { isMusterError } from '../../src/errors.js';

const dir = process.argv[2]!;
let lock: Lock | null = null;
for await (const line of createInterface({ input: process.stdin })) {
  if (line === 'go') {
    try {
      lock = await acquireLock(dir);
      console.log('won');
    } catch (err) {
      console.log(`locked ${isMusterError(err) ? err.code : String(err)}`);
    }
  } else if (line === 'release') {
    await lock?.release();
    lock = null;
    console.log('released');
  }
}
