// Helpers of the CLI tests (not a test file itself): run `edge-kms` as a user
// runs it, a child process on its source file (src/js/cli/edge-kms.js, which
// imports the built package by name); EDGE_KMS_CLI points at another copy (the
// installed bin of a packed tarball, say).
import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

export const CLI = process.env.EDGE_KMS_CLI ?? fileURLToPath(new URL('../../src/js/cli/edge-kms.js', import.meta.url));
const RSS_HOOK = fileURLToPath(new URL('./e2e/rss-on-exit.mjs', import.meta.url));

/**
 * Runs the CLI. `stdin`: bytes, or an async iterable of chunks (written with backpressure), or nothing.
 * With `rssFile`, the child writes its peak RSS (KiB, process.resourceUsage().maxRSS) there as it exits.
 * @param {string[]} args
 * @param {{ stdin?: Uint8Array | string | AsyncIterable<Uint8Array>, cwd?: string, env?: Record<string, string>, rssFile?: string, timeoutMs?: number, onStdout?: (c: Buffer) => void, onSpawn?: (child: import('node:child_process').ChildProcess) => void }} [options]
 * @returns {Promise<{ code: number | null, signal: string | null, stdout: Buffer, stderr: string }>}
 */
export function runCli(args, { stdin, cwd, env, rssFile, timeoutMs = 120_000, onStdout, onSpawn } = {}) {
  const node = rssFile ? ['--import', RSS_HOOK] : [];
  const child = spawn(process.execPath, [...node, CLI, ...args], {
    cwd, env: { ...process.env, ...env, ...(rssFile ? { EDGE_KMS_RSS_FILE: rssFile } : {}) }, stdio: ['pipe', 'pipe', 'pipe'],
  });
  onSpawn?.(child);
  const out = [];
  let err = '';
  child.stdout.on('data', (c) => { if (onStdout) onStdout(c); else out.push(c); });
  child.stderr.on('data', (c) => { err += c; });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const done = new Promise((ok) => child.once('close', (code, signal) => { clearTimeout(timer); ok({ code, signal, stdout: Buffer.concat(out), stderr: err }); }));
  child.stdin.on('error', () => { /* the CLI may stop reading early (it failed): its exit code says why */ });
  if (stdin === undefined) child.stdin.end();
  else if (typeof stdin === 'string' || stdin instanceof Uint8Array) child.stdin.end(stdin);
  else {
    (async () => {
      for await (const chunk of stdin) {
        if (!child.stdin.write(chunk)) await new Promise((ok) => { child.stdin.once('drain', ok); child.once('close', ok); });
        if (child.exitCode !== null || child.signalCode !== null) return;
      }
      child.stdin.end();
    })().catch(() => child.stdin.destroy());
  }
  return done;
}

/** Names in `dir`, for "no partial output file, no temporary file left" checks. @param {string} dir */
export const listDir = async (dir) => (await readdir(dir)).sort();
