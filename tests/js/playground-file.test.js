// The playground's file step (www/playground-file.js, issue 12 §3) in headless
// Chromium against the real demo server (pkg-scripts/demo-server.js: broker +
// in-memory dev KMS + page + package).
//
// 1. A generated file of EDGE_KMS_FILE_MIB MiB (default 1024) is chosen with
//    the file input, sealed (encryptStream, signed suite) and downloaded,
//    the downloaded sealed file chosen again, opened (decryptStream) and its
//    plaintext downloaded: the download's SHA-256 must equal the input's.
//    Memory, measured with the browser's own figures:
//    - the renderer process's resident set, from Linux /proc/<pid>/status of
//      the Chromium processes this test launched (the peak is the higher of
//      VmHWM, the kernel's high-water mark, which it updates lazily, and
//      VmRSS sampled every 200 ms): asserted to grow by less than
//      RENDERER_BOUND_MIB (384 MiB) over its level with the page loaded
//      and the envelope module warmed up by sealing 4 KiB (the page loads
//      that module on first use).
//      Holding the file, the message or the output would add 1 GiB. The
//      growth measured is a plateau that does not follow the file's size
//      (64 MiB: +185 MiB, 256 MiB: +151 to +233, 1 GiB: +210 to +277), and
//      mostly garbage: chunk buffers waiting for a collection the 3 MiB JS
//      heap rarely triggers (with gc() forced every 100 ms, --expose-gc, the
//      same 256 MiB run grew +78 MiB).
//    - CDP Performance.getMetrics JSHeapUsedSize, sampled: reported, and
//      bounded too (ArrayBuffer contents are outside that heap, so RSS is
//      the figure that matters).
//    A control first: a page that holds 256 MiB must raise its renderer's
//    VmHWM by at least 200 MiB, or the measure could not see the page.
// 2. Small files: a dropped file, the save picker path, tampered and
//    truncated sealed files (a code, nothing offered, no staged file left),
//    cancel. showSaveFilePicker's dialog cannot be answered in headless
//    Chromium, so there (only) the test replaces showSaveFilePicker with a
//    function returning a handle in the origin private file system: the
//    writable the page streams into is the browser's real
//    FileSystemWritableFileStream either way.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv, createHash, randomBytes, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, link, mkdtemp, readFile, readdir, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS } from './browser.js';
import { startDemoServer } from './demo-server.js';

const MIB = 2 ** 20;
const SIZE_MIB = Number(process.env.EDGE_KMS_FILE_MIB ?? 1024);
const RENDERER_BOUND_MIB = 384;
const JS_HEAP_BOUND_MIB = 128;
const FRAME = MIB; // the playground's EnvelopeClient uses the default frame length
let demo, base, context, browserPid, dir;
const consoleErrors = [];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'edge-kms-file-'));
  demo = await startDemoServer(['--quiet']);
  base = demo.base;
  // A switch Chromium ignores marks this test's browser process, so its renderers can be found in /proc
  // (other suites may run Chromium at the same time).
  const marker = `--edge-kms-file-test=${randomUUID()}`;
  // A persistent profile, as a user's browser has: Playwright's other contexts are off the record, where Chromium
  // keeps site storage (the origin private file system too) in memory and with a small quota.
  context = await chromium.launchPersistentContext(join(dir, 'profile'), {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [...CHROMIUM_ARGS, marker],
    viewport: { width: 1200, height: 900 },
    acceptDownloads: true,
  });
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const cmd = await readFile(`/proc/${name}/cmdline`, 'utf8').catch(() => '');
    if (cmd.includes(marker) && !cmd.includes('--type=')) browserPid = Number(name);
  }
  if (!browserPid) throw new Error('the Chromium browser process was not found in /proc');
});

