// Helpers of the CLI tests (not a test file itself): run `edge-kms` as a user
// runs it, a child process on its source file (src/js/cli/edge-kms.js, which
// imports the built package by name); EDGE_KMS_CLI points at another copy (the
// installed bin of a packed tarball, say).
import { spawn } from 'node:child_process';
import { createCipheriv, createHash } from 'node:crypto';
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
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

/**
 * `bytes` of generated input (AES-128-CTR keystream over zeros: fast, not compressible), 1 MiB at a time,
 * hashed as it is produced; `digest()` gives the SHA-256 once it was consumed.
 * @param {number} bytes
 */
export function generatedInput(bytes) {
  const gen = createCipheriv('aes-128-ctr', Buffer.alloc(16, 3), Buffer.alloc(16, 0));
  const zeros = Buffer.alloc(1 << 20);
  const hash = createHash('sha256');
  return {
    async *[Symbol.asyncIterator]() {
      for (let left = bytes; left > 0;) {
        const n = Math.min(zeros.length, left);
        const chunk = gen.update(n === zeros.length ? zeros : zeros.subarray(0, n));
        hash.update(chunk);
        left -= n;
        yield chunk;
      }
    },
    digest: () => hash.digest('hex'),
  };
}

/**
 * A measured round trip of `mib` MiB through the CLI: generated input on stdin → `encrypt -o FILE`, then
 * `decrypt -i FILE` → stdout, hashed as it arrives. Each CLI process reports its own peak RSS.
 * @param {string} dir a scratch directory @param {number} mib @param {string[]} keys the key options
 */
export async function measuredRoundTrip(dir, mib, keys) {
  const input = generatedInput(mib * 2 ** 20);
  const sealed = join(dir, `round-trip-${mib}.sealed`);
  const t0 = performance.now();
  const enc = await runCli(['encrypt', ...keys, '-o', sealed], { stdin: input, rssFile: join(dir, 'enc.rss'), timeoutMs: 600_000 });
  const t1 = performance.now();
  if (enc.code !== 0) throw new Error(`encrypt failed: ${enc.stderr}`);
  const sealedBytes = (await stat(sealed)).size;
  const out = createHash('sha256');
  let plainBytes = 0;
  const dec = await runCli(['decrypt', ...keys, '-i', sealed], { rssFile: join(dir, 'dec.rss'), timeoutMs: 600_000, onStdout: (c) => { out.update(c); plainBytes += c.length; } });
  const t2 = performance.now();
  if (dec.code !== 0) throw new Error(`decrypt failed: ${dec.stderr}`);
  await rm(sealed);
  const kib = async (name) => Number(await readFile(join(dir, name), 'utf8'));
  return {
    inputSha256: input.digest(), outputSha256: out.digest('hex'), plainBytes, sealedBytes,
    encryptPeakMiB: Math.round((await kib('enc.rss')) / 1024), decryptPeakMiB: Math.round((await kib('dec.rss')) / 1024),
    encryptSeconds: (t1 - t0) / 1000, decryptSeconds: (t2 - t1) / 1000,
  };
}
