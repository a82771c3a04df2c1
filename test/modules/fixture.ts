/**
 * Perceus module archives built by the test from its own files, with the system tar (GNU tar
 * stores what it is given: `-P` keeps `..` and absolute names, so hostile archives are real ones).
 */
import { chmod, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import assert from 'node:assert/strict';
import { execa } from 'execa';
import { isMusterError } from '../../src/errors.js';

/** A module that says hello to the node it renders for, and records how its activate ran. */
export const HELLO_SCRIPT = '#!/bin/sh\necho "echo hello from $NODENAME in $STATE"\n';
export const HELLO_ACTIVATE = '#!/bin/sh\necho "activate got: $*"\nprintf "%s|%s|%s\\n" "$STATEDIR" "$STATES" "$*" >> activate.log\n';

export async function put(root: string, rel: string, text: string, exec = false): Promise<void> {
  const path = join(root, rel);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text);
  await chmod(path, exec ? 0o755 : 0o644);
}

/** A fresh directory holding the hello module's files at its top. */
export async function helloTree(o: { defaultroles?: string; activate?: string } = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'muster-pmod-'));
  await put(dir, 'nodescripts/50-hello', HELLO_SCRIPT, true);
  await put(dir, 'defaultroles', o.defaultroles ?? 'init/all\n');
  await put(dir, 'activate', o.activate ?? HELLO_ACTIVATE, true);
  return dir;
}

/** `tar <flags> FILE -C dir members…`, the archive's bytes. */
export async function tarOf(dir: string, members: string[], flags = '-cjf'): Promise<Buffer> {
  const out = join(await mkdtemp(join(tmpdir(), 'muster-tar-')), 'm.pmod');
  await execa('tar', [flags, out, '-P', '-C', dir, ...members]);
  return readFile(out);
}

/** Rejects with a MusterError of this code whose message matches. */
export async function refused(p: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  await assert.rejects(p, (err) => isMusterError(err) && err.code === code && message.test(err.message));
}