after(async () => {
  await context?.close();
  await demo?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

// ─────────────────────────────── process memory, from /proc

/** Chromium's processes under the browser this test launched: pid → { type, rssKiB, hwmKiB }. */
async function chromiumProcesses() {
  const rootPid = browserPid;
  const parent = new Map();
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const s = await readFile(`/proc/${name}/stat`, 'utf8');
      parent.set(Number(name), Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[1]));
    } catch { /* exited */ }
  }
  const mine = (pid) => { for (let p = pid, i = 0; p > 1 && i < 64; p = parent.get(p) ?? 0, i++) if (p === rootPid) return true; return false; };
  const out = new Map();
  for (const pid of parent.keys()) {
    if (!mine(pid)) continue;
    try {
      const [cmd, status] = await Promise.all([readFile(`/proc/${pid}/cmdline`, 'utf8'), readFile(`/proc/${pid}/status`, 'utf8')]);
      const type = /--type=([a-z-]+)/.exec(cmd)?.[1] ?? 'browser';
      const kib = (k) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
      out.set(pid, { type, rssKiB: kib('VmRSS'), hwmKiB: kib('VmHWM') });
    } catch { /* exited */ }
  }
  return out;
}

const renderers = async () => new Map([...await chromiumProcesses()].filter(([, p]) => p.type === 'renderer'));

/** Samples every 200 ms: the highest VmRSS per renderer and of all the browser's processes together. */
function sampler() {
  const peakRss = new Map();
  let peakTotalKiB = 0;
  let stop = false;
  const done = (async () => {
    while (!stop) {
      const procs = await chromiumProcesses();
      let total = 0;
      for (const [pid, p] of procs) {
        total += p.rssKiB;
        if (p.type === 'renderer') peakRss.set(pid, Math.max(peakRss.get(pid) ?? 0, p.rssKiB));
      }
      peakTotalKiB = Math.max(peakTotalKiB, total);
      await new Promise((ok) => setTimeout(ok, 200));
    }
  })();
  return { async stop() { stop = true; await done; return { peakRss, peakTotalKiB }; } };
}

// ─────────────────────────────── page helpers

async function open() {
  const page = await context.newPage();
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(`${m.text()} (${page.url()})`); });
  page.on('pageerror', (e) => consoleErrors.push(`${e} (${page.url()})`));
  await page.goto(`${base}/#pg-files`);
  await page.waitForSelector('html[data-ready=true]', { timeout: 15_000 });
  await page.waitForSelector('#pg-file-seal');
  return page;
}

/** Clicks `button` ('seal' or 'open') and waits for the run to end; returns the result's data attributes. */
async function run(page, dir, { timeout = 60_000 } = {}) {
  await page.evaluate(() => { for (const k of ['outcome', 'code']) delete document.querySelector('#pg-file-result').dataset[k]; });
  await page.locator(dir === 'seal' ? '#pg-file-seal' : '#pg-file-open').click();
  await page.waitForFunction(() => document.querySelector('#pg-file-result')?.dataset.outcome, null, { timeout, polling: 250 });
  return page.locator('#pg-file-result').evaluate((r) => ({ ...r.dataset }));
}

/** Clicks the download link of `dir`; returns the download (its file is Chromium's own download, on disk). */
/** Clicks the download link of `dir`, waits for Chromium's download to finish and links it to `path` (no copy); returns its suggested name. */
async function download(page, dir, path, timeout = 300_000) {
  const [d] = await Promise.all([page.waitForEvent('download', { timeout }), page.locator(`#pg-file-download-${dir}`).click()]);
  const done = await d.path();
  await link(done, path).catch(() => copyFile(done, path));
  await d.delete();
  return d.suggestedFilename();
}

async function sha256File(path) {
  const h = createHash('sha256');
  for await (const c of createReadStream(path, { highWaterMark: 4 * MIB })) h.update(c);
  return h.digest('hex');
}

