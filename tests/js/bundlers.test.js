// Issue 10: the packed package (`npm pack pkg`, installed from the tarball, not
// a link) in a fresh app per bundler — Vite build, Vite dev server, webpack 5,
// Rollup, esbuild, Bun, wrangler — with no edge-kms-specific configuration
// (where a bundler needs some, tests/bundlers/<bundler>/ holds it and the
// README says so). Each page runs in Chromium (the Worker in workerd through
// `wrangler dev`) and the test asserts its results and which wasm modules it
// fetched: a seal/open page only `envelope`, a verify page only `verify`, an
// advisor page only `kms` (tests/bundlers/pages/pages.js).
//
// The apps live in tests/artifacts/bundlers/<bundler>/ and are reinstalled
// only when the tarball or the app's dependencies change (warm runs skip npm).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateKeyPairSync, sign, constants, randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { launchChromium } from './browser.js';
import { serveStatic } from './static-server.js';
import { freePort } from './servers.js';
import { startWranglerDev, WRANGLER } from './wrangler-dev.js';
import { packageModules, runPage, fetchedModules, sha256 } from '../bundlers/browser-page.js';
import { PAGES } from '../bundlers/pages/pages.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const APPS = join(ROOT, 'tests/bundlers');
const ART = join(ROOT, 'tests/artifacts/bundlers');
const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));

/** @type {import('playwright-core').Browser} */
let browser;
let tarball = '';
/** @type {string[]} */
let tarballModules = [];
/** @type {Record<string, any>} */
let inputs;
/** @type {Record<string, any>} */
const expected = {};
const cleanups = [];

before(async () => {
  mkdirSync(ART, { recursive: true });
  // The tarball a user would install, named by its content so an app's
  // dependency changes exactly when the package does.
  const { stdout } = await run('npm', ['pack', join(ROOT, 'pkg'), '--pack-destination', ART, '--json', '--loglevel=error'], { cwd: ROOT });
  const packed = join(ART, JSON.parse(stdout)[0].filename);
  tarball = `edge-kms-${sha256(readFileSync(packed)).slice(0, 16)}.tgz`;
  renameSync(packed, join(ART, tarball));
  for (const f of readdirSync(ART)) if (/^edge-kms-.*\.tgz$/.test(f) && f !== tarball) rmSync(join(ART, f));
  // The tarball's own modules, to check each app installed exactly these
  // (pkg/ itself may be rebuilt by someone while this file runs).
  const unpacked = join(ART, 'tarball');
  rmSync(unpacked, { recursive: true, force: true });
  mkdirSync(unpacked);
  await run('tar', ['-xzf', join(ART, tarball), '-C', unpacked]);
  tarballModules = [...packageModules(join(unpacked, 'package')).keys()].sort();

  // Inputs: a wrapping key; KMS-shaped signatures made by node:crypto (ECDSA
  // DER, RSA-PSS with a 32-byte salt, as KMS signs), checked in the page.
  const message = `signed for the bundler apps ${randomBytes(8).toString('hex')}`;
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const spki = (k) => k.publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  inputs = {
    seal: { wrappingKey: randomBytes(32).toString('base64'), text: `sealed in a bundled page ${randomBytes(8).toString('hex')}` },
    verify: {
      signatures: [
        { publicKey: spki(ec), signingAlgorithm: 'ECDSA_SHA_256', message, signature: sign('sha256', Buffer.from(message), ec.privateKey).toString('base64') },
        { publicKey: spki(rsa), signingAlgorithm: 'RSASSA_PSS_SHA_256', message,
          signature: sign('sha256', Buffer.from(message), { key: rsa.privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }).toString('base64') },
      ],
    },
    advisor: {},
    'seal-rsa': { publicKey: rsa.publicKey.export({ type: 'spki', format: 'pem' }), privateKey: rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }),
      text: `sealed to an RSA key in a bundled page ${randomBytes(8).toString('hex')}` },
  };
  // The advisor's answers as the package gives them in Node (pkg/, the node entry).
  expected.advisor = await (await import('../bundlers/pages/run-advisor.js')).run();
  browser = await launchChromium();
});

after(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
  await browser?.close();
});

/**
 * Copies the pages and the bundler's own files into the app folder and
 * installs its dependencies plus edge-kms from the tarball (skipped when
 * nothing changed since the last run).
 * @param {string} name  folder under tests/bundlers
 * @param {string} [dirName]
 */
