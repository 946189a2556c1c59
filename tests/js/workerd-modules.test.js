// Issue 10, Workers: workerd compiles every WebAssembly module of a Worker's
// bundle when the Worker starts, whether it is used or not. `import … from
// 'edge-kms'` bundles seven (envelope-full for envelope), so everything works with no configuration;
// `'edge-kms/lean'` bundles only `envelope-full`, `verify` and `ecdsa`, and such a
// Worker adds another module with `import 'edge-kms/<module>'`. Bundled by
// wrangler itself (`wrangler deploy --dry-run`, as `wrangler deploy` would)
// from a Worker that imports 'edge-kms', the same Worker on 'edge-kms/lean',
// and that one with the four subpath imports; all run in workerd (Miniflare).
// On the lean entry without the import, a call that needs the module fails
// with NOT_INITIALISED naming the import, and the rest of the Worker keeps working.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { cpSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Miniflare } from 'miniflare';
import { WRANGLER } from './wrangler-dev.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ART = join(ROOT, 'tests/artifacts/workerd-modules');
const sha256 = (b) => createHash('sha256').update(b).digest('hex');
const b64 = (b) => Buffer.from(b).toString('base64');
const ALL = ['ecdsa', 'envelope-full', 'jwt', 'kms', 'rare', 'rsa', 'verify']; // a Worker carries envelope-full, not envelope
const LEAN = ['ecdsa', 'envelope-full', 'verify'];

/** The package's modules by content: sha256 → name. */
const pkgModules = new Map(ALL.map((m) => [sha256(readFileSync(join(ROOT, `pkg/wasm/${m}_bg.wasm`))), m]));

/** @type {Record<string, { dist: string, modules: string[], call: (route: string, body?: unknown) => Promise<any>, mf: Miniflare }>} */
const workers = {};

/** The README's Worker example (section "Workers"), as it is printed there. */
const readmeWorker = (() => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const m = /^<!-- workerd-example: worker-rsa -->\n```js\n([\s\S]*?)^```\n/m.exec(readme);
  assert.ok(m, 'README.md has the Worker example');
  return m[1];
})();

/** `wrangler deploy --dry-run` of one entry file; returns the output folder and which package modules it holds. */
async function bundle(name, main) {
  const dir = join(ART, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  // The Worker's files beside its wrangler.toml; 'edge-kms' resolves to pkg/ through the repository's node_modules.
  cpSync(fileURLToPath(new URL('./workerd-modules/', import.meta.url)), dir, { recursive: true });
  writeFileSync(join(dir, 'worker-lean.js'), readFileSync(join(dir, 'worker.js'), 'utf8').replaceAll("from 'edge-kms';", "from 'edge-kms/lean';"));
  writeFileSync(join(dir, 'readme-rsa.js'), readmeWorker);
  writeFileSync(join(dir, 'readme-rsa-without.js'), readmeWorker.replace("import 'edge-kms/rsa';\n", ''));
  writeFileSync(join(dir, 'wrangler.toml'), `name = "edge-kms-${name}"\nmain = "${main}"\ncompatibility_date = "2025-09-01"\n`);
  await run(process.execPath, [WRANGLER, 'deploy', '--dry-run', '--outdir', 'dist', '-c', 'wrangler.toml'],
    { cwd: dir, env: { ...process.env, WRANGLER_SEND_METRICS: 'false', WRANGLER_LOG_PATH: join(dir, 'logs') } });
  const dist = join(dir, 'dist');
  const wasm = readdirSync(dist).filter((f) => f.endsWith('.wasm'));
  const modules = wasm.map((f) => pkgModules.get(sha256(readFileSync(join(dist, f)))) ?? `unknown ${f}`).sort();
  return { dist, modules };
}

before(async () => {
  const variants = [['default', 'worker.js'], ['lean', 'worker-lean.js'], ['all', 'worker-all.js'], ['readme', 'readme-rsa.js'], ['readme-without', 'readme-rsa-without.js']];
  for (const [name, main] of variants) {
    const { dist, modules } = await bundle(name, main);
    const mf = new Miniflare({
      modules: true,
      scriptPath: join(dist, main),
      modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }],
      compatibilityDate: '2025-09-01',
      bindings: { ESCROW_PUBLIC_KEY: rsaInput.publicKey },
    });
    await mf.ready;
    const call = async (route, body = {}) => (await mf.dispatchFetch(`http://worker.local/${route}`, { method: 'POST', body: JSON.stringify(body) })).json();
    workers[name] = { dist, modules, call, mf };
  }
});

after(async () => {
  for (const w of Object.values(workers)) await Promise.race([w.mf.dispose(), new Promise((ok) => setTimeout(ok, 10_000).unref())]);
});