/** Writes `mib` MiB of pseudo-random bytes (an AES-CTR keystream under a random key: fast, incompressible) to `path`; returns its SHA-256. */
async function generate(path, mib) {
  const h = createHash('sha256');
  const out = createWriteStream(path);
  const ctr = createCipheriv('aes-128-ctr', randomBytes(16), randomBytes(16));
  const zeros = Buffer.alloc(4 * MIB);
  for (let i = 0; i < mib; i += 4) {
    const chunk = ctr.update(zeros.subarray(0, Math.min(4, mib - i) * MIB));
    h.update(chunk);
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return h.digest('hex');
}

/** The names in the page's staging directory of the origin private file system. */
const stagedNames = (page) => page.evaluate(async () => {
  const root = await navigator.storage.getDirectory();
  const names = [];
  try { for await (const name of (await root.getDirectoryHandle('edge-kms-playground')).keys()) names.push(name); } catch { /* none yet */ }
  return names;
});

// ─────────────────────────────── the big file

test(`a ${SIZE_MIB} MiB file: sealed, downloaded, opened back, downloaded; SHA-256 equal; renderer memory bounded`, { timeout: 30 * 60_000 }, async (t) => {
  const input = join(dir, 'big.bin');
  const t0 = performance.now();
  const inputSha = await generate(input, SIZE_MIB);
  t.diagnostic(`generated ${SIZE_MIB} MiB in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  // Control: the measure sees a page's memory. Another site (localhost, not 127.0.0.1), so another renderer.
  const before0 = await renderers();
  const control = await context.newPage();
  await control.goto(`${base.replace('127.0.0.1', 'localhost')}/`);
  const fresh = [...(await renderers()).keys()].filter((pid) => !before0.has(pid));
  const hwm0 = await renderers();
  await control.evaluate(() => { globalThis.held = new Uint8Array(256 * 2 ** 20).fill(7); });
  const hwm1 = await renderers();
  const controlMiB = Math.max(...fresh.map((pid) => ((hwm1.get(pid)?.hwmKiB ?? 0) - (hwm0.get(pid)?.hwmKiB ?? 0)) / 1024));
  await control.close();
  assert.ok(controlMiB >= 200, `a page holding 256 MiB must raise its renderer's VmHWM by 200 MiB or more (saw +${controlMiB.toFixed(0)} MiB)`);

  const known = await renderers();
  const page = await open();
  const pagePids = [...(await renderers()).keys()].filter((pid) => !known.has(pid));
  assert.ok(pagePids.length >= 1, 'the page has a renderer of its own');
  // The box is ticked where the save picker exists; the download path is the one headless Chromium can finish.
  await page.locator('#pg-file-pick').uncheck();
  // Warm up: the page loads the envelope module on first use; the baseline includes it.
  await dropFile(page, 'warm-up.bin', randomBytes(4096).toString('base64'));
  assert.equal((await run(page, 'seal')).outcome, 'seal-ok');
  await page.evaluate(async () => (await navigator.storage.getDirectory()).removeEntry('edge-kms-playground', { recursive: true }));
  const baseline = await renderers();
  const baseTotalMiB = [...(await chromiumProcesses()).values()].reduce((n, p) => n + p.rssKiB, 0) / 1024;
  const baseHwmMiB = Math.max(...pagePids.map((pid) => baseline.get(pid).hwmKiB / 1024));
  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable');
  let heapPeak = 0;
  let heapStop = false;
  const heapDone = (async () => {
    while (!heapStop) {
      const { metrics } = await cdp.send('Performance.getMetrics');
      heapPeak = Math.max(heapPeak, metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? 0);
      await new Promise((ok) => setTimeout(ok, 250));
    }
  })();
  const samples = sampler();

  let sealSeconds, openSeconds, downSeconds, sealedPath, plainPath, peaks;
  try {
    await page.locator('#pg-file-input').setInputFiles(input);
    assert.equal(await page.locator('#pg-file-chosen').getAttribute('data-size'), String(SIZE_MIB * MIB));

    const tSeal = performance.now();
    const sealed = await run(page, 'seal', { timeout: 20 * 60_000 });
    sealSeconds = (performance.now() - tSeal) / 1000;
    assert.equal(sealed.outcome, 'seal-ok', `sealing: ${sealed.code}`);
    assert.equal(sealed.mode, 'opfs');
    sealedPath = join(dir, 'big.bin.encrypted');
    const tDown = performance.now();
    assert.equal(await download(page, 'seal', sealedPath), 'big.bin.encrypted');
    downSeconds = (performance.now() - tDown) / 1000;
    const sealedSize = (await stat(sealedPath)).size;
    assert.equal(String(sealedSize), sealed.bytes);
    const frames = Math.ceil((SIZE_MIB * MIB) / FRAME);
    assert.ok(sealedSize > SIZE_MIB * MIB + frames * 32 && sealedSize < SIZE_MIB * MIB + frames * 32 + 4096, `sealed ${sealedSize} bytes`);

    await page.locator('#pg-file-input').setInputFiles(sealedPath);
    const tOpen = performance.now();
    const opened = await run(page, 'open', { timeout: 20 * 60_000 });
    openSeconds = (performance.now() - tOpen) / 1000;
    assert.equal(opened.outcome, 'open-ok', `opening: ${opened.code}`);
    plainPath = join(dir, 'big.bin.out');
    assert.equal(await download(page, 'open', plainPath), 'big.bin');
  } finally {
    heapStop = true;
    peaks = await samples.stop();
    await heapDone.catch(() => {});
  }
  const { peakRss, peakTotalKiB } = peaks;
  const after = await renderers();
  const peakHwmMiB = Math.max(...pagePids.map((pid) => (after.get(pid)?.hwmKiB ?? 0) / 1024));
  const peakSampledMiB = Math.max(...pagePids.map((pid) => (peakRss.get(pid) ?? 0) / 1024));
  // The kernel updates VmHWM lazily (at unmaps and exits), so a sample of VmRSS can be higher: take both.
  const peakMiB = Math.max(peakHwmMiB, peakSampledMiB);
  t.diagnostic(`seal ${sealSeconds.toFixed(1)} s (${(SIZE_MIB / sealSeconds).toFixed(0)} MiB/s), open ${openSeconds.toFixed(1)} s (${(SIZE_MIB / openSeconds).toFixed(0)} MiB/s), download of the sealed file ${downSeconds.toFixed(1)} s`);
  t.diagnostic(`renderer RSS ${baseHwmMiB.toFixed(0)} MiB loaded (VmHWM) → ${peakMiB.toFixed(0)} MiB peak (+${(peakMiB - baseHwmMiB).toFixed(0)}; VmHWM ${peakHwmMiB.toFixed(0)}, highest VmRSS sample ${peakSampledMiB.toFixed(0)}); all Chromium processes together ${baseTotalMiB.toFixed(0)} → ${(peakTotalKiB / 1024).toFixed(0)} MiB; JSHeapUsedSize peak ${(heapPeak / MIB).toFixed(1)} MiB; control +${controlMiB.toFixed(0)} MiB for 256 MiB held`);

  assert.equal(await sha256File(plainPath), inputSha, 'the opened file is the input, byte for byte');
  assert.ok(peakMiB - baseHwmMiB < RENDERER_BOUND_MIB, `renderer peak RSS grew by ${(peakMiB - baseHwmMiB).toFixed(0)} MiB`);
  assert.ok(heapPeak < JS_HEAP_BOUND_MIB * MIB, `JS heap peaked at ${(heapPeak / MIB).toFixed(1)} MiB`);
  await page.evaluate(async () => (await navigator.storage.getDirectory()).removeEntry('edge-kms-playground', { recursive: true }));
  await page.close();
  await rm(sealedPath);
  await rm(plainPath);
  await rm(input);
});

// ─────────────────────────────── small files: drop, picker, refusals, cancel

/** Puts a File with `bytes` (a number array or a base64 string) into the drop zone, as a drag and drop does. */
async function dropFile(page, name, base64) {
  await page.evaluate(({ name, base64 }) => {
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    const dt = new DataTransfer();
    dt.items.add(new File([bytes], name));
    const zone = document.querySelector('#pg-file-drop');
    zone.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
    zone.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, { name, base64 });
}

// The save dialog, answered: a file in the origin private file system named as suggested (headless Chromium cannot show the real one).
const PICKER = () => {
  globalThis.pickedNames = [];
  globalThis.showSaveFilePicker = async ({ suggestedName }) => {
    globalThis.pickedNames.push(suggestedName);
    const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle('picked', { create: true });
    return dir.getFileHandle(suggestedName, { create: true });
  };
};
const pickedBytes = (page, name) => page.evaluate(async (name) => {
  const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle('picked');
  const f = await (await dir.getFileHandle(name)).getFile();
  const url = await new Promise((ok, fail) => { const r = new FileReader(); r.onload = () => ok(r.result); r.onerror = fail; r.readAsDataURL(f); });
  return url.slice(url.indexOf(',') + 1);
}, name);

test('small files: drop, save picker, tampered and truncated messages refused, cancel', { timeout: 180_000 }, async () => {
  await context.addInitScript(PICKER);
  const page = await open();
  assert.equal(await page.locator('#pg-file-pick').isChecked(), true, 'the picker is offered where showSaveFilePicker exists');
  const plain = randomBytes(3 * MIB + 12345);

  // Drop → seal into the picked file → choose that file → open into another picked file.
  await dropFile(page, 'notes.txt', plain.toString('base64'));
  assert.match(await page.locator('#pg-file-chosen').textContent(), /^notes\.txt: 3,158,073 bytes$/);
  let r = await run(page, 'seal');
  assert.equal(r.outcome, 'seal-ok');
  assert.equal(r.mode, 'picker');
  assert.equal(await page.locator('#pg-file-saved-seal').textContent(), 'Saved as notes.txt.encrypted.');
  const sealed = Buffer.from(await pickedBytes(page, 'notes.txt.encrypted'), 'base64');
  assert.equal(String(sealed.length), r.bytes);
  assert.equal(sealed[0], 0x02, 'a version 2 message');
  assert.equal(sealed.readUInt16BE(1), 0x0578, 'the signed committing suite');
  assert.equal(sealed.indexOf(plain.subarray(0, 64)), -1, 'no plaintext in the message');

  await dropFile(page, 'notes.txt.encrypted', sealed.toString('base64'));
  r = await run(page, 'open');
  assert.equal(r.outcome, 'open-ok');
  assert.deepEqual(Buffer.from(await pickedBytes(page, 'notes.txt'), 'base64'), plain);
  assert.deepEqual(await page.evaluate(() => globalThis.pickedNames), ['notes.txt.encrypted', 'notes.txt']);

  // Without the picker: the staged output, then the refusals.
  await page.locator('#pg-file-pick').uncheck();
  const cases = [
    ['a flipped bit in a frame', (() => { const b = Buffer.from(sealed); b[sealed.length - 200_000] ^= 1; return b; })(), 'TAMPERED'],
    ['a flipped bit in the footer signature', (() => { const b = Buffer.from(sealed); b[sealed.length - 3] ^= 1; return b; })(), 'TAMPERED'],
    ['the footer cut off', sealed.subarray(0, sealed.length - 50), 'MALFORMED_MESSAGE'],
  ];
  for (const [what, bytes, code] of cases) {
    await dropFile(page, 'bad.encrypted', bytes.toString('base64'));
    r = await run(page, 'open');
    assert.equal(r.outcome, 'open-failed', what);
    assert.equal(r.code, code, what);
    assert.equal(await page.locator('#pg-file-download-open').count(), 0, `${what}: nothing offered`);
    assert.match(await page.locator('#pg-file-result').textContent(), /Plaintext offered: none/);
    assert.deepEqual(await stagedNames(page), [], `${what}: the staged output was thrown away`);
  }
  // The same refusal in the picker mode leaves the chosen file empty: the browser never committed its temporary file.
  await page.locator('#pg-file-pick').check();
  await dropFile(page, 'bad2.encrypted', cases[1][1].toString('base64'));
  r = await run(page, 'open');
  assert.equal(r.code, 'TAMPERED');
  assert.equal(await pickedBytes(page, 'bad2'), '', 'nothing committed to the picked file');
  await page.locator('#pg-file-pick').uncheck();

  // A good message opens in the staged mode and is offered as a download.
  await dropFile(page, 'notes.txt.encrypted', sealed.toString('base64'));
  r = await run(page, 'open');
  assert.equal(r.outcome, 'open-ok');
  assert.equal(r.mode, 'opfs');
  const out = join(dir, 'notes.out');
  assert.equal(await download(page, 'open', out), 'notes.txt');
  assert.deepEqual(await readFile(out), plain);
  assert.equal((await stagedNames(page)).length, 1, 'one staged output, kept while it is offered');
  await page.locator('#pg-file-forget-open').click();
  await page.waitForFunction(() => !document.querySelector('#pg-file-download-open'));
  assert.deepEqual(await stagedNames(page), [], 'the plaintext is gone from the site\'s storage');

  // No file: a sentence, no run. Cancel: the partial output is thrown away.
  await page.evaluate(() => { const i = document.querySelector('#pg-file-input'); i.value = ''; i.dispatchEvent(new Event('change')); });
  await page.locator('#pg-file-seal').click();
  await page.waitForFunction(() => document.querySelector('#pg-file-result')?.textContent.includes('Choose or drop a file first'));
  assert.equal(await page.locator('#pg-file-result').getAttribute('data-outcome'), null, 'no run');

  // Cancel while the data key is on its way: the broker's answer is held until the click.
  let release;
  const held = new Promise((ok) => { release = ok; });
  let asked;
  const askedP = new Promise((ok) => { asked = ok; });
  await page.route('**/kms/**', async (route) => { asked(); await held; await route.continue().catch(() => { /* the page gave up the request */ }); });
  await dropFile(page, 'cancel.bin', randomBytes(2 * MIB).toString('base64'));
  await page.evaluate(() => { delete document.querySelector('#pg-file-result').dataset.outcome; });
  await page.locator('#pg-file-seal').click();
  await askedP;
  await page.locator('#pg-file-cancel').click();
  await page.waitForFunction(() => document.querySelector('#pg-file-result')?.dataset.outcome);
  release();
  await page.unroute('**/kms/**');
  assert.equal(await page.locator('#pg-file-result').getAttribute('data-outcome'), 'cancelled');
  assert.equal(await page.locator('#pg-file-download-seal').count(), 0);
  assert.deepEqual(await stagedNames(page), [], 'the cancelled run left nothing staged');
  await page.close();
});

test('without a save picker or writable private storage (Safari before 26): in memory, and only up to 256 MiB', { timeout: 120_000 }, async () => {
  // Takes away what such a browser lacks; everything else is Chromium's own.
  await context.addInitScript(() => {
    delete globalThis.showSaveFilePicker;
    delete FileSystemFileHandle.prototype.createWritable;
  });
  const page = await open();
  assert.equal(await page.locator('#pg-file-mode').getAttribute('data-mode'), 'memory');
  assert.equal(await page.locator('#pg-file-pick').isDisabled(), true);
  const plain = randomBytes(2 * MIB + 7);
  await dropFile(page, 'small.bin', plain.toString('base64'));
  let r = await run(page, 'seal');
  assert.equal(r.outcome, 'seal-ok');
  assert.equal(r.mode, 'memory');
  const sealed = join(dir, 'small.bin.encrypted');
  assert.equal(await download(page, 'seal', sealed), 'small.bin.encrypted');
  await page.locator('#pg-file-input').setInputFiles(sealed);
  r = await run(page, 'open');
  assert.equal(r.outcome, 'open-ok');
  const back = join(dir, 'small.out');
  assert.equal(await download(page, 'open', back), 'small.bin');
  assert.deepEqual(await readFile(back), plain);

  // A file over the limit is refused before anything is read (a sparse file: no disk, no time).
  const huge = join(dir, 'huge.bin');
  await writeFile(huge, '');
  await truncate(huge, 256 * MIB + 1);
  await page.locator('#pg-file-input').setInputFiles(huge);
  await page.locator('#pg-file-seal').click();
  await page.waitForFunction(() => document.querySelector('#pg-file-result')?.textContent.includes('only collect the output in memory'));
  assert.equal(await page.locator('#pg-file-result').getAttribute('data-outcome'), null, 'no run');
  assert.equal(await page.locator('#pg-file-progress').isVisible(), false, 'no progress shown: nothing was read');
  await page.close();
});

test('no console errors', () => {
  // A refused message is a refusal, not a page error; the broker's 4xx for a tampered key would show here.
  assert.deepEqual(consoleErrors, []);
});