async function prepareApp(name, dirName = name) {
  const dir = join(ART, dirName);
  mkdirSync(dir, { recursive: true });
  cpSync(join(APPS, 'pages'), dir, { recursive: true });
  cpSync(join(APPS, name), dir, { recursive: true });
  const pkg = JSON.parse(readFileSync(join(APPS, name, 'package.json'), 'utf8'));
  pkg.dependencies = { 'edge-kms': `file:../${tarball}` };
  const text = `${JSON.stringify(pkg, null, 2)}\n`;
  const stamp = join(dir, '.installed-package.json');
  const t0 = performance.now();
  let installed = 'cached';
  if (!existsSync(stamp) || readFileSync(stamp, 'utf8') !== text || !existsSync(join(dir, 'node_modules/edge-kms/package.json'))) {
    writeFileSync(join(dir, 'package.json'), text);
    await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], { cwd: dir, maxBuffer: 1 << 24 });
    writeFileSync(stamp, text);
    installed = 'installed';
  } else {
    writeFileSync(join(dir, 'package.json'), text);
  }
  const modules = packageModules(join(dir, 'node_modules/edge-kms'));
  assert.deepEqual([...modules.keys()].sort(), tarballModules, 'the app installed the tarball\'s modules, byte for byte');
  for (const names of Object.values(PAGES)) for (const n of names) assert.ok([...modules.values()].some((m) => m.name === n), `pages.js names module ${n}: not in the package`);
  return { dir, modules, install: `${installed} in ${((performance.now() - t0) / 1000).toFixed(1)} s` };
}

/** @param {string} dir @param {string} cmd @param {string[]} args @param {Record<string, string>} [env] */
async function build(dir, cmd, args, env = {}) {
  const t0 = performance.now();
  try {
    await run(cmd, args, { cwd: dir, env: { ...process.env, ...env, NO_COLOR: '1' }, maxBuffer: 1 << 24 });
  } catch (e) {
    throw new Error(`${cmd} ${args.join(' ')} failed:\n${e.stdout}\n${e.stderr}`);
  }
  return `${((performance.now() - t0) / 1000).toFixed(1)} s`;
}

/** For bundlers that emit no HTML: one page per entry, loading it as a module script. */
function writeHtml(dist, file = (p) => `./${p}.js`) {
  for (const p of Object.keys(PAGES)) writeFileSync(join(dist, `${p}.html`), `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><script type="module" src="${file(p)}"></script>\n`);
}

/** Bytes of the files under a folder, raw and gzip -9, by extension. */
function outputSizes(dist) {
  const sizes = {};
  const walk = (d) => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) { walk(p); continue; }
      const ext = f.split('.').pop();
      const b = readFileSync(p);
      sizes[ext] ??= { files: 0, raw: 0, gzip: 0 };
      sizes[ext].files++; sizes[ext].raw += b.length; sizes[ext].gzip += gzipSync(b, { level: 9 }).length;
    }
  };
  walk(dist);
  return Object.entries(sizes).map(([ext, s]) => `${ext}: ${s.files} files, ${s.raw} B, ${s.gzip} B gzip`).join('; ');
}

/** Asserts one page's results and what it fetched. */
async function checkPage(page, outcome, modules) {
  const { result, responses, errors } = outcome;
  assert.ok(result.ok, `${page}: run() threw ${result.code} ${result.error}\n${errors.join('\n')}`);
  const value = result.value;
  if (page === 'seal' || page === 'seal-rsa') {
    assert.equal(value.plaintext, inputs[page].text);
    assert.equal(value.tamperedCode, 'TAMPERED');
    // The page's message opens in Node with the same key (the built package).
    const { EnvelopeClient, RawAesKeyring, RawRsaKeyring } = await import('edge-kms');
    const keyring = page === 'seal'
      ? new RawAesKeyring({ keyNamespace: 'bundler-app', keyName: 'aes', wrappingKey: Buffer.from(inputs.seal.wrappingKey, 'base64') })
      : new RawRsaKeyring({ keyNamespace: 'bundler-app', keyName: 'rsa', privateKey: inputs[page].privateKey });
    const { plaintext } = await new EnvelopeClient({ keyring }).decrypt(Buffer.from(value.sealed, 'base64'), { encryptionContext: { page } });
    assert.equal(Buffer.from(plaintext).toString(), inputs[page].text);
  } else if (page === 'verify') {
    assert.deepEqual(value, inputs.verify.signatures.map((s) => ({ signingAlgorithm: s.signingAlgorithm, valid: true, changedMessage: false })));
  } else if (page === 'advisor') {
    assert.deepEqual(value, expected.advisor);
    assert.equal(value.bad, 'INVALID_KEY_IDENTIFIER');
  } else {
    assert.fail(`no check for page ${page}`);
  }
  if (!modules) return;
  const fetched = fetchedModules(responses, modules);
  assert.deepEqual(fetched.unknown, [], `${page}: fetched wasm that is none of the package's modules`);
  assert.deepEqual(fetched.names, [...PAGES[page]].sort(), `${page}: wasm modules fetched`);
  assert.deepEqual(errors, [], `${page}: console errors`);
}

