// Child of tests/js/playground-file-firefox.test.js (run with
// --experimental-websocket: Node 20 has its WebSocket behind that flag).
// Starts Debian's Firefox ESR headless and drives it over WebDriver BiDi,
// the W3C protocol Firefox speaks natively (Playwright's BiDi client needs a
// newer Firefox than ESR 153). It opens the docs page of the demo server given
// with --base, runs the file step in the page and prints one JSON line of what
// it saw.
//
//   node --experimental-websocket tests/js/e2e/firefox-file-child.js --base http://127.0.0.1:PORT [--mib 16]
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { base: { type: 'string' }, mib: { type: 'string', default: '16' }, firefox: { type: 'string', default: process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr' } } });
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
} finally {
  ws.close();
  ff.kill('SIGTERM');
  await new Promise((ok) => { if (ff.exitCode !== null) ok(); else ff.once('exit', ok); });
  await rm(profile, { recursive: true, force: true });
}
