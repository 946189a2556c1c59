// Child of tests/js/playground-file-firefox.test.js (run with
// --experimental-websocket: Node 20 has its WebSocket behind that flag).
// Starts Debian's Firefox ESR headless and drives it over WebDriver BiDi,
// the W3C protocol Firefox speaks natively (Playwright's BiDi client needs a
// newer Firefox than ESR 153). It opens the docs page of the demo server given
// with --base, runs the file step in the page and prints one JSON line of what
// it saw.
//
// With --file PATH it instead sets that file on the page's file input
// (BiDi input.setFiles: a file on disk, not in memory), seals it, opens the
// staged sealed file back, compares the output with the input chunk by chunk
// in the page, and reports the peak resident set of Firefox's content
// processes (Linux /proc, sampled every 200 ms) over their level before.
//
//   node --experimental-websocket tests/js/e2e/firefox-file-child.js --base http://127.0.0.1:PORT [--mib 16 | --file PATH]
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { base: { type: 'string' }, mib: { type: 'string', default: '16' }, file: { type: 'string' }, firefox: { type: 'string', default: process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr' } } });
const profile = await mkdtemp(join(tmpdir(), 'edge-kms-ff-'));
// Quiet, offline, no first-run pages; the OPFS and file APIs are on by default.
await writeFile(join(profile, 'user.js'), [
  'user_pref("browser.shell.checkDefaultBrowser", false);',
  'user_pref("browser.startup.homepage_override.mstone", "ignore");',
  'user_pref("datareporting.policy.dataSubmissionEnabled", false);',
  'user_pref("toolkit.telemetry.enabled", false);',
  'user_pref("app.update.disabledForTesting", true);',
  'user_pref("browser.aboutwelcome.enabled", false);',
  'user_pref("network.proxy.type", 0);',
  'user_pref("browser.download.useDownloadDir", true);',
].join('\n'));
const ff = spawn(values.firefox, ['--headless', '--no-remote', '--remote-debugging-port=0', '--profile', profile], { stdio: ['ignore', 'pipe', 'pipe'] });
let log = '';
const url = await new Promise((ok, fail) => {
  const timer = setTimeout(() => fail(new Error(`Firefox did not start:\n${log}`)), 60_000);
  const seen = (c) => {
    log += c;
    const m = /WebDriver BiDi listening on (ws:\/\/\S+)/.exec(log);
    if (m) { clearTimeout(timer); ok(m[1]); }
  };
  ff.stderr.on('data', seen);
  ff.stdout.on('data', seen);
  ff.once('exit', () => fail(new Error(`Firefox exited:\n${log}`)));
});

const ws = new WebSocket(`${url}/session`);
await new Promise((ok, fail) => { ws.onopen = ok; ws.onerror = fail; });
let id = 0;
const pending = new Map();
ws.onmessage = (ev) => {
  const msg = JSON.parse(ev.data);
  if (msg.id !== undefined && pending.has(msg.id)) {
    const { ok, fail } = pending.get(msg.id);
    pending.delete(msg.id);
    if (msg.type === 'error') fail(new Error(`${msg.error}: ${msg.message}`));
    else ok(msg.result);
  }
};
const send = (method, params) => new Promise((ok, fail) => {
  const n = ++id;
  pending.set(n, { ok, fail });
  ws.send(JSON.stringify({ id: n, method, params }));
});

try {
  const session = await send('session.new', { capabilities: {} });
  const { contexts } = await send('browsingContext.getTree', {});
  const context = contexts[0].context;
  await send('browsingContext.navigate', { context, url: `${values.base}/#pg-files`, wait: 'complete' });
  /** Runs an async function body in the page; returns its JSON result. */
  const evaluate = async (fnBody, arg) => {
    const r = await send('script.callFunction', {
      functionDeclaration: `async (arg) => JSON.stringify(await (${fnBody})(arg))`,
      arguments: [{ type: 'string', value: JSON.stringify(arg ?? null) }],
      target: { context },
      awaitPromise: true,
    });
    if (r.type === 'exception') throw new Error(`in page: ${r.exceptionDetails.text}`);
    return JSON.parse(r.result.value);
  };
  if (values.file) {
    console.log(JSON.stringify(await bigFile(context, evaluate)));
    await send('session.end', {}).catch(() => {});
    process.exitCode = 0;
  } else {
  const result = await evaluate(String(async (argJson) => {
    const { mib } = JSON.parse(argJson);
    const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));
    for (let i = 0; i < 300 && !document.documentElement.dataset.ready; i++) await sleep(100);
    const out = { ready: document.documentElement.dataset.ready, userAgent: navigator.userAgent };
    out.mode = document.querySelector('#pg-file-mode')?.dataset.mode;
    out.pickerOffered = !document.querySelector('#pg-file-pick')?.disabled;
    const result = () => document.querySelector('#pg-file-result');
    const drop = (file) => {
      const dt = new DataTransfer();
      dt.items.add(file);
      const zone = document.querySelector('#pg-file-drop');
      zone.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    };
    const run = async (which) => {
      delete result().dataset.outcome;
      document.querySelector(which === 'seal' ? '#pg-file-seal' : '#pg-file-open').click();
      for (let i = 0; i < 1200 && !result().dataset.outcome; i++) await sleep(100);
      return { ...result().dataset };
    };
    const hex = async (buf) => Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', buf)), (b) => b.toString(16).padStart(2, '0')).join('');
    const staged = async () => {
      const names = [];
      try { for await (const n of (await (await navigator.storage.getDirectory()).getDirectoryHandle('edge-kms-playground')).keys()) names.push(n); } catch { /* none */ }
      return names;
    };

    const plain = new Uint8Array(mib * 2 ** 20 + 12345);
    for (let i = 0; i < plain.length; i += 65536) crypto.getRandomValues(plain.subarray(i, i + 65536));
    out.inputSha256 = await hex(plain);
    drop(new File([plain], 'firefox.bin'));
    out.seal = await run('seal');
    const sealedLink = document.querySelector('#pg-file-download-seal');
    out.sealedName = sealedLink?.getAttribute('download');
    const sealed = new Uint8Array(await (await fetch(sealedLink.href)).arrayBuffer());
    out.sealedBytes = sealed.length;
    out.sealedHeader = Array.from(sealed.subarray(0, 3));

    drop(new File([sealed], 'firefox.bin.encrypted'));
    out.open = await run('open');
    const openLink = document.querySelector('#pg-file-download-open');
    out.openName = openLink?.getAttribute('download');
    out.outputSha256 = await hex(await (await fetch(openLink.href)).arrayBuffer());
    out.stagedAfterOpen = (await staged()).length;

    const bad = sealed.slice();
    bad[bad.length - 100_000] ^= 1;
    drop(new File([bad], 'bad.encrypted'));
    out.tampered = await run('open');
    out.tamperedLink = Boolean(document.querySelector('#pg-file-download-open'));
    out.stagedAfterTamper = (await staged()).length;
    return out;
  }), { mib: Number(values.mib) });
  await send('session.end', {}).catch(() => {});
  console.log(JSON.stringify({ session: session.capabilities?.browserVersion, ...result }));
  }
} finally {
  ws.close();
  ff.kill('SIGTERM');
  await new Promise((ok) => { if (ff.exitCode !== null) ok(); else ff.once('exit', ok); });
  await rm(profile, { recursive: true, force: true });
}