/** Runs every page of a served app in Chromium. */
async function checkPages(t, base, modules, pathOf = (p) => `${p}.html`) {
  for (const page of Object.keys(PAGES)) {
    const outcome = await runPage(browser, `${base}/${pathOf(page)}`, inputs[page]);
    await checkPage(page, outcome, modules);
    const wasm = outcome.responses.filter((r) => modules.has(sha256(r.body))).reduce((n, r) => n + r.body.length, 0);
    const js = outcome.responses.filter((r) => /javascript/.test(r.type)).reduce((n, r) => n + r.body.length, 0);
    const paths = outcome.responses.filter((r) => modules.has(sha256(r.body))).map((r) => new URL(r.url).pathname);
    t.diagnostic(`${page}: fetched ${fetchedModules(outcome.responses, modules).names.join(', ')} (${wasm} B wasm from ${paths.join(', ')}; ${js} B JS as served)`);
  }
}

/** Serves a built app's output folder for the pages. */
async function serveDist(dist) {
  const server = await serveStatic(dist);
  cleanups.push(() => server.close());
  return server;
}

test('Vite 8 build: every page works and fetches only its module', async (t) => {
  const app = await prepareApp('vite');
  const built = await build(app.dir, 'node_modules/.bin/vite', ['build', '--logLevel', 'error']);
  t.diagnostic(`install ${app.install}, build ${built}; dist ${outputSizes(join(app.dir, 'dist'))}`);
  const server = await serveDist(join(app.dir, 'dist'));
  await checkPages(t, server.url, app.modules);
});