// Inputs made by node:crypto: a P-256 key and a KMS-shaped (DER) signature, a JWT, an RSA key pair.
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const message = randomBytes(100);
const ecInput = {
  publicKey: b64(ec.publicKey.export({ type: 'spki', format: 'der' })),
  message: b64(message),
  digest: b64(createHash('sha256').update(message).digest()),
  signature: b64(sign('sha256', message, ec.privateKey)),
};
const jwtInput = (() => {
  const part = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const input = `${part({ alg: 'ES256', typ: 'JWT' })}.${part({ sub: 'worker-user' })}`;
  const sig = sign('sha256', Buffer.from(input), { key: ec.privateKey, dsaEncoding: 'ieee-p1363' });
  return { token: `${input}.${sig.toString('base64url')}`, publicKey: ecInput.publicKey };
})();
const rsaInput = { publicKey: rsa.publicKey.export({ type: 'spki', format: 'pem' }), privateKey: rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }), text: 'sealed to RSA in a Worker' };
const sealInput = { wrappingKey: b64(randomBytes(32)), text: `sealed in a Worker ${randomBytes(4).toString('hex')}` };

test('wrangler bundles seven modules for a Worker on edge-kms; envelope-full, verify and ecdsa on edge-kms/lean; the subpaths add the other four', () => {
  assert.deepEqual(workers.default.modules, ALL);
  assert.deepEqual(workers.lean.modules, LEAN);
  assert.deepEqual(workers.all.modules, ALL);
});

test('every Worker seals and opens (one-shot and streams, default suite) and verifies RAW and DIGEST ECDSA', async () => {
  for (const w of [workers.default, workers.lean, workers.all]) {
    assert.deepEqual(await w.call('seal', sealInput), { ok: true, value: { text: sealInput.text, streamed: sealInput.text } });
    assert.deepEqual(await w.call('verify', ecInput), { ok: true, value: { raw: true, byDigest: true, sync: true } });
    assert.deepEqual(await w.call('init'), { ok: true, value: true }, 'a bare init() loads what the Worker bundles');
  }
});

test('on edge-kms/lean without its import, a module\'s first call is NOT_INITIALISED naming the import; with it, or on edge-kms, the call works', async () => {
  const cases = [
    ['rsa', rsaInput, 'sealed to RSA in a Worker'],
    ['jwt', jwtInput, { valid: true, sub: 'worker-user' }],
    ['kms', {}, 'customer-managed'],
  ];
  for (const [route, input, value] of cases) {
    const missing = await workers.lean.call(route, input);
    assert.equal(missing.ok, false, route);
    assert.equal(missing.code, 'NOT_INITIALISED', `${route}: ${missing.message}`);
    assert.ok(missing.message.includes(`import 'edge-kms/${route}'`), `${route}: the error names the import: ${missing.message}`);
    assert.deepEqual(await workers.all.call(route, input), { ok: true, value }, route);
    assert.deepEqual(await workers.default.call(route, input), { ok: true, value }, `${route} with no configuration`);
  }
  const initRsa = await workers.lean.call('init-rsa');
  assert.equal(initRsa.code, 'NOT_INITIALISED', 'init([name]) of a module the Worker lacks says so too');
  assert.deepEqual(await workers.all.call('init-rsa'), { ok: true, value: true });
  assert.deepEqual(await workers.default.call('init-rsa'), { ok: true, value: true });
  // The failed loads left the rest of the Worker as it was.
  assert.deepEqual(await workers.lean.call('seal', sealInput), { ok: true, value: { text: sealInput.text, streamed: sealInput.text } });
});

test('the README\'s Worker seals to an RSA key in workerd, and Node opens it; without `import \'edge-kms/rsa\'` it fails with NOT_INITIALISED', async () => {
  assert.deepEqual(workers.readme.modules, ['ecdsa', 'envelope-full', 'rsa', 'verify']);
  const body = randomBytes(3000);
  const res = await workers.readme.mf.dispatchFetch('http://worker.local/', { method: 'POST', body });
  assert.equal(res.status, 200);
  const sealed = new Uint8Array(await res.arrayBuffer());
  const { EnvelopeClient, RawRsaKeyring } = await import('edge-kms');
  const { plaintext } = await new EnvelopeClient({ keyring: new RawRsaKeyring({ keyNamespace: 'escrow', keyName: 'rsa-1', privateKey: rsaInput.privateKey }) }).decrypt(sealed);
  assert.deepEqual(Buffer.from(plaintext), body);

  assert.deepEqual(workers['readme-without'].modules, LEAN);
  const failed = await workers['readme-without'].mf.dispatchFetch('http://worker.local/', { method: 'POST', body });
  assert.equal(failed.status, 500);
  // Miniflare answers an uncaught error with its text (deployed, the Worker's logs show it)
  const text = await failed.text();
  assert.match(text, /^Error: EdgeKmsError: edge-kms: this Worker does not bundle the 'rsa' WebAssembly module/, text);
  assert.ok(text.includes("import 'edge-kms/rsa'"), text);
});

test('outside workerd the subpaths resolve and do nothing (Node)', async () => {
  for (const m of ['rsa', 'rare', 'jwt', 'kms']) {
    const ns = await import(`edge-kms/${m}`);
    assert.deepEqual(Object.keys(ns), [], m);
  }
});
