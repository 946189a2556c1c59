#!/usr/bin/env node
// The docs page's file step (www/playground-file.js) in Chromium beside a peer
// in the same page and run: raw WebCrypto AES-256-GCM over the same file, one
// crypto.subtle call per 1 MiB chunk, through the same File.stream() → origin
// private file system path. The peer has no message format, no key
// commitment, no signature and no data key from KMS: it is the floor a
// streaming browser encryptor pays for AES-GCM and the I/O. (The AWS
// Encryption SDK for JavaScript cannot stream in browsers, its issue #229, so
// it is not a peer here.) A script, not a test.
//
// The page runs against the demo server (pkg-scripts/demo-server.js, in-memory
// dev KMS) in a persistent Chromium profile (on-disk storage, as a user's).
// A random file of --mib MiB (default 256); each cell the median of --slices
// interleaved slices (default 3). edge-kms rows are timed from the click to the
// page's result (one GenerateDataKey or Decrypt through the broker included);
// the sealed message of each slice is opened back in the same slice.
//
//   node bench/browser-file.bench.js [--mib 256] [--slices 3]
import { spawn } from 'node:child_process';
import { createCipheriv, randomBytes, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS } from '../tests/js/browser.js';

const { values } = parseArgs({ options: { mib: { type: 'string', default: '256' }, slices: { type: 'string', default: '3' } } });
const MIB = Number(values.mib), SLICES = Number(values.slices);
const dir = await mkdtemp(join(tmpdir(), 'edge-kms-browser-file-bench-'));

const server = spawn(process.execPath, [fileURLToPath(new URL('../pkg-scripts/demo-server.js', import.meta.url)), '--in-memory', '--quiet'], { env: { ...process.env, PORT: '0' }, stdio: ['ignore', 'pipe', 'inherit'] });
let out = '';
server.stdout.on('data', (c) => { out += c; });
while (!/edge-kms demo on (http:\/\/127\.0\.0\.1:\d+)/.test(out)) {
  if (server.exitCode !== null) throw new Error('demo server did not start');
  await new Promise((ok) => setTimeout(ok, 50));
}
const base = /edge-kms demo on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)[1];
const context = await chromium.launchPersistentContext(join(dir, 'profile'), {
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: [...CHROMIUM_ARGS, `--edge-kms-bench=${randomUUID()}`],
});

/** Writes `mib` MiB of AES-CTR keystream (incompressible) to `path`. */
async function makeFile(path, mib) {
  const ctr = createCipheriv('aes-128-ctr', randomBytes(16), randomBytes(16));
  const w = createWriteStream(path);
  const zeros = Buffer.alloc(1 << 20);
  for (let i = 0; i < mib; i++) if (!w.write(ctr.update(zeros))) await once(w, 'drain');
  w.end();
  await once(w, 'finish');
}

/** In the page: the peer, AES-256-GCM per 1 MiB chunk of `file` into an OPFS file; then back. Seconds each. */
const peer = async () => {
  const CHUNK = 2 ** 20;
  const file = document.querySelector('#pg-file-input').files[0];
  const root = await navigator.storage.getDirectory();
  const key = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
  // Re-chunks a byte stream into `size`-byte pieces (the last may be shorter).
  const rechunk = (size) => {
    let buf = new Uint8Array(size), n = 0;
    return new TransformStream({
      transform(chunk, c) {
        for (let off = 0; off < chunk.length;) {
          const k = Math.min(size - n, chunk.length - off);
          buf.set(chunk.subarray(off, off + k), n);
          n += k; off += k;
          if (n === size) { c.enqueue(buf); buf = new Uint8Array(size); n = 0; }
        }
      },
      flush(c) { if (n) c.enqueue(buf.subarray(0, n)); },
    });
  };
  const run = async (src, name, size, fn) => {
    const h = await root.getFileHandle(name, { create: true });
    const t = performance.now();
    await src.pipeThrough(rechunk(size)).pipeThrough(new TransformStream({ transform: async (c, ctl) => ctl.enqueue(new Uint8Array(await fn(c))) })).pipeTo(await h.createWritable());
    return [(performance.now() - t) / 1000, h];
  };
  let seq = 0;
  const [enc, sealed] = await run(file.stream(), 'peer.sealed', CHUNK, async (c) => {
    const iv = new Uint8Array(12);
    new DataView(iv.buffer).setUint32(8, seq++);
    const ct = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, key, c));
    const framed = new Uint8Array(12 + ct.length);
    framed.set(iv); framed.set(ct, 12);
    return framed;
  });
  const [dec] = await run((await sealed.getFile()).stream(), 'peer.plain', CHUNK + 28, async (c) => crypto.subtle.decrypt({ name: 'AES-GCM', iv: c.subarray(0, 12) }, key, c.subarray(12)));
  await root.removeEntry('peer.sealed');
  await root.removeEntry('peer.plain');
  return { enc, dec };
};