/** Firefox's content processes under the browser this script started: pid → VmRSS KiB. */
async function contentRss() {
  const parent = new Map();
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const st = await readFile(`/proc/${name}/stat`, 'utf8');
      parent.set(Number(name), Number(st.slice(st.lastIndexOf(')') + 2).split(' ')[1]));
    } catch { /* exited */ }
  }
  const out = new Map();
  for (const pid of parent.keys()) {
    let p = pid;
    for (let i = 0; p > 1 && p !== ff.pid && i < 64; i++) p = parent.get(p) ?? 0;
    if (p !== ff.pid) continue;
    try {
      const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8');
      if (!cmd.includes('-contentproc') || !/\btab\b/.test(cmd.replaceAll('\0', ' '))) continue;
      const status = await readFile(`/proc/${pid}/status`, 'utf8');
      out.set(pid, Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0));
    } catch { /* exited */ }
  }
  return out;
}

/** The --file flow: seal a file on disk, open the staged message back, compare, and measure. */
async function bigFile(context, evaluate) {
  const ready = await evaluate(String(async () => {
    for (let i = 0; i < 300 && !document.documentElement.dataset.ready; i++) await new Promise((ok) => setTimeout(ok, 100));
    return document.documentElement.dataset.ready;
  }));
  const node = await send('script.evaluate', { expression: "document.querySelector('#pg-file-input')", target: { context }, awaitPromise: false, resultOwnership: 'root' });
  await send('input.setFiles', { context, element: { sharedId: node.result.sharedId }, files: [values.file] });
  const base = await contentRss();
  const peak = new Map();
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      for (const [pid, kib] of await contentRss()) peak.set(pid, Math.max(peak.get(pid) ?? 0, kib));
      await new Promise((ok) => setTimeout(ok, 200));
    }
  })();
  let r;
  try {
    r = await evaluate(String(async () => {
      const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));
      const input = document.querySelector('#pg-file-input');
      input.dispatchEvent(new Event('change'));
      const original = input.files[0];
      const result = () => document.querySelector('#pg-file-result');
      const run = async (which) => {
        delete result().dataset.outcome;
        const t = performance.now();
        document.querySelector(which === 'seal' ? '#pg-file-seal' : '#pg-file-open').click();
        for (let i = 0; i < 36000 && !result().dataset.outcome; i++) await sleep(50);
        return { ...result().dataset, seconds: (performance.now() - t) / 1000 };
      };
      const dir = async () => (await navigator.storage.getDirectory()).getDirectoryHandle('edge-kms-playground');
      const names = async () => { const n = []; for await (const k of (await dir()).keys()) n.push(k); return n; };
      const out = { size: original?.size };
      out.seal = await run('seal');
      // The staged message itself (a file on disk), not a copy in memory.
      const [sealedName] = await names();
      const sealed = await (await (await dir()).getFileHandle(sealedName)).getFile();
      const dt = new DataTransfer();
      dt.items.add(new File([sealed], 'big.bin.encrypted'));
      document.querySelector('#pg-file-drop').dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
      out.open = await run('open');
      return out;
    }));
  } finally {
    sampling = false;
    await sampler;
  }
  // Not measured: the comparison reads both files again.
  const cmp = await evaluate(String(async () => {
      const original = document.querySelector('#pg-file-input').files[0];
      const dir = async () => (await navigator.storage.getDirectory()).getDirectoryHandle('edge-kms-playground');
      const names = []; for await (const k of (await dir()).keys()) names.push(k);
      const files = await Promise.all(names.map(async (n) => (await (await dir()).getFileHandle(n)).getFile()));
      const opened = files.find((f) => f.size === original.size) ?? files[0];
      const out = {};
      // Compare the output with the input, 4 MiB at a time.
      let same = opened.size === original.size;
      for (let off = 0; same && off < original.size; off += 4 * 2 ** 20) {
        const [a, b] = await Promise.all([original.slice(off, off + 4 * 2 ** 20).arrayBuffer(), opened.slice(off, off + 4 * 2 ** 20).arrayBuffer()]);
        const x = new Uint8Array(a), y = new Uint8Array(b);
        for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) { same = false; break; }
      }
      out.same = same;
      out.openedSize = opened.size;
      return out;
  }));
  Object.assign(r, cmp);
  // Control: the measure sees what the page holds (512 MiB, touched),
  // counted from the level before the run. Counted from just before the
  // hold it is not a control: the run and the comparison (which reads 2 GiB
  // back, 4 MiB at a time) leave freed heap resident that can serve most of
  // the hold without any growth (seen: +0 MiB for 256 MiB, +124 MiB for 512).
  // Above the level before the run, held memory can hide only in what the
  // page had then (the base, ~140 MiB, of which GC may free a part).
  const before = await contentRss();
  await evaluate(String(async () => { globalThis.held = new Uint8Array(512 * 2 ** 20).fill(7); return true; }));
  const after = await contentRss();
  r.controlMiB = Math.round(Math.max(0, ...[...after].map(([pid, kib]) => (kib - (base.get(pid) ?? kib)) / 1024)));
  r.controlFromBeforeMiB = Math.round(Math.max(0, ...[...after].map(([pid, kib]) => (kib - (before.get(pid) ?? kib)) / 1024)));
  const growth = Math.max(0, ...[...peak].map(([pid, kib]) => (kib - (base.get(pid) ?? kib)) / 1024));
  const baseMiB = Math.max(0, ...[...base.values()].map((k) => k / 1024));
  return { session: 'firefox', ready, ...r, contentBaseMiB: Math.round(baseMiB), contentGrowthMiB: Math.round(growth) };
}
