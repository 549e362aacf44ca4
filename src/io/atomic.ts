/**
 * Atomic file replacement (Node): after `writeFileAtomic(path, bytes)` the file at `path` holds
 * either its previous content or `bytes`, whole, never a mixture, even if the process is killed
 * at any moment or the machine loses power (on file systems that honour fsync).
 *
 *   1. write `bytes` to `<name>.tmp-<pid>-<random>` in the same directory (same file system, so
 *      step 3 is a rename, not a copy)
 *   2. fsync the temp file: its bytes are on disk before its name is
 *   3. (backup) hard-link the current file as `<name>.bak`, through a temp name and a rename
 *   4. rename the temp file over `path`: POSIX rename replaces the name atomically
 *   5. fsync the directory: the rename itself is on disk
 * On any error before step 4 the temp file is removed and `path` is untouched. The backup is a
 * hard link (no copy) where the file system allows; safe because recur never writes a checkpoint
 * in place, only replaces it by rename.
 *
 * A kill between steps 1 and 4 leaves a temp file behind (harmless: loaders never read it).
 * After each successful write, temp files of `path` whose writer process no longer exists are
 * removed; those of live processes (another writer at work) are left alone.
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  copyFileSync,
  existsSync,
  fsyncSync,
  linkSync,
  openSync,
  readdirSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

export interface AtomicWriteOptions {
  /** Keep the replaced file as `<path>.bak` (default false). */
  backup?: boolean;
}

/**
 * Replace the file at `path` with `bytes` atomically (see the file header). Throws the file
 * system's error (with its `code`) when a step fails; `path` is then unchanged.
 *
 * @example writeFileAtomic('model.recur', bytes, { backup: true });
 */
export function writeFileAtomic(path: string, bytes: Uint8Array, options: AtomicWriteOptions = {}): void {
  const target = resolve(path);
  const dir = dirname(target);
  const tmp = tempName(target);
  let bakTmp: string | null = null;
  try {
    const fd = openSync(tmp, 'wx', 0o644);
    try {
      let done = 0;
      while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (options.backup === true && existsSync(target)) {
      bakTmp = tempName(`${target}.bak`);
      try {
        linkSync(target, bakTmp);
      } catch {
        copyFileSync(target, bakTmp); // file systems without hard links
      }
      renameSync(bakTmp, `${target}.bak`);
      bakTmp = null;
    }
    renameSync(tmp, target);
  } catch (e) {
    removeQuietly(tmp);
    if (bakTmp !== null) removeQuietly(bakTmp);
    throw e;
  }
  fsyncDirectory(dir);
  removeStaleTemps(target);
}

/** `<dir>/<name>.tmp-<pid>-<8 hex digits>`. */
function tempName(target: string): string {
  return `${target}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone, or the directory itself went away
  }
}

/**
 * Make a rename durable. Best effort: Windows cannot open a directory, and some file systems
 * reject fsync on one; the rename is atomic either way, only its durability on power loss differs.
 */
function fsyncDirectory(dir: string): void {
  if (process.platform === 'win32') return;
  let fd: number | null = null;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // see above
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

/** Whether process `pid` exists (EPERM: it exists but belongs to another user). */
function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Remove `<name>.tmp-<pid>-<hex>` and `<name>.bak.tmp-<pid>-<hex>` files left by killed writers
 * (pid not running). Returns the names removed. A pid reused by an unrelated process only
 * postpones the removal.
 */
export function removeStaleTemps(target: string): string[] {
  const dir = dirname(target);
  const base = basename(target).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const pattern = new RegExp(`^${base}(?:\\.bak)?\\.tmp-(\\d+)-[0-9a-f]+$`);
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return removed;
  }
  for (const name of names) {
    const m = pattern.exec(name);
    if (m === null) continue;
    const pid = Number(m[1]);
    if (pid === process.pid || processExists(pid)) continue;
    removeQuietly(join(dir, name));
    removed.push(name);
  }
  return removed;
}