/** Clicks seal or open on the page and waits for its result; seconds, and the result's data. */
async function pageRun(page, which) {
  await page.evaluate(() => { delete document.querySelector('#pg-file-result').dataset.outcome; });
  const t = performance.now();
  await page.locator(which === 'seal' ? '#pg-file-seal' : '#pg-file-open').click();
  await page.waitForFunction(() => document.querySelector('#pg-file-result')?.dataset.outcome, null, { timeout: 30 * 60_000, polling: 20 });
  const seconds = (performance.now() - t) / 1000;
  const r = await page.locator('#pg-file-result').evaluate((e) => ({ ...e.dataset }));
  if (r.outcome !== `${which}-ok`) throw new Error(`${which}: ${r.outcome} ${r.code}`);
  return seconds;
}

const median = (xs) => xs.toSorted((a, b) => a - b)[Math.floor(xs.length / 2)];
try {
  const input = join(dir, 'input.bin');
  await makeFile(input, MIB);
  const page = await context.newPage();
  await page.goto(`${base}/#pg-files`);
  await page.waitForSelector('html[data-ready=true]');
  if (await page.locator('#pg-file-pick').isChecked()) await page.locator('#pg-file-pick').uncheck();
  const rows = { peer: { enc: [], dec: [] }, signed: { enc: [], dec: [] }, unsigned: { enc: [], dec: [] } };
  for (let s = 0; s < SLICES; s++) {
    await page.locator('#pg-file-input').setInputFiles(input);
    const p = await page.evaluate(peer);
    rows.peer.enc.push(p.enc); rows.peer.dec.push(p.dec);
    for (const suite of ['signed', 'unsigned']) {
      await page.locator('#pg-file-input').setInputFiles(input);
      await page.locator(`input[name=pg-file-suite][value=${suite === 'signed' ? 'AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384' : 'AES_256_GCM_HKDF_SHA512_COMMIT_KEY'}]`).check();
      rows[suite].enc.push(await pageRun(page, 'seal'));
      // Open the staged sealed file itself (no download in between).
      await page.evaluate(async () => {
        const a = document.querySelector('#pg-file-download-seal');
        const f = await (await fetch(a.href)).blob();
        const dt = new DataTransfer();
        dt.items.add(new File([f], 'bench.encrypted'));
        const input = document.querySelector('#pg-file-input');
        input.files = dt.files;
        input.dispatchEvent(new Event('change'));
      });
      rows[suite].dec.push(await pageRun(page, 'open'));
    }
  }
  console.log(`Chromium ${context.browser()?.version() ?? ''}, ${MIB} MiB, median of ${SLICES} interleaved slices; peer: WebCrypto AES-256-GCM per 1 MiB chunk, same File.stream() → OPFS path`);
  console.log('| size | op | what | seconds | MiB/s | time / WebCrypto peer |');
  console.log('|---|---|---|---|---|---|');
  for (const [op, k] of [['encrypt', 'enc'], ['decrypt', 'dec']]) {
    const floor = median(rows.peer[k]);
    for (const [name, label] of [['peer', 'WebCrypto AES-256-GCM, 1 MiB chunks (peer)'], ['signed', 'edge-kms file step, signed suite (0x0578)'], ['unsigned', 'edge-kms file step, unsigned suite (0x0478)']]) {
      const sec = median(rows[name][k]);
      console.log(`| ${MIB} MiB | ${op} | ${label} | ${sec.toFixed(2)} | ${(MIB / sec).toFixed(0)} | ${(sec / floor).toFixed(2)}× |`);
    }
  }
} finally {
  await context.close();
  server.kill('SIGTERM');
  await rm(dir, { recursive: true, force: true });
}
