// Where the command line's bytes go: an output file that appears only when the
// command succeeded, and the progress line on stderr.
//
// A file is written as a temporary file in the same directory (so the final
// rename stays on one file system and is atomic), mode 0600 while it is being
// written, flushed to disk, then renamed over the target. On any failure,
// and on SIGINT/SIGTERM, the temporary file is deleted: a decrypt that fails at
// the last frame or at the footer signature leaves nothing behind.
import { open, rename, unlink, chmod, stat, realpath } from 'node:fs/promises';
import { unlinkSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { Writable } from 'node:stream';

/** Temporary files not yet renamed or removed: removed synchronously if the process is interrupted. */
const pending = new Set();

/** Removes every pending temporary file (from a signal handler: synchronous). */
export function removePendingSync() {
  for (const path of pending) {
    try { unlinkSync(path); } catch { /* already gone */ }
  }
  pending.clear();
}

/**
 * An output file written through a temporary file beside it. A target that exists
 * and is not a regular file — a device such as /dev/null, a FIFO — is written to
 * directly (a rename would replace the device or pipe itself with a file), with
 * stdout's semantics: what was written stays. A symbolic link is followed, so the
 * file it points to is replaced and the link stays. A directory is EISDIR.
 * @param {string} target the final path
 * @param {{ mode: number }} options `mode` of the final file (0o600 for plaintext)
 */
export async function atomicFile(target, { mode }) {
  /** @type {import('node:fs').Stats | undefined} */ let st;
  try { st = await stat(target); } catch (e) { if (/** @type {any} */ (e).code !== 'ENOENT') throw e; }
  if (st?.isDirectory()) throw Object.assign(new Error(`${target} is a directory`), { code: 'EISDIR' });
  if (st && !st.isFile()) return directFile(target);
  if (st) target = await realpath(target);
  const tmp = join(dirname(target), `.${basename(target)}.edge-kms-${randomBytes(6).toString('hex')}.tmp`);
  // 'wx': never follow or reuse an existing path; 0600 until the content is complete.
  const handle = await open(tmp, 'wx', 0o600);
  pending.add(tmp);
  let closed = false;
  const close = async () => { if (!closed) { closed = true; await handle.close(); } };
  const stream = new Writable({
    highWaterMark: 1 << 20,
    write(chunk, _encoding, done) {
      handle.write(chunk).then(() => done(), done);
    },
    final(done) {
      handle.sync().then(() => done(), done);
    },
  });
  return {
    stream,
    /** Renames the complete file into place. */
    async commit() {
      await close();
      if (mode !== 0o600) await chmod(tmp, mode & ~process.umask());
      await rename(tmp, target);
      pending.delete(tmp);
    },
    /** Deletes the temporary file (idempotent; never throws). */
    async discard() {
      stream.destroy();
      try { await close(); } catch { /* closing a failed handle */ }
      try { await unlink(tmp); } catch { /* already gone */ }
      pending.delete(tmp);
    },
  };
}

/**
 * Writes straight into an existing non-regular file (a device, a FIFO): nothing to rename, nothing to delete.
 * @param {string} target
 */
async function directFile(target) {
  const handle = await open(target, 'w');
  let closed = false;
  const close = async () => { if (!closed) { closed = true; await handle.close(); } };
  const stream = new Writable({
    highWaterMark: 1 << 20,
    write(chunk, _encoding, done) { handle.write(chunk).then(() => done(), done); },
  });
  return {
    stream,
    async commit() { await close(); },
    async discard() {
      stream.destroy();
      try { await close(); } catch { /* closing a failed handle */ }
    },
  };
}

const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
/** @param {number} n */
export function formatBytes(n) {
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`;
}
/** @param {number} s */
function formatSeconds(s) {
  if (!Number.isFinite(s)) return '?';
  s = Math.round(s);
  return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor(s / 60) % 60).padStart(2, '0')}m` : s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/**
 * A progress line on `stream` (stderr) when it is a terminal, nothing otherwise:
 * bytes done (of the total, when known), rate, ETA. Redrawn at most 5 times a second.
 * @param {{ isTTY?: boolean, write: (s: string) => unknown }} stream
 * @param {{ total?: number, label: string, enabled: boolean }} options
 */
export function progress(stream, { total, label, enabled }) {
  const on = enabled && stream.isTTY === true;
  const t0 = Date.now();
  let done = 0, last = 0, drawn = false;
  const draw = () => {
    const s = (Date.now() - t0) / 1000;
    const rate = s > 0 ? done / s : 0;
    let line = `${label} ${formatBytes(done)}`;
    if (total !== undefined && total > 0) {
      line += ` / ${formatBytes(total)} ${Math.floor((done / total) * 100)}%`;
    }
    line += `  ${formatBytes(rate)}/s`;
    if (total !== undefined && total > 0) line += `  ETA ${rate > 0 ? formatSeconds((total - done) / rate) : '?'}`;
    stream.write(`\r${line}\x1b[K`);
    drawn = true;
  };
  return {
    /** @param {number} n bytes just read */
    add(n) {
      done += n;
      if (!on) return;
      const now = Date.now();
      if (now - last >= 200) { last = now; draw(); }
    },
    /** Clears the line. */
    end() {
      if (on && drawn) stream.write('\r\x1b[K');
    },
  };
}