test('Vite 8 dev server: every page works and fetches only its module', async (t) => {
  const app = await prepareApp('vite');
  const port = await freePort();
  rmSync(join(app.dir, 'node_modules/.vite'), { recursive: true, force: true }); // a first start, as after install
  const child = spawn('node_modules/.bin/vite', ['--host', '127.0.0.1', '--port', String(port), '--strictPort', '--clearScreen', 'false'],
    { cwd: app.dir, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  let out = '';
  child.stdout.on('data', (c) => { out += c; });
  child.stderr.on('data', (c) => { out += c; });
  cleanups.push(async () => { try { process.kill(-child.pid, 'SIGTERM'); } catch { /* gone */ } });
  const base = `http://127.0.0.1:${port}`;
  for (const deadline = Date.now() + 60_000; ;) {
    if (child.exitCode !== null) assert.fail(`vite exited:\n${out}`);
    if (await fetch(`${base}/seal.html`).then((r) => r.ok, () => false)) break;
    if (Date.now() > deadline) assert.fail(`vite dev did not start:\n${out}`);
    await sleep(200);
  }
  await checkPages(t, base, app.modules);
  try { process.kill(-child.pid, 'SIGTERM'); } catch { /* gone */ }
});

test('webpack 5: every page works and fetches only its module', async (t) => {
  const app = await prepareApp('webpack');
  const built = await build(app.dir, 'node_modules/.bin/webpack', ['--no-stats']);
  writeHtml(join(app.dir, 'dist'));
  t.diagnostic(`install ${app.install}, build ${built}; dist ${outputSizes(join(app.dir, 'dist'))}`);
  const server = await serveDist(join(app.dir, 'dist'));
  await checkPages(t, server.url, app.modules);
});

test('Rollup 4 + @rollup/plugin-node-resolve: the wasm files need importMetaAssets(), then every page works', async (t) => {
  const app = await prepareApp('rollup');
  const dist = join(app.dir, 'dist');
  // Without a plugin for `new URL(…, import.meta.url)` assets, Rollup emits no
  // wasm and the pages cannot load their module.
  rmSync(dist, { recursive: true, force: true });
  await build(app.dir, 'node_modules/.bin/rollup', ['-c', '--silent'], { ROLLUP_NO_ASSETS: '1' });
  assert.deepEqual(readdirSync(dist).filter((f) => f.endsWith('.wasm')), [], 'plain Rollup emits no wasm');
  writeHtml(dist);
  const plain = await serveDist(dist);
  const failed = await runPage(browser, `${plain.url}/seal.html`, inputs.seal);
  assert.equal(failed.result.code, 'WASM_LOAD_FAILED', 'plain Rollup: the page cannot find its module');

  rmSync(dist, { recursive: true, force: true });
  const built = await build(app.dir, 'node_modules/.bin/rollup', ['-c', '--silent']);
  writeHtml(dist);
  t.diagnostic(`install ${app.install}, build ${built}; dist ${outputSizes(dist)}`);
  const server = await serveDist(dist);
  await checkPages(t, server.url, app.modules);
});

test('esbuild: bundles without configuration; the wasm files are copied beside the output as the README says', async (t) => {
  const app = await prepareApp('esbuild');
  const dist = join(app.dir, 'dist');
  rmSync(dist, { recursive: true, force: true });
  const built = await build(app.dir, 'node_modules/.bin/esbuild',
    [...Object.keys(PAGES).map((p) => `${p}.js`), '--bundle', '--splitting', '--format=esm', '--minify', '--outdir=dist/assets', '--log-level=error']);
  // esbuild keeps `new URL('../wasm/<module>_bg.wasm', import.meta.url)` as it
  // is: the files must be at wasm/ beside the folder holding the bundle.
  cpSync(join(app.dir, 'node_modules/edge-kms/wasm'), join(dist, 'wasm'), { recursive: true, filter: (f) => !/\.(js|ts)$/.test(f) });
  writeHtml(dist, (p) => `./assets/${p}.js`);
  t.diagnostic(`install ${app.install}, build ${built}; dist ${outputSizes(dist)}`);
  const server = await serveDist(dist);
  await checkPages(t, server.url, app.modules);
});

test('Bun: bun build bundles without configuration, the wasm files copied beside the output as the README says; bun as a runtime', async (t) => {
  const app = await prepareApp('bun');
  const dist = join(app.dir, 'dist');
  rmSync(dist, { recursive: true, force: true });
  const built = await build(app.dir, 'node_modules/.bin/bun',
    ['build', ...Object.keys(PAGES).map((p) => `${p}.js`), '--target=browser', '--splitting', '--minify', '--outdir=dist']);
  // Like esbuild, bun build keeps `new URL(…, import.meta.url)` and emits no
  // wasm: the files go to wasm/ beside the folder holding the bundle.
  assert.deepEqual(readdirSync(dist).filter((f) => f.endsWith('.wasm')), [], 'bun build emits no wasm');
  cpSync(join(app.dir, 'node_modules/edge-kms/wasm'), join(dist, 'wasm'), { recursive: true, filter: (f) => !/\.(js|ts)$/.test(f) });
  writeHtml(dist);
  t.diagnostic(`install ${app.install}, build ${built}; dist ${outputSizes(dist)}`);
  const server = await serveDist(dist);
  await checkPages(t, server.url, app.modules);

  // Bun as a runtime resolves the `node` entry (files read from disk).
  const { stdout } = await run(join(app.dir, 'node_modules/.bin/bun'), ['runtime-check.js', JSON.stringify(Object.fromEntries(Object.keys(PAGES).map((p) => [p, inputs[p]])))], { cwd: app.dir });
  const answers = JSON.parse(stdout);
  for (const page of Object.keys(PAGES)) await checkPage(page, { result: answers[page], responses: [], errors: [] }, null);
  const { stdout: version } = await run(join(app.dir, 'node_modules/.bin/bun'), ['--version']);
  t.diagnostic(`bun ${version.trim()} as a runtime: every page's calls pass`);
});

test('wrangler: deploy --dry-run bundles the modules the Worker imports; wrangler dev (workerd) runs every page', async (t) => {
  const app = await prepareApp('wrangler');
  const dist = join(app.dir, 'dist');
  rmSync(dist, { recursive: true, force: true });
  const env = { WRANGLER_SEND_METRICS: 'false', WRANGLER_LOG_PATH: join(app.dir, 'logs') };
  const built = await build(app.dir, process.execPath, [WRANGLER, 'deploy', '--dry-run', '--outdir', 'dist', '-c', 'wrangler.toml'], env);
  // workerd cannot compile bytes: the Worker carries the modules it imports, statically: the
  // workerd entry's seven (tests/bundlers/wrangler/worker.js; 'edge-kms/lean' and its
  // subpaths are workerd-modules.test.js's).
  const wasm = readdirSync(dist).filter((f) => f.endsWith('.wasm')).map((f) => app.modules.get(sha256(readFileSync(join(dist, f))))?.name ?? f);
  assert.deepEqual(wasm.sort(), ['ecdsa', 'envelope-full', 'jwt', 'kms', 'rare', 'rsa', 'verify'], 'the Worker bundle holds each module once');
  t.diagnostic(`install ${app.install}, dry run ${built}; Worker ${outputSizes(dist)}`);

  const dev = await startWranglerDev(join(app.dir, 'wrangler.toml'), { name: 'bundlers-app' });
  cleanups.push(dev.stop);
  for (const page of Object.keys(PAGES)) {
    const answer = await (await fetch(`${dev.url}/${page}`, { method: 'POST', body: JSON.stringify(inputs[page]) })).json();
    await checkPage(page, { result: answer.ok ? { ok: true, value: answer.result } : answer, responses: [], errors: [] }, null);
  }
  await dev.stop();
});
